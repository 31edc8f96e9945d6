// Public surface of the process supervisor: supervisord semantics in TypeScript (in-process or as a
// daemon), its INI reader/writer, the control server and the typed client.
export {
  Supervisor,
  formatTimedelta,
  type ProgramDefinition,
  type SupervisorOptions,
  type ProcessInfoStruct,
} from './supervisor.js';
export { SupervisedProcess } from './process.js';
export { ControlServer, type ControlServerOptions } from './control/http-server.js';
export { SupervisorClient, type SupervisorClientOptions } from './control/client.js';
export type {
  SupervisorControl,
  ProcessInfo,
  ProcessMetrics,
  ActionOptions,
  WaitOptions,
  LogReadOptions,
  FollowOptions,
  LineStreamOptions,
  SupervisorStatus,
} from './control/types.js';
export { renderPrometheus } from './control/prometheus.js';
export { API_VERSION, SUPERVISOR_VERSION, listMethods } from './control/rpc-methods.js';
export { Faults, RpcFault, faultName, type FaultName, type ProcessResult } from './faults.js';
export {
  EventBus,
  EVENT_HISTORY,
  eventMatches,
  supervisordPayload,
  type SupervisorEvent,
  type SupervisorEventType,
  type ProcessStateEvent,
  type EventSubscriptionOptions,
} from './events.js';
export type { LogLine, Channel } from './logs/output-channel.js';
export {
  ProcessState,
  SupervisorState,
  STOPPED_STATES,
  RUNNING_STATES,
  SIGNALLABLE_STATES,
  processStateName,
  type ProcessStateName,
  type SupervisorStateName,
} from './states.js';
export type { ReadinessCheck, ReadinessContext } from './readiness.js';
export { runDaemon, serverUrlOf, type DaemonOptions } from './daemon.js';
export { MainLogFile, debugLogger, type SupervisorLogger } from './main-log.js';
export * from './config/index.js';
export { programToProcessConfigs } from './config/program.js';
