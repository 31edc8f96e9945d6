// The package root: the public API, and nothing else. Every export is listed by name so that adding
// one is a deliberate act (style-guide.md §2: no `export *` at the root).

import { DEFAULT_DEFINITION, TopologySpec } from './topology/builder.js';
import { startCluster, type StartOptions } from './cluster/start.js';
import type { StartedCluster } from './cluster/started-cluster.js';
import { loadConfigFile, type LoadConfigOptions, type LoadedConfig } from './integrations/config/index.js';

/**
 * An immutable description of a MongoDB topology, made by {@link cluster}. Every builder method
 * returns a new `ClusterSpec`.
 *
 * This subclass is where the package root adds what needs the modules downstream of the topology
 * (starting a cluster, src/cluster), so src/topology never imports them: builder methods derive
 * through `this.constructor`, so every spec in a chain is a `ClusterSpec`.
 *
 * @example
 * ```ts
 * const spec: ClusterSpec = cluster().replicaSet(3);
 * ```
 */
export class ClusterSpec extends TopologySpec {
  /**
   * Starts the topology and resolves once it is usable: binaries resolved, every node supervised,
   * replica sets initiated with their planned primary, routers up and every shard added, the first
   * user created when auth is on, and a majority write through the URI done.
   *
   * @throws TopologyConfigError for a bad spec or options (before anything starts).
   * @throws BinaryResolutionError when no usable mongod (or mongos) is found.
   * @throws ProcessStartError when a node exits at start (with its command line, last log lines and log path).
   * @throws StartupTimeoutError when the boot passes its deadline (naming what it waited for).
   * @example
   * ```ts
   * await using c = await cluster().replicaSet(3).start();
   * const db = c.client().db('app');
   * ```
   */
  start(options: StartOptions = {}): Promise<StartedCluster> {
    return startCluster(this, options);
  }
}

/**
 * Starts a topology description: a standalone mongod with small, test-friendly defaults. Chain
 * shape methods and knobs; every call returns a new immutable spec.
 *
 * @example
 * ```ts
 * const spec = cluster().replicaSet(3).version('8.0');
 * const sharded = cluster().shards(2).replicaSet(3).configServers(3).mongos(2);
 * ```
 */
export function cluster(): ClusterSpec {
  return new ClusterSpec(DEFAULT_DEFINITION);
}

/**
 * Reads a config file (`mongo-topology.config.{ts,mts,cts,js,mjs,cjs,json,yaml,yml}`): the one
 * named by `options.file`, else by `$MONGO_TOPOLOGY_CONFIG`, else the one in `options.cwd`.
 * Resolves undefined when none is named and none is found.
 *
 * @throws TopologyConfigError when a named file is missing, a file cannot be read or parsed (with
 *   the line for YAML), or its contents are invalid (every problem, with its key path).
 * @example
 * ```ts
 * const config = await loadConfig({ cwd: process.cwd() });
 * if (config) {
 *   await using c = await config.spec.start(config.start);
 * }
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig<ClusterSpec> | undefined> {
  return loadConfigFile(cluster(), options);
}

export { TopologySpec };
export { CLI_SUPERVISION } from './topology/builder.js';
export {
  defineConfig,
  findConfigFile,
  CONFIG_BASENAME,
  CONFIG_EXTENSIONS,
  type LoadConfigOptions,
  type LoadedConfig,
  type ConfigExport,
  type ConfigStartOptions,
  type MongoTopologyConfig,
  type ReplicaSetConfig,
  type TopologyConfig,
} from './integrations/config/index.js';
export {
  StartedCluster,
  StoppedCluster,
  AttachedCluster,
  ClusterHandle,
  ReplicaSetHandle,
  NodeHandle,
  attach,
  readStateFile,
  reaperEnabled,
  STATE_FILE,
  BOOT_CHECK_DB,
  type StartOptions,
  type StopOptions,
  type AttachOptions,
  type ExpectAutoRestartOptions,
  type HookOptions,
  type NodeHealth,
  type StepDownOptions,
  type MemberStateName,
  type ClusterEvent,
  type ClusterEventOf,
  type ClusterEventType,
  type AuthLayout,
  type ClusterLayout,
  type NodeLayout,
  type ReplicaSetLayout,
  type SupervisorLayout,
  type SupervisorMode,
  type SupervisorOption,
  type ClusterStateFile,
  type ClusterStateName,
  type NodeState,
  HOME_ENV,
  clusterHome,
  listClusters,
  findCluster,
  reserveCluster,
  removeClusterEntry,
  removeDeadCluster,
  pruneClusters,
  type HomeCluster,
  type HomeClusterStatus,
  type ClusterReservation,
  type PrunedCluster,
} from './cluster/index.js';
export {
  plan,
  type ClusterPlan,
  type PlannedNode,
  type PlannedReplicaSet,
  type PlannedGroup,
  type PlannedSupervisor,
  type PlannedAuth,
  type PlanOptions,
} from './topology/plan.js';
export type { ValidationReport, VersionContext } from './topology/validate.js';
export { resolveBinaries } from './binaries/resolve.js';
export { downloadBinaries } from './binaries/download.js';
export type {
  BinaryEvent,
  BinaryInfo,
  BinarySource,
  BuildInfo,
  DownloadBinariesOptions,
  DownloadedBinaries,
  DownloadOptions,
  PlatformOverride,
  ResolveBinariesOptions,
  ResolvedBinaries,
} from './binaries/types.js';
export type { ReplicaSetConfigDocument, ReplicaSetMemberDocument } from './topology/replica-set-config.js';
export type { TopologyKind } from './topology/shape.js';
export type {
  AuthOptions,
  ClusterDefinition,
  ConfigWarning,
  MemberOptions,
  MongosOptions,
  NodeRole,
  NodeSelector,
  ReplicaSetOptions,
  ReplicaSetSettings,
  ScopeOptions,
  ServerParameters,
  ServerParameterValue,
  ShardOptions,
  StorageOptions,
  SupervisionOptions,
  TimeoutOptions,
  UserRole,
  VersionOptions,
} from './topology/types.js';
export {
  MongoTopologyError,
  TopologyConfigError,
  BinaryResolutionError,
  ProcessStartError,
  StartupTimeoutError,
  AutoRestartError,
  SupervisorError,
  isMongoTopologyError,
  type AutoRestartEvidence,
  type ConfigProblem,
  type ErrorEvidence,
  type BinaryAttempt,
  type BinaryErrorCode,
} from './errors.js';
