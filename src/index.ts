// The package root: the public API, and nothing else. Every export is listed by name so that adding
// one is a deliberate act (style-guide.md §2: no `export *` at the root).

export { cluster, ClusterSpec } from './topology/builder.js';
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
} from './errors.js';
