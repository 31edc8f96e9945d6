// Typed supervisor events. The PROCESS_STATE_* events carry what supervisord's events carry
// (from-state, tries, pid, expected) so a sequence recorded from us compares one to one with a
// sequence recorded from supervisord's event listener protocol; READY events are ours (s6 idea).

import { AsyncQueue } from '../common/async-queue.js';
import type { ProcessStateName } from './states.js';

interface EventBase {
  /** Monotonic per supervisor, starting at 1. */
  readonly serial: number;
  /** Wall-clock time, ms since the epoch. */
  readonly time: number;
}

interface ProcessEventBase extends EventBase {
  /** `group:process`, or `process` when both names are equal (supervisord's namespec). */
  readonly name: string;
  readonly processName: string;
  readonly groupName: string;
}

/** A process changed state. Fields present per type exactly as in supervisord's payloads. */
export type ProcessStateEvent = ProcessEventBase & { readonly fromState: ProcessStateName } & (
    | { readonly type: 'PROCESS_STATE_STARTING'; readonly tries: number }
    | {
        readonly type: 'PROCESS_STATE_BACKOFF';
        readonly tries: number;
        /** Ours, not in supervisord's payload: how the attempt ended (-1: a signal), null when it was not spawned. */
        readonly exitStatus?: number | null;
      }
    | { readonly type: 'PROCESS_STATE_RUNNING'; readonly pid: number }
    | { readonly type: 'PROCESS_STATE_STOPPING'; readonly pid: number }
    | { readonly type: 'PROCESS_STATE_STOPPED'; readonly pid: number }
    | {
        readonly type: 'PROCESS_STATE_EXITED';
        readonly pid: number;
        readonly expected: boolean;
        /** Ours, not in supervisord's payload: the exit status (-1 when killed by a signal). */
        readonly exitStatus?: number | null;
      }
    | { readonly type: 'PROCESS_STATE_FATAL' }
    | { readonly type: 'PROCESS_STATE_UNKNOWN' }
  );

/** The readiness check of the current incarnation passed (or, with none configured, it reached RUNNING). */
export interface ProcessReadyEvent extends ProcessEventBase {
  readonly type: 'PROCESS_READY';
  readonly pid: number;
  /** What proved readiness, e.g. `log id 23016` or `tcp 127.0.0.1:27017`. */
  readonly check: string;
}

/** The readiness check gave up (timeout); the process is stopped and dependents will not start. */
export interface ProcessReadyFailedEvent extends ProcessEventBase {
  readonly type: 'PROCESS_READY_FAILED';
  readonly pid: number;
  readonly reason: string;
}

/** A start waiting for dependencies was abandoned because a dependency will not become READY. */
export interface ProcessDependencyFailedEvent extends ProcessEventBase {
  readonly type: 'PROCESS_DEPENDENCY_FAILED';
  /** Namespec of the dependency. */
  readonly dependency: string;
  readonly reason: string;
}

/** Output read from a process (only for programs with `*_events_enabled`). */
export interface ProcessLogEvent extends ProcessEventBase {
  readonly type: 'PROCESS_LOG_STDOUT' | 'PROCESS_LOG_STDERR';
  readonly pid: number;
  readonly channel: 'stdout' | 'stderr';
  readonly data: string;
}

/** Data a process wrapped in `<!--XSUPERVISOR:BEGIN-->…<!--XSUPERVISOR:END-->` (capture mode). */
export interface ProcessCommunicationEvent extends ProcessEventBase {
  readonly type: 'PROCESS_COMMUNICATION_STDOUT' | 'PROCESS_COMMUNICATION_STDERR';
  readonly pid: number;
  readonly data: string;
}

export interface ProcessGroupEvent extends EventBase {
  readonly type: 'PROCESS_GROUP_ADDED' | 'PROCESS_GROUP_REMOVED';
  readonly groupName: string;
}

export interface SupervisorStateEvent extends EventBase {
  readonly type: 'SUPERVISOR_STATE_CHANGE_RUNNING' | 'SUPERVISOR_STATE_CHANGE_STOPPING';
}

export interface RemoteCommunicationEvent extends EventBase {
  readonly type: 'REMOTE_COMMUNICATION';
  readonly commType: string;
  readonly data: string;
}

export type SupervisorEvent =
  | ProcessStateEvent
  | ProcessReadyEvent
  | ProcessReadyFailedEvent
  | ProcessDependencyFailedEvent
  | ProcessLogEvent
  | ProcessCommunicationEvent
  | ProcessGroupEvent
  | SupervisorStateEvent
  | RemoteCommunicationEvent;

export type SupervisorEventType = SupervisorEvent['type'];

