// The topology module's surface: the builder, plans and port allocation (see DESIGN.md, "One-way data flow").
export { TopologySpec, DEFAULT_DEFINITION, CLI_SUPERVISION, MAX_SHARDS, MAX_MONGOS } from './builder.js';
export {
  plan,
  reassignPort,
  releasePlanPorts,
  findPortConflicts,
  LOOPBACK,
  GROUP_PRIORITY,
  SUPERVISOR_PORT_OWNER,
  type ClusterPlan,
  type PlannedNode,
  type PlannedReplicaSet,
  type PlannedGroup,
  type PlannedSupervisor,
  type PlannedAuth,
  type PlanOptions,
  type PortConflict,
} from './plan.js';
export {
  PortAllocator,
  sharedPortAllocator,
  isPortFree,
  defaultLockDir,
  defaultPortRange,
  type PortSource,
  type PortAllocatorOptions,
} from './ports.js';
export {
  validateDefinition,
  MAX_MEMBERS,
  MAX_VOTERS,
  MAX_PRIORITY,
  MAX_SECONDARY_DELAY_SECS,
  type ValidationReport,
  type VersionContext,
} from './validate.js';
export { resolveShape, effectivePriority, isElectable, initialPrimaryIndex, type TopologyKind } from './shape.js';
export {
  replicaSetConfigDocument,
  type ReplicaSetConfigDocument,
  type ReplicaSetMemberDocument,
} from './replica-set-config.js';
export { SERVER_PARAMETERS, checkParameter, type ParameterSupport, type ParameterCheck } from './server-parameters.js';
export { parseServerArgs, type ServerOption, type ParsedArgs } from './server-flags.js';
// Version specs and spans are shared with src/binaries: src/common/version-spec.ts.
export * from './names.js';
export type * from './types.js';
export { MONGOD_ROLES } from './types.js';
