// `mongo-topology/jest-global-setup`: jest's `globalSetup` module. The default export starts the
// topology of the project's `mongo-topology.config.*` (or `$MONGO_TOPOLOGY_CONFIG`);
// `createGlobalSetup(spec)` makes one for a spec in code. The cluster reaches test files through
// environment variables that workers inherit (jest forks them after global setup):
// `MONGO_TOPOLOGY_STATE_FILE`, `MONGODB_URI` and `MONGO_URI`, which `mongo-topology/jest-environment`
// turns into globals and handles. The cluster's state stays in its temp directory, never in the
// user's repository.

import type { StartOptions } from '../../cluster/start.js';
import { exportToEnv } from '../shared/env.js';
import { providedTopology } from '../shared/provided.js';
import { startFromSource, type TopologySource } from '../shared/source.js';
import { pushSetupState } from './state.js';

/** The parts of jest's configs the global setup reads. */
export interface JestConfigLike {
  readonly rootDir: string;
}

/** A jest `globalSetup` function. */
export type JestGlobalSetup = (globalConfig: JestConfigLike, projectConfig: JestConfigLike) => Promise<void>;

/**
 * Makes a jest global setup that starts `source` (a spec, a config object or a config file's path;
 * default: the `mongo-topology.config.*` in the project's rootDir). Pair it with
 * `mongo-topology/jest-global-teardown`.
 *
 * @throws TopologyConfigError for a bad topology or config file, and the errors of `spec.start()`.
 * @example
 * ```js
 * // jest.global-setup.mjs, named in globalSetup
 * import { cluster } from 'mongo-topology';
 * import { createGlobalSetup } from 'mongo-topology/jest-global-setup';
 * export default createGlobalSetup(cluster().replicaSet(3));
 * ```
 */
export function createGlobalSetup(
  source?: TopologySource,
  options: Omit<StartOptions, 'signal'> = {},
): JestGlobalSetup {
  return async (globalConfig, projectConfig) => {
    const root = projectConfig?.rootDir ?? globalConfig?.rootDir ?? process.cwd();
    const c = await startFromSource(source, options, { cwd: root, caller: 'the jest global setup' });
    try {
      const restoreEnv = exportToEnv(providedTopology(c.stateFile));
      pushSetupState({ cluster: c, restoreEnv });
    } catch (e) {
      await c.stop().catch(() => undefined);
      throw e;
    }
  };
}

/** jest's `globalSetup: 'mongo-topology/jest-global-setup'`: the topology of the project's config file. */
const globalSetup: JestGlobalSetup = (globalConfig, projectConfig) => createGlobalSetup()(globalConfig, projectConfig);
export default globalSetup;
