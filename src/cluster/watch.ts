// Event-driven waits on a supervised cluster. One subscription to the supervisor's line stream and one
// to its event stream (whether the supervisor runs in this process or is a daemon reached over HTTP)
// fan out to every wait in progress; a wait re-checks its condition when a line or event it cares
// about arrives, with a slow poll as a safety net, and fails at its deadline naming what it waited
// for. Nothing here sleeps for a fixed time.

import { setMaxListeners } from 'node:events';
import createDebug from 'debug';
import { StartupTimeoutError, SupervisorError, type ErrorEvidence } from '../errors.js';
import type { LogLine, SupervisorControl, SupervisorEvent } from '../supervisor/control/types.js';

const debug = createDebug('mongo-topology:wait');

/** A point in time by which something must be done, with the caller's abort signal. */
export class Deadline {
  /** When it passes, ms since the epoch. */
  readonly at: number;
  constructor(
    /** The limit the deadline was made from, for messages. */
    readonly timeoutMs: number,
    readonly signal?: AbortSignal,
    at?: number,
  ) {
    this.at = at ?? Date.now() + timeoutMs;
    // Every wait of a boot listens on the same signal; dozens at once are expected, not a leak.
    if (signal) setMaxListeners(0, signal);
  }

  /** The same deadline, also ending when `signal` aborts. */
  linkedTo(signal: AbortSignal): Deadline {
    return new Deadline(this.timeoutMs, this.signal ? AbortSignal.any([this.signal, signal]) : signal, this.at);
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  expired(): boolean {
    return Date.now() >= this.at;
  }

  /** Throws the signal's reason when the caller aborted. */
  throwIfAborted(): void {
    if (this.signal?.aborted) throw this.signal.reason;
  }
}

/** Thrown by a wait's check to say "not yet, and here is why"; the last one becomes the timeout's cause. */
export class NotYet extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'NotYet';
  }
}

/** A condition to wait for. */
export interface WaitSpec<T> {
  /** What is awaited, for the timeout error: `rs0-1 to log id 23016`. */
  readonly what: string;
  readonly deadline: Deadline;
  /**
   * Returns the result once the condition holds, undefined (or throws {@link NotYet}) while it does
   * not. Any other error ends the wait with that error.
   */
  check(): Promise<T | undefined> | T | undefined;
  /** Lines after which the condition is worth checking again. */
  readonly wakeOnLine?: (line: LogLine) => boolean;
  /** Events after which the condition is worth checking again. */
  readonly wakeOnEvent?: (event: SupervisorEvent) => boolean;
  /** A line or event that means the condition will never hold: returns the error to end the wait with. */
  readonly failOnLine?: (line: LogLine) => Error | undefined;
  readonly failOnEvent?: (event: SupervisorEvent) => Error | undefined;
  /** Longest pause between checks when nothing wakes the wait. @default 250 */
  readonly pollMs?: number;
  /** Builds the timeout error (subject, evidence); the default names `what` and the limit. */
  readonly onTimeout?: (lastReason: unknown) => Promise<Error> | Error;
}

/**
 * The shared subscriptions of one cluster to its supervisor. Open it before starting anything whose
 * output a wait must see: lines and events that arrive before a wait registers are not replayed.
 */
export class SupervisorWatch {
  readonly #lineListeners = new Set<(l: LogLine) => void>();
  readonly #eventListeners = new Set<(e: SupervisorEvent) => void>();
  readonly #brokenListeners = new Set<(e: Error) => void>();
  readonly #abort = new AbortController();
  readonly #pumps: Promise<void>[] = [];
  #broken: Error | undefined;
  #closed = false;

  private constructor(readonly control: SupervisorControl) {}

