// Concurrency and deadline helpers shared by every module (STYLE.md rules 5 and 7): parallel steps
// wait for all and throw one aggregate error; every wait has a deadline and says what it waited for.

import { StartupTimeoutError } from '../errors.js';

/**
 * Runs every promise to completion, then throws one AggregateError naming each failure if any failed.
 * Unlike `Promise.all`, nothing is left running unobserved when the first one fails.
 */
export async function settleAll<T>(promises: Iterable<Promise<T>>, what: string): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const first = errors.map((e) => (e instanceof Error ? e.message.split('\n')[0] : String(e)));
    throw new AggregateError(
      errors,
      `${errors.length} of ${results.length} ${what} failed:\n${first.map((m) => `  - ${m}`).join('\n')}`,
    );
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Resolves after `ms`, or rejects with the signal's reason when aborted. Timers never keep the loop alive past abort. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface PollOptions {
  /** What is being waited for; goes into the timeout error's first line. */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between attempts. @default 50 */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Calls `check` until it returns a value other than `undefined`/`false`, or the deadline passes.
 * A thrown error counts as "not yet"; the last one becomes the timeout error's cause.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions,
): Promise<T> {
  const { what, timeoutMs, intervalMs = 50, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      throw new StartupTimeoutError(`Timed out after ${timeoutMs}ms waiting for ${what}`, {
        waitingFor: what,
        timeoutMs,
        cause: lastError,
      });
    }
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

/** Rejects with a StartupTimeoutError naming `what` if `promise` does not settle within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StartupTimeoutError(`Timed out after ${timeoutMs}ms waiting for ${what}`, {
            waitingFor: what,
            timeoutMs,
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
