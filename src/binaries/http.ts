// HTTP for binary downloads: small documents with a deadline, and archives streamed to disk with a
// running sha256, an idle timeout, progress events and bounded retries with backoff.
//
// Node's own fetch is used (not mongodb-downloader's node-fetch) because it takes an AbortSignal,
// and because the archive bytes must pass through our hash before anything is extracted.

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { delay } from '../common/async.js';
import { emit, type EventSink } from './events.js';

/** An error's message, with the cause fetch hides behind "fetch failed" (e.g. `connect ECONNREFUSED 127.0.0.1:9`). */
export function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error ? (e.cause as { message?: string } | undefined) : undefined;
  return e instanceof TypeError && cause?.message && !msg.includes(cause.message) ? `${msg} (${cause.message})` : msg;
}

/** A non-2xx answer. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

/** A transfer that stopped sending bytes, or ended before its Content-Length. */
export class TransferError extends Error {}

const RETRIABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Whether a failed attempt is worth repeating: network trouble and server overload, not 4xx answers. */
export function isRetriable(e: unknown): boolean {
  if (e instanceof HttpStatusError) return RETRIABLE_STATUS.has(e.status);
  return e instanceof TransferError || e instanceof TypeError; // fetch reports network failures as TypeError
}

/** Combines the caller's signal with a timer that can be pushed back (idle timeout) and reports which fired. */
function idleSignal(idleMs: number, outer?: AbortSignal) {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let idled = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idled = true;
      ac.abort(new TransferError(`no data for ${idleMs}ms`));
    }, idleMs);
  };
  const onOuter = () => ac.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  arm();
  return {
    signal: ac.signal,
    touch: arm,
    get idled() {
      return idled;
    },
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}

/** GETs a document (version list, `.sha256` file); fails when no data arrives for `timeoutMs`. */
export async function fetchBytes(url: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Buffer> {
  const idle = idleSignal(options.timeoutMs, options.signal);
  try {
    const res = await fetch(url, { signal: idle.signal, redirect: 'follow' });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new HttpStatusError(url, res.status, res.statusText);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
      idle.touch(); // a slow but moving transfer is fine; a stalled one is not
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  } catch (e) {
    options.signal?.throwIfAborted();
    if (idle.idled) throw new TransferError(`no data from ${url} for ${options.timeoutMs}ms`);
    throw e;
  } finally {
    idle.dispose();
  }
}

export interface DownloadFileOptions {
  readonly signal?: AbortSignal;
  readonly idleTimeoutMs: number;
  readonly retries: number;
  readonly onEvent?: EventSink;
  /** For events only. */
  readonly version: string;
  /** Pause before retry n (1-based). @default 500ms · 2^(n-1) */
  readonly backoffMs?: (attempt: number) => number;
}

/**
 * Streams `url` into `file`, hashing as it goes. Retries network failures and 408/429/5xx;
 * a 4xx fails at once. The file is removed when the download fails.
 */
export async function downloadToFile(
  url: string,
  file: string,
  options: DownloadFileOptions,
): Promise<{ bytes: number; sha256: string }> {
  const backoff = options.backoffMs ?? ((n: number) => 500 * 2 ** (n - 1));
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(url, file, attempt, options);
    } catch (e) {
      await rm(file, { force: true });
      options.signal?.throwIfAborted();
      if (attempt > options.retries || !isRetriable(e)) throw e;
      const delayMs = backoff(attempt);
      emit(options.onEvent, { type: 'download-retry', url, attempt, delayMs, reason: (e as Error).message });
      await delay(delayMs, options.signal);
    }
  }
}

async function downloadOnce(
  url: string,
  file: string,
  attempt: number,
  options: DownloadFileOptions,
): Promise<{ bytes: number; sha256: string }> {
  const idle = idleSignal(options.idleTimeoutMs, options.signal);
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: idle.signal, redirect: 'follow' });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new HttpStatusError(url, res.status, res.statusText);
    }
    const lengthHeader = res.headers.get('content-length');
    const totalBytes = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    emit(options.onEvent, { type: 'download-started', url, version: options.version, totalBytes, attempt });
    const hash = createHash('sha256');
    let received = 0;
    let lastProgress = 0;
    const onEvent = options.onEvent;
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          idle.touch();
          hash.update(chunk);
          received += chunk.length;
          const now = Date.now();
          if (onEvent && now - lastProgress >= 200) {
            lastProgress = now;
            emit(onEvent, { type: 'download-progress', url, receivedBytes: received, totalBytes });
          }
          yield chunk;
        }
      },
      createWriteStream(file),
      { signal: idle.signal },
    );
    if (totalBytes !== undefined && received !== totalBytes) {
      throw new TransferError(`transfer ended after ${received} of ${totalBytes} bytes`);
    }
    emit(options.onEvent, { type: 'download-progress', url, receivedBytes: received, totalBytes });
    emit(options.onEvent, { type: 'download-finished', url, bytes: received, durationMs: Date.now() - started });
    return { bytes: received, sha256: hash.digest('hex') };
  } catch (e) {
    options.signal?.throwIfAborted();
    if (idle.idled) throw new TransferError(`no data from ${url} for ${options.idleTimeoutMs}ms`, { cause: e });
    if (e instanceof HttpStatusError || e instanceof TransferError) throw e;
    // Local file errors (ENOSPC, EACCES) are not the network's fault and would fail again.
    if (!(e instanceof TypeError) && typeof (e as NodeJS.ErrnoException).syscall === 'string') throw e;
    // A connection dropped mid-body surfaces as a stream error; it is a transfer failure worth a retry.
    throw new TransferError(`transfer from ${url} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    idle.dispose();
  }
}
