// supervisord's process and supervisor states, with the numeric codes its XML-RPC API reports
// (states.py). The codes are part of the wire contract with supervisorctl; never renumber them.

/** Process states with supervisord's codes. */
export const ProcessState = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;
export type ProcessStateName = keyof typeof ProcessState;
export type ProcessStateCode = (typeof ProcessState)[ProcessStateName];

const NAMES = new Map<number, ProcessStateName>(
  Object.entries(ProcessState).map(([k, v]) => [v, k as ProcessStateName]),
);

/** `20` → `RUNNING`. */
export function processStateName(code: number): ProcessStateName {
  const n = NAMES.get(code);
  if (!n) throw new RangeError(`unknown process state code ${code}`);
  return n;
}

/** States in which supervisord considers a process not running (stop requests are refused). */
export const STOPPED_STATES: ReadonlySet<ProcessStateName> = new Set(['STOPPED', 'EXITED', 'FATAL', 'UNKNOWN']);
/** States in which a start request is refused with ALREADY_STARTED (BACKOFF included). */
export const RUNNING_STATES: ReadonlySet<ProcessStateName> = new Set(['RUNNING', 'BACKOFF', 'STARTING']);
/** States in which the process has a pid that may be signalled. */
export const SIGNALLABLE_STATES: ReadonlySet<ProcessStateName> = new Set(['RUNNING', 'STARTING', 'STOPPING']);

/** supervisord's own "mood". */
export const SupervisorState = {
  FATAL: 2,
  RUNNING: 1,
  RESTARTING: 0,
  SHUTDOWN: -1,
} as const;
export type SupervisorStateName = keyof typeof SupervisorState;
