// The package root: the public API, and nothing else. Every export is listed by name so that adding
// one is a deliberate act (style-guide.md §2: no `export *` at the root).

import { DEFAULT_DEFINITION, TopologySpec } from './topology/builder.js';

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
export class ClusterSpec extends TopologySpec {}

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

export { TopologySpec };
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
  type ConfigProblem,
  type ErrorEvidence,
  type BinaryAttempt,
  type BinaryErrorCode,
} from './errors.js';
