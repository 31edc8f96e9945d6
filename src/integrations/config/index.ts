// Config files (`mongo-topology.config.{ts,js,json,yaml}`): their typed shape, finding and reading
// them, and turning their contents into a spec. Used by the vitest and jest integrations and the CLI.

import type { ConfigExport } from './types.js';

export {
  CONFIG_BASENAME,
  CONFIG_EXTENSIONS,
  findConfigFile,
  loadConfigFile,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export { configToSpec, isSpec, type ConfigOrigin } from './to-spec.js';
export type {
  ConfigExport,
  ConfigStartOptions,
  MongoTopologyConfig,
  ReplicaSetConfig,
  TopologyConfig,
} from './types.js';

/**
 * Types a config file's default export; returns it unchanged.
 *
 * @example
 * ```ts
 * // mongo-topology.config.ts
 * import { defineConfig } from 'mongo-topology';
 * export default defineConfig({ replicaSet: 3, version: '8.0', start: { startupTimeoutMs: 90_000 } });
 * ```
 */
export function defineConfig<const T extends ConfigExport>(config: T): T {
  return config;
}