/** Distributive Omit, so each member of the union keeps its own fields. */
export type EventInit<E = SupervisorEvent> = E extends SupervisorEvent ? Omit<E, 'serial' | 'time'> : never;

/**
 * supervisord's event-listener payload for an event (`processname:x groupname:g from_state:S …`),
 * or undefined for our own event types. Lets recorded sequences be compared with supervisord's.
 */
export function supervisordPayload(e: SupervisorEvent): string | undefined {
  if (!e.type.startsWith('PROCESS_STATE_')) {
    if (e.type === 'PROCESS_GROUP_ADDED' || e.type === 'PROCESS_GROUP_REMOVED') return `groupname:${e.groupName}\n`;
    if (e.type.startsWith('SUPERVISOR_STATE_CHANGE')) return '';
    return undefined;
  }
  const p = e as ProcessStateEvent;
  let s = `processname:${p.processName} groupname:${p.groupName} from_state:${p.fromState}`;
  if (p.type === 'PROCESS_STATE_STARTING' || p.type === 'PROCESS_STATE_BACKOFF') s += ` tries:${p.tries}`;
  else if (p.type === 'PROCESS_STATE_EXITED') s += ` expected:${p.expected ? 1 : 0} pid:${p.pid}`;
  else if (
    p.type === 'PROCESS_STATE_RUNNING' ||
    p.type === 'PROCESS_STATE_STOPPING' ||
    p.type === 'PROCESS_STATE_STOPPED'
  ) {
    s += ` pid:${p.pid}`;
  }
  return s;
}

/** Options for subscribing to events. */
export interface EventSubscriptionOptions {
  /** Only these types (exact names, or a prefix ending in `*`, e.g. `PROCESS_STATE_*`). */
  readonly types?: readonly string[];
  /** Only events about these namespecs (or group names). */
  readonly names?: readonly string[];
  /**
   * Also deliver the recent events (the last {@link EVENT_HISTORY} kept by the supervisor) whose
   * serial is greater than this, before live ones. `0` replays everything kept, so a client that
   * connects after boot still sees how the programs got to where they are.
   */
  readonly afterSerial?: number;
  /** Ends the subscription. */
  readonly signal?: AbortSignal;
}

/** How many recent events a supervisor keeps for `afterSerial` replays. */
export const EVENT_HISTORY = 2000;

/** Does `e` pass the subscription filter? */
export function eventMatches(e: SupervisorEvent, options: EventSubscriptionOptions): boolean {
  if (options.types && options.types.length > 0) {
    const ok = options.types.some((t) => (t.endsWith('*') ? e.type.startsWith(t.slice(0, -1)) : e.type === t));
    if (!ok) return false;
  }
  if (options.names && options.names.length > 0) {
    const n = 'name' in e ? e.name : undefined;
    const g = 'groupName' in e ? e.groupName : undefined;
    if (!options.names.some((x) => x === n || x === g || x === `${g}:*`)) return false;
  }
  return true;
}

/** Synchronous fan-out of typed events, plus async-iterable subscriptions. */
export class EventBus {
  #serial = 0;
  readonly #handlers = new Set<(e: SupervisorEvent) => void>();
  readonly #history: SupervisorEvent[] = [];

  /** Serial of the last event emitted (0 before any). */
  get serial(): number {
    return this.#serial;
  }

  /** Stamps and delivers an event to every handler, synchronously, in subscription order. */
  emit(init: EventInit): SupervisorEvent {
    const e = { ...init, serial: ++this.#serial, time: Date.now() } as SupervisorEvent;
    this.#history.push(e);
    if (this.#history.length > EVENT_HISTORY) this.#history.splice(0, this.#history.length - EVENT_HISTORY);
    for (const h of [...this.#handlers]) {
      try {
        h(e);
      } catch {
        // A failing subscriber must not break the state machine that emitted the event.
      }
    }
    return e;
  }

  /** Calls `handler` for every event from now on; returns the unsubscribe function. */
  on(handler: (e: SupervisorEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** An async iterator over events from this moment on (subscribed synchronously). */
  subscribe(options: EventSubscriptionOptions = {}): AsyncQueue<SupervisorEvent> {
    const queue: AsyncQueue<SupervisorEvent> = new AsyncQueue<SupervisorEvent>({
      onClose: () => {
        off();
        options.signal?.removeEventListener('abort', onAbort);
      },
    });
    if (options.afterSerial !== undefined) {
      for (const e of this.#history) if (e.serial > options.afterSerial && eventMatches(e, options)) queue.push(e);
    }
    const off = this.on((e) => {
      if (eventMatches(e, options)) queue.push(e);
    });
    const onAbort = () => queue.end();
    if (options.signal?.aborted) queue.end();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    return queue;
  }
}