  /** Subscribes to every line and every event of `control`; resolves once both subscriptions are in place. */
  static async open(control: SupervisorControl): Promise<SupervisorWatch> {
    const w = new SupervisorWatch(control);
    const signal = w.#abort.signal;
    const [lines, events] = await Promise.allSettled([
      control.lines('all', { signal }),
      control.events({ types: ['PROCESS_STATE_*', 'PROCESS_READY*'], signal }),
    ]);
    if (lines.status === 'rejected' || events.status === 'rejected') {
      w.#abort.abort();
      const reason: unknown = lines.status === 'rejected' ? lines.reason : (events as PromiseRejectedResult).reason;
      throw reason instanceof Error
        ? reason
        : new SupervisorError(`cannot subscribe to the supervisor: ${String(reason)}`);
    }
    w.#pumps.push(
      w.#pump(lines.value, (l: LogLine) => {
        for (const f of [...w.#lineListeners]) f(l);
      }),
      w.#pump(events.value, (e: SupervisorEvent) => {
        for (const f of [...w.#eventListeners]) f(e);
      }),
    );
    return w;
  }

  async #pump<T>(it: AsyncIterableIterator<T>, deliver: (v: T) => void): Promise<void> {
    try {
      for await (const v of it) deliver(v);
      if (!this.#closed) this.#break(new SupervisorError('the supervisor closed its stream of lines and events'));
    } catch (e) {
      if (!this.#closed)
        this.#break(new SupervisorError(`lost the supervisor's stream: ${(e as Error).message}`, { cause: e }));
    }
  }

  #break(e: Error): void {
    this.#broken ??= e;
    debug('supervisor stream broken: %s', e.message);
    for (const f of [...this.#brokenListeners]) f(e);
  }

  /** Calls `f` for every line from now on; returns the unsubscribe function. */
  onLine(f: (l: LogLine) => void): () => void {
    this.#lineListeners.add(f);
    return () => this.#lineListeners.delete(f);
  }

  /** Calls `f` for every process event from now on; returns the unsubscribe function. */
  onEvent(f: (e: SupervisorEvent) => void): () => void {
    this.#eventListeners.add(f);
    return () => this.#eventListeners.delete(f);
  }

  /**
   * Waits for a condition: checks it, then again whenever a matching line or event arrives (or every
   * `pollMs`), until it holds, a fail condition matches, the deadline passes or the signal aborts.
   *
   * @throws StartupTimeoutError naming `what` at the deadline (or the error `onTimeout` builds).
   */
  async waitUntil<T>(spec: WaitSpec<T>): Promise<T> {
    const { deadline } = spec;
    const pollMs = spec.pollMs ?? 250;
    let woken = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const poke = () => {
      woken = true;
      const w = wake;
      wake = undefined;
      w?.();
    };
    const offLine = this.onLine((l) => {
      const f = spec.failOnLine?.(l);
      if (f) {
        failure ??= f;
        poke();
      } else if (spec.wakeOnLine?.(l)) poke();
    });
    const offEvent = this.onEvent((e) => {
      const f = spec.failOnEvent?.(e);
      if (f) {
        failure ??= f;
        poke();
      } else if (spec.wakeOnEvent?.(e)) poke();
    });
    const onBroken = (e: Error) => {
      failure ??= e;
      poke();
    };
    this.#brokenListeners.add(onBroken);
    if (this.#broken) failure = this.#broken;
    const onAbort = () => poke();
    deadline.signal?.addEventListener('abort', onAbort, { once: true });
    let lastReason: unknown;
    const failureOf = (): Error | undefined => failure;
    try {
      for (;;) {
        deadline.throwIfAborted();
        if (failure) throw failure;
        woken = false;
        try {
          const v = await spec.check();
          if (v !== undefined) return v;
        } catch (e: unknown) {
          lastReason = e;
          if (!(lastReason instanceof NotYet)) throw e;
        }
        // A line or event may have reported a failure while the check ran.
        const failed = failureOf();
        if (failed) throw failed;
        deadline.throwIfAborted();
        if (deadline.expired()) {
          debug('timed out waiting for %s', spec.what);
          if (spec.onTimeout) throw await spec.onTimeout(lastReason);
          throw new StartupTimeoutError(`Timed out after ${deadline.timeoutMs}ms waiting for ${spec.what}`, {
            waitingFor: spec.what,
            timeoutMs: deadline.timeoutMs,
            ...(lastReason !== undefined ? { cause: lastReason } : {}),
          });
        }
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(
            () => {
              wake = undefined;
              resolve();
            },
            Math.max(1, Math.min(pollMs, deadline.remainingMs())),
          );
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      offLine();
      offEvent();
      this.#brokenListeners.delete(onBroken);
      deadline.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Ends both subscriptions. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.#lineListeners.clear();
    this.#eventListeners.clear();
    await Promise.allSettled(this.#pumps);
  }
}

/** Evidence for a timeout or start error about one node. */
export type NodeEvidence = Pick<ErrorEvidence, 'node' | 'host' | 'port' | 'command' | 'logFile' | 'logTail'>;
