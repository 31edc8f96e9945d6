// Cross-process lock around one cache entry's download, so N processes resolving the same version at
// once download it once: one holds the lock, the others poll for the finished entry (with a deadline)
// and take it as a cache hit. proper-lockfile gives an atomic mkdir lock whose mtime the holder keeps
// fresh; a lock not refreshed within `staleMs` belongs to a dead process and is taken over.

import { stat } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { delay } from '../common/async.js';
import { emit, type EventSink } from './events.js';
import { BinaryFailure } from './failure.js';

export interface CacheLockOptions {
  /** Longest wait for another holder. */
  readonly timeoutMs: number;
  /** Age after which an un-refreshed lock is considered abandoned. */
  readonly staleMs: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
  /** Checked while waiting: a value means another process finished the work, so the lock is not needed. */
  readonly poll: () => Promise<unknown>;
}

export type LockOutcome<T> =
  { readonly by: 'us'; readonly value: T } | { readonly by: 'other'; readonly value: unknown };

/**
 * Runs `work` while holding the lock for `target` (lock dir `<target>.lock`), unless `poll` reports the
 * work done by someone else first. `work` gets a signal that aborts if the lock is lost.
 */
export async function withCacheLock<T>(
  target: string,
  options: CacheLockOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<LockOutcome<T>> {
  const lockPath = `${target}.lock`;
  const deadline = Date.now() + options.timeoutMs;
  let waitAnnounced = false;
  let pauseMs = 50;
  for (;;) {
    options.signal?.throwIfAborted();
    const before = await stat(lockPath).catch(() => undefined);
    const lost = new AbortController();
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile.lock(target, {
        lockfilePath: lockPath,
        realpath: false,
        stale: options.staleMs,
        update: Math.max(1000, Math.floor(options.staleMs / 4)),
        retries: 0,
        // The default throws from a timer (crashing the process); we abort the work instead.
        onCompromised: (err) => lost.abort(err),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new BinaryFailure(
          'MT_CACHE_UNWRITABLE',
          `Could not create the download lock ${lockPath}: ${(e as Error).message}`,
          {
            hint: 'Make the cache dir writable or choose another (cacheDir option or MONGO_TOPOLOGY_CACHE_DIR).',
            cause: e,
          },
        );
      }
    }
    if (release) {
      if (before && Date.now() - before.mtimeMs > options.staleMs) {
        emit(options.onEvent, { type: 'stale-lock-recovered', lockPath });
      }
      try {
        // Someone may have finished between our last poll and taking the lock.
        const done = await options.poll();
        if (done !== undefined) return { by: 'other', value: done };
        const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
        const value = await work(signal);
        if (lost.signal.aborted) throw lostError(lockPath, lost.signal.reason);
        return { by: 'us', value };
      } catch (e) {
        if (lost.signal.aborted && !options.signal?.aborted) throw lostError(lockPath, lost.signal.reason);
        throw e;
      } finally {
        await release().catch(() => undefined); // already released when compromised
      }
    }
    const done = await options.poll();
    if (done !== undefined) return { by: 'other', value: done };
    if (!waitAnnounced) {
      waitAnnounced = true;
      emit(options.onEvent, { type: 'lock-waiting', lockPath, timeoutMs: options.timeoutMs });
    }
    if (Date.now() >= deadline) {
      throw new BinaryFailure(
        'MT_LOCK_TIMEOUT',
        `Waited ${options.timeoutMs}ms for another process to finish downloading into ${target} (lock ${lockPath})`,
        {
          hint: `If no other process is downloading, the lock is left from a crash and is taken over once ${options.staleMs}ms old; remove ${lockPath} to go on at once, or raise lockTimeoutMs for slow downloads.`,
          reason: `locked by another process for ${options.timeoutMs}ms`,
        },
      );
    }
    await delay(Math.min(pauseMs, Math.max(0, deadline - Date.now())), options.signal);
    pauseMs = Math.min(pauseMs * 2, 1000);
  }
}

function lostError(lockPath: string, reason: unknown): BinaryFailure {
  return new BinaryFailure(
    'MT_LOCK_TIMEOUT',
    `Lost the download lock ${lockPath}: ${(reason as Error)?.message ?? reason}`,
    {
      hint: 'Another process judged the lock abandoned (this one stalled longer than lockStaleMs); retry, or raise lockStaleMs.',
      cause: reason,
    },
  );
}
