// vitest fixtures (`test.extend`, builder form, vitest 4.1+): a cluster per test file, or the
// shared cluster of the global setup, each with a database of its own for the file. Fixtures are
// lazy: a file whose tests never ask for `cluster` or `db` starts nothing.

import type { Db } from 'mongodb';
import { test } from 'vitest';
import type { AttachOptions } from '../../cluster/attach.js';
import { startCluster, type StartOptions } from '../../cluster/start.js';
import type { TopologySpec } from '../../topology/builder.js';
import { attachProvided, fileDatabase } from './worker.js';

/** Options of {@link clusterTest}: `spec.start()` options and the database name prefix. */
export interface ClusterTestOptions extends Omit<StartOptions, 'signal'> {
  /** Starts the name of the file's database. @default 't_' */
  readonly databasePrefix?: string;
}

/**
 * A `test` with a topology of the file's own: `cluster` (a `StartedCluster`, started when a test
 * of the file first asks for it, stopped after the file) and `db` (a database of the file's own on
 * it, dropped after the file). Extend it further with `.extend()`.
 *
 * @example
 * ```ts
 * const it = clusterTest(cluster().replicaSet(3));
 * it('survives a primary crash', async ({ cluster, db }) => {
 *   await (await cluster.primary()).expectAutoRestart();
 *   await db.collection('t').insertOne({ ok: true });
 * });
 * ```
 */
export function clusterTest(spec: TopologySpec, options: ClusterTestOptions = {}) {
  const { databasePrefix, ...start } = options;
  return (
    test
      // vitest reads a fixture's dependencies from this destructuring pattern: it must be one, even empty.
      // eslint-disable-next-line no-empty-pattern
      .extend('cluster', { scope: 'file' }, async ({}, { onCleanup }) => {
        const c = await startCluster(spec, start);
        onCleanup(async () => {
          await c.stop();
        });
        return c;
      })
      .extend('db', { scope: 'file' }, async ({ cluster }, { onCleanup }): Promise<Db> => {
        const { db, drop } = fileDatabase(cluster.client(), databasePrefix);
        onCleanup(drop);
        return db;
      })
  );
}

/** Options of {@link providedClusterTest}: attach options and the database name prefix. */
export interface ProvidedClusterTestOptions extends AttachOptions {
  /** Starts the name of the file's database. @default 't_' */
  readonly databasePrefix?: string;
}

/**
 * A `test` on the cluster the global setup started: `cluster` (an `AttachedCluster` with node
 * handles and fault hooks, attached once per file) and `db` (a database of the file's own, dropped
 * after the file).
 *
 * @example
 * ```ts
 * const it = providedClusterTest();
 * it('writes', async ({ db }) => {
 *   await db.collection('users').insertOne({ name: 'ada' });
 * });
 * ```
 */
export function providedClusterTest(options: ProvidedClusterTestOptions = {}) {
  const { databasePrefix, ...attachOptions } = options;
  return (
    test
      // vitest reads a fixture's dependencies from this destructuring pattern: it must be one, even empty.
      // eslint-disable-next-line no-empty-pattern
      .extend('cluster', { scope: 'file' }, async ({}, { onCleanup }) => {
        const c = await attachProvided(attachOptions);
        onCleanup(() => c.detach());
        return c;
      })
      .extend('db', { scope: 'file' }, async ({ cluster }, { onCleanup }): Promise<Db> => {
        const { db, drop } = fileDatabase(cluster.client(), databasePrefix);
        onCleanup(drop);
        return db;
      })
  );
}
