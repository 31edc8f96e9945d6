// `tail -f` of a log file with supervisord's logtail behaviour (http.py tail_f_producer): start
// `backlogBytes` before the end, poll for growth, reopen after rotation (inode change), and
// report `==> File truncated <==` when the file shrinks.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { AsyncQueue } from '../../common/async-queue.js';

export const TRUNCATED_NOTICE = '==> File truncated <==\n';

export interface FollowFileOptions {
  /** Bytes before the current end to start with (supervisord's /logtail uses 1024). */
  readonly backlogBytes: number;
  /** @default 100 (supervisord's producer delay) */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/** Follows `path` as raw chunks until the consumer stops or `signal` aborts. */
export function followFileBytes(path: string, options: FollowFileOptions): AsyncQueue<Buffer> {
  let fd = openSync(path, 'r');
  let ino = fstatSync(fd).ino;
  let pos = 0;
  const size0 = fstatSync(fd).size;
  if (size0 >= options.backlogBytes) pos = size0 - options.backlogBytes;
  let timer: NodeJS.Timeout | undefined;
  const queue: AsyncQueue<Buffer> = new AsyncQueue<Buffer>({
    maxBuffered: 10_000,
    onClose: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      options.signal?.removeEventListener('abort', onAbort);
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    },
  });
  const onAbort = () => queue.end();
  const tick = () => {
    timer = undefined;
    if (queue.closed) return;
    try {
      try {
        if (statSync(path).ino !== ino) {
          closeSync(fd);
          fd = openSync(path, 'r');
          ino = fstatSync(fd).ino;
          pos = 0;
        }
      } catch {
        // Unlinked: keep reading the open file.
      }
      const size = fstatSync(fd).size;
      if (size < pos) {
        pos = 0;
        queue.push(Buffer.from(TRUNCATED_NOTICE));
      } else if (size > pos) {
        const buf = Buffer.alloc(size - pos);
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        pos += got;
        if (got > 0) queue.push(buf.subarray(0, got));
      }
    } catch (e) {
      queue.fail(e);
      return;
    }
    timer = setTimeout(tick, options.pollMs ?? 100);
  };
  if (options.signal?.aborted) queue.end();
  else {
    options.signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  }
  return queue;
}

/**
 * Like {@link followFileBytes}, decoded as UTF-8 (a character split across chunks is kept whole).
 * Following starts at the call, not at the first `next()`.
 */
export function followFile(path: string, options: FollowFileOptions): AsyncIterableIterator<string> {
  const q = followFileBytes(path, options);
  const decoder = new TextDecoder('utf-8');
  async function* decode(): AsyncGenerator<string> {
    try {
      for await (const chunk of q) {
        const s = decoder.decode(chunk, { stream: true });
        if (s) yield s;
      }
    } finally {
      await q.return();
    }
  }
  return decode();
}
