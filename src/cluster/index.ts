// The cluster module's surface: starting a spec, the started/stopped/attached cluster, node and
// replica-set handles with their fault hooks, events, and the state file.
export { startCluster, type StartOptions } from './start.js';
export { StartedCluster, StoppedCluster, type StopOptions } from './started-cluster.js';
export { AttachedCluster, attach, type AttachOptions } from './attach.js';
export { ClusterHandle, ReplicaSetHandle } from './cluster-handle.js';
export {
  NodeHandle,
  type ExpectAutoRestartOptions,
  type HookOptions,
  type NodeHealth,
  type StepDownOptions,
} from './node-handle.js';
export type { MemberStateName } from './replica-set-ops.js';
export type { ClusterEvent, ClusterEventOf, ClusterEventType } from './events.js';
export type {
  AuthLayout,
  ClusterLayout,
  NodeLayout,
  ReplicaSetLayout,
  SupervisorLayout,
  SupervisorMode,
} from './layout.js';
export type { SupervisorOption } from './supervisor-host.js';
export {
  STATE_FILE,
  readStateFile,
  type ClusterStateFile,
  type ClusterStateName,
  type NodeState,
} from './state-file.js';
export { reaperEnabled } from './reaper.js';
export { BOOT_CHECK_DB } from './boot.js';
export {
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
} from './home.js';
