// The test-file side of the vitest integration: read what the global setup provided, attach to the
// shared cluster for node handles and fault hooks, and give each test file a database of its own.
// Everything here runs inside vitest workers; nothing runs at import (the module is also loaded by
// the global setup in vitest's main process).

import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { attach, type AttachedCluster, type AttachOptions } from '../../cluster/attach.js';
import { TopologyConfigError } from '../../errors.js';
import { databaseName } from '../shared/database-name.js';
import { PROVIDE_KEY, type ProvidedTopology } from '../shared/provided.js';

/**
 * What the global setup provided (`inject('mongoTopology')`), checked.
 *
 * @throws TopologyConfigError when no global setup of mongo-topology ran for this project.
 */
export function injectTopology(): ProvidedTopology {
  const provided = inject(PROVIDE_KEY);
  if (provided === undefined) {
    throw new TopologyConfigError(
      `No mongo-topology cluster was provided to this test file: list a global setup in test.globalSetup (a file that exports setupTopology(cluster().replicaSet(3)) from 'mongo-topology/vitest', or 'mongo-topology/vitest' itself with a mongo-topology.config.* file)`,
    );
  }
  return provided;
}

/**
 * Attaches to the cluster the global setup started: the same node handles, waits and fault hooks
 * (`expectAutoRestart`, `kill`, `stepDown`, ...) as in the process that started it. Detach with
 * `detach()` or `await using`.
 *
 * @throws TopologyConfigError when nothing was provided; SupervisorError when the cluster is gone.
 * @example
 * ```ts
 * await using c = await attachProvided();
 * const evidence = await (await c.primary()).expectAutoRestart();
 * ```
 */
export function attachProvided(options: AttachOptions = {}): Promise<AttachedCluster> {
  return attach(injectTopology().stateFile, options);
}

/** The path of the test file this worker is running. */
export function currentTestFile(): string {
  const file = expect.getState().testPath;
  if (!file) throw new TopologyConfigError('Not inside a vitest test file: the current test file is unknown');
  return file;
}

/** Options of {@link useDatabase}. */
export interface UseDatabaseOptions {
  /**
   * The cluster to use: a URI, or a function read when the file starts (for a cluster started in a
   * `beforeAll` registered before this call). @default the URI the global setup provided
   */
  readonly uri?: string | (() => string);
  /** Starts the database name. @default 't_' */
  readonly prefix?: string;
  /** Options of the `MongoClient`. */
  readonly clientOptions?: MongoClientOptions;
  /** Keep the database after the file (for a post-mortem). @default false */
  readonly keep?: boolean;
}

/** A test file's own database, from {@link useDatabase}. Usable in tests and hooks, not while the file is collected. */
export interface FileDatabase {
  /** Its name: from the test file's path and the worker, unique per file and worker. */
  readonly name: string;
  readonly db: Db;
  /** The client it was opened with (closed after the file). */
  readonly client: MongoClient;
}

/**
 * Gives the calling test file a database of its own on the shared cluster: created (by first use)
 * for the file and dropped after its last test. Call it at the top of the file (or in a `describe`).
 *
 * @example
 * ```ts
 * const files = useDatabase();
 * test('inserts', async () => {
 *   await files.db.collection('users').insertOne({ name: 'ada' });
 * });
 * ```
 */
export function useDatabase(options: UseDatabaseOptions = {}): FileDatabase {
  let state: { name: string; db: Db; client: MongoClient } | undefined;
  const ready = () => {
    if (!state) {
      throw new TopologyConfigError(
        'useDatabase(): the database exists in tests and hooks, once the file has started; it was used while the file was being collected',
      );
    }
    return state;
  };
  beforeAll(async () => {
    const uri = typeof options.uri === 'function' ? options.uri() : (options.uri ?? injectTopology().uri);
    const client = new MongoClient(uri, options.clientOptions);
    await client.connect();
    const name = databaseName(currentTestFile(), options.prefix !== undefined ? { prefix: options.prefix } : {});
    state = { name, db: client.db(name), client };
  });
  afterAll(async () => {
    const s = state;
    state = undefined;
    if (!s) return;
    try {
      if (!options.keep) await s.db.dropDatabase();
    } finally {
      await s.client.close();
    }
  });
  return {
    get name() {
      return ready().name;
    },
    get db() {
      return ready().db;
    },
    get client() {
      return ready().client;
    },
  };
}

/** Opens the per-file database on `client` and returns it with its cleanup (drop). */
export function fileDatabase(client: MongoClient, prefix?: string): { db: Db; drop: () => Promise<void> } {
  const db = client.db(databaseName(currentTestFile(), prefix !== undefined ? { prefix } : {}));
  return {
    db,
    drop: async () => {
      await db.dropDatabase();
    },
  };
}
