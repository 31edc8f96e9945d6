// vitest `globalSetup`: boots one topology before any test file runs, in vitest's main process,
// `provide`s what workers need to reach it (URI, state file, nodes: plain data, as `provide` must
// be structured-clone safe), and stops it in teardown. Workers attach through the state file for
// node handles. If vitest dies without its teardown (SIGKILL, a crash), the cluster's reaper
// stops everything: teardown hooks alone cannot promise that (style-guide.md §7).

import type { TestProject } from 'vitest/node';
import type { StartOptions } from '../../cluster/start.js';
import { exportToEnv } from '../shared/env.js';
import { PROVIDE_KEY, providedTopology } from '../shared/provided.js';
import { startFromSource, type TopologySource } from '../shared/source.js';

/** Options of {@link setupTopology}: `spec.start()` options, plus whether to set environment variables. */
export interface SetupTopologyOptions extends Omit<StartOptions, 'signal'> {
  /**
   * Also set `MONGODB_URI`, `MONGO_URI` and `MONGO_TOPOLOGY_STATE_FILE` in `process.env`, which test
   * workers inherit, for code under test that reads them. Restored in teardown. When several
   * projects each boot a cluster, the last one wins: read `inject('mongoTopology')` instead.
   * @default true
   */
  readonly exportEnv?: boolean;
}

/** A vitest global setup function: vitest calls it with the project and calls what it returns at teardown. */
export type TopologyGlobalSetup = (project: TestProject) => Promise<() => Promise<void>>;

/**
 * Makes a vitest global setup that starts `source` once per run and stops it at teardown. `source`
 * is a spec (`cluster().replicaSet(3)`), a config object, or a config file's path; without it, the
 * `mongo-topology.config.*` in the project root is read (TypeScript configs are compiled by vitest).
 *
 * @throws TopologyConfigError (when vitest runs the setup) for a bad topology or config file, and
 *   the errors of `spec.start()`.
 * @example
 * ```ts
 * // global-setup.ts, listed in test.globalSetup
 * import { cluster } from 'mongo-topology';
 * import { setupTopology } from 'mongo-topology/vitest';
 * export default setupTopology(cluster().replicaSet(3));
 * ```
 */
export function setupTopology(source?: TopologySource, options: SetupTopologyOptions = {}): TopologyGlobalSetup {
  return async (project) => {
    const { exportEnv = true, ...start } = options;
    const c = await startFromSource(source, start, {
      cwd: project.config.root,
      importModule: (file) => project.import(file),
      caller: 'setupTopology()',
    });
    let restoreEnv = () => {};
    try {
      const provided = providedTopology(c.stateFile);
      project.provide(PROVIDE_KEY, provided);
      if (exportEnv) restoreEnv = exportToEnv(provided);
    } catch (e) {
      await c.stop().catch(() => undefined);
      throw e;
    }
    let stopped: Promise<void> | undefined;
    return () =>
      (stopped ??= (async () => {
        restoreEnv();
        await c.stop();
      })());
  };
}

let current: Promise<() => Promise<void>> | undefined;

/**
 * The zero-code global setup: `test.globalSetup: ['mongo-topology/vitest']` starts the topology of
 * the project's `mongo-topology.config.*` (or `$MONGO_TOPOLOGY_CONFIG`).
 */
export async function setup(project: TestProject): Promise<void> {
  current = setupTopology()(project);
  await current;
}

/** Stops what {@link setup} started. */
export async function teardown(): Promise<void> {
  const pending = current;
  current = undefined;
  if (!pending) return;
  const stop = await pending.catch(() => undefined);
  await stop?.();
}
