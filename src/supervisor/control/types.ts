// The control surface shared by the in-process Supervisor and the remote SupervisorClient, so boot
// code, fixtures and the CLI drive a local supervisor or a daemon in another process with the
// same code. Everything here is plain data (JSON over HTTP carries it unchanged).

import type { EventSubscriptionOptions, SupervisorEvent } from '../events.js';
import type { Channel, LogLine } from '../logs/output-channel.js';
import type { ProcessStateName, SupervisorStateName } from '../states.js';

export type { Channel, LogLine, SupervisorEvent, EventSubscriptionOptions, ProcessStateName, SupervisorStateName };

/** Status of one process. */
export interface ProcessInfo {
  /** Namespec: `group:process`, or `process` when the names are equal. */
  readonly name: string;
  readonly processName: string;
  readonly group: string;
  readonly state: ProcessStateName;
  /** supervisord's numeric state code (RUNNING = 20). */
  readonly stateCode: number;
  /** 0 when there is no process. */
  readonly pid: number;
  /** The current incarnation passed its readiness check (or reached RUNNING when it has none). */
  readonly ready: boolean;
  /** Dependencies a pending start is waiting for (empty when not waiting). */
  readonly waitingFor: readonly string[];
  /** Last spawn, ms since the epoch (0 = never). */
  readonly startTime: number;
  /** Last exit, ms since the epoch (0 = never). */
  readonly stopTime: number;
  readonly uptimeMs: number;
  /** Exit status of the last exit (-1 = killed by a signal), null when unknown. */
  readonly exitStatus: number | null;
  readonly spawnErr: string | null;
  /** supervisord's description column (`pid 123, uptime 0:00:05`, `Exited too quickly ...`). */
  readonly description: string;
  readonly spawnCount: number;
  /** Automatic respawns (autorestart after an exit, retries after BACKOFF). */
  readonly restartCount: number;
  readonly stdoutLogfile: string | null;
  readonly stderrLogfile: string | null;
}

/** Resource use of one process (from /proc; undefined fields when it is not running). */
export interface ProcessMetrics {
  readonly name: string;
  readonly group: string;
  readonly state: ProcessStateName;
  readonly stateCode: number;
  readonly pid: number;
  readonly ready: boolean;
  readonly uptimeMs: number;
  readonly spawnCount: number;
  readonly restartCount: number;
  readonly exitStatus: number | null;
  readonly cpuSeconds?: number;
  readonly rssBytes?: number;
  readonly openFds?: number;
  readonly threads?: number;
}

export interface ActionOptions {
  /** Wait until started (RUNNING) / stopped. @default true */
  readonly wait?: boolean;
  /** Deadline for the wait. @default no deadline beyond supervisord's own (stopwaitsecs escalation) */
  readonly timeoutMs?: number;
}

export interface WaitOptions {
  /** Wait for one of these states. */
  readonly state?: ProcessStateName | readonly ProcessStateName[];
  /** Wait until READY. */
  readonly ready?: boolean;
  /** Only accept an incarnation whose pid differs from this one (e.g. after a kill). */
  readonly notPid?: number;
  readonly timeoutMs: number;
}

export interface LogReadOptions {
  readonly channel?: Channel;
  /** Bytes from the end. @default 1600 (supervisorctl tail) */
  readonly bytes?: number;
}

export interface FollowOptions {
  readonly channel?: Channel;
  /** Start this many bytes before the end. @default 0 (only new output) */
  readonly backlogBytes?: number;
  readonly signal?: AbortSignal;
}

export interface LineStreamOptions {
  /** @default 'both' */
  readonly channel?: Channel | 'both';
  /**
   * `now` (default): only lines completed after the subscription is in place, so a readiness wait
   * can never be satisfied by an old line. `{ offset }`: first replay complete lines from that byte
   * offset of the current log file, then continue live with no gap.
   */
  readonly from?: 'now' | { readonly offset: number };
  readonly signal?: AbortSignal;
}

export interface SupervisorStatus {
  readonly state: SupervisorStateName;
  readonly stateCode: number;
  readonly pid: number;
  readonly identifier: string;
}

/**
 * What both a local {@link Supervisor} and a remote {@link SupervisorClient} offer. Names are
 * namespecs (`group:process`, `process`), a group as `group:*`, or `all`.
 */
export interface SupervisorControl {
  getStatus(): Promise<SupervisorStatus>;
  /** Processes matching `names` (default all), in supervisord's lexical order. */
  status(names?: string): Promise<ProcessInfo[]>;
  /** One process. @throws RpcFault BAD_NAME */
  info(name: string): Promise<ProcessInfo>;
  /** Starts; already started is fine. @throws RpcFault SPAWN_ERROR/ABNORMAL_TERMINATION/NO_FILE/... with the log tail */
  start(names: string, options?: ActionOptions): Promise<ProcessInfo[]>;
  /** Stops (stop signal, then SIGKILL after stopwaitsecs); not running is fine. */
  stop(names: string, options?: ActionOptions): Promise<ProcessInfo[]>;
  restart(names: string, options?: ActionOptions): Promise<ProcessInfo[]>;
  /** Sends a signal (name like `HUP` or number) to the process (not its group). */
  signal(names: string, signal: string | number): Promise<ProcessInfo[]>;
  /** The last `bytes` of a log. */
  tail(name: string, options?: LogReadOptions): Promise<string>;
  /** Raw log output as it is written, until aborted. Resolves once following has begun. */
  follow(name: string, options?: FollowOptions): Promise<AsyncIterableIterator<string>>;
  /** Complete output lines, until aborted. Resolves once subscribed (see `from`). */
  lines(names: string, options?: LineStreamOptions): Promise<AsyncIterableIterator<LogLine>>;
  /** Events from now on. Resolves once subscribed. */
  events(options?: EventSubscriptionOptions): Promise<AsyncIterableIterator<SupervisorEvent>>;
  /** Waits for a state and/or readiness. @throws StartupTimeoutError naming what it waited for */
  waitFor(name: string, options: WaitOptions): Promise<ProcessInfo>;
  /** Waits until READY. @throws StartupTimeoutError */
  waitReady(name: string, options: { readonly timeoutMs: number }): Promise<ProcessInfo>;
  metrics(names?: string): Promise<ProcessMetrics[]>;
  /** Stops every program in order and ends the supervisor (the daemon exits). */
  shutdown(): Promise<void>;
}
