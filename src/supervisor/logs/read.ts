// Reading log files the way supervisord's XML-RPC does (options.py readFile / tailFile), so
// `supervisorctl tail` and `tailProcessStdoutLog` pollers get the same bytes and offsets.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Why a read was refused: supervisord's fault names. */
export class LogReadError extends Error {
  constructor(readonly fault: 'BAD_ARGUMENTS' | 'FAILED') {
    super(fault);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, length));
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/**
 * supervisord `readFile(filename, offset, length)`:
 * - offset < 0, length 0: the last |offset| bytes; offset < 0 with a length is BAD_ARGUMENTS;
 * - offset >= 0, length < 0: BAD_ARGUMENTS; length 0: offset to EOF; else `length` bytes at offset.
 * @throws LogReadError
 */
export function readLogFile(path: string, offset: number, length: number): Buffer {
  if (offset < 0 && length !== 0) throw new LogReadError('BAD_ARGUMENTS');
  if (offset >= 0 && length < 0) throw new LogReadError('BAD_ARGUMENTS');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new LogReadError('FAILED');
  }
  try {
    const size = fstatSync(fd).size;
    if (offset < 0) {
      const pos = Math.max(0, size + offset);
      return readAt(fd, pos, Math.min(-offset, size - pos));
    }
    if (length === 0) return readAt(fd, offset, Math.max(0, size - offset));
    return readAt(fd, offset, Math.min(length, Math.max(0, size - offset)));
  } catch {
    throw new LogReadError('FAILED');
  } finally {
    closeSync(fd);
  }
}

/** Result of {@link tailLogFile}: the bytes, the file size (next offset to ask for), and whether bytes were skipped. */
export interface TailResult {
  readonly data: Buffer;
  readonly offset: number;
  readonly overflow: boolean;
}

/**
 * supervisord `tailFile(filename, offset, length)`: up to `length` bytes from `offset`; if the file
 * has grown past offset+length, jump to the end and set overflow. A missing file gives
 * `['', offset, false]`.
 */
export function tailLogFile(path: string, offset: number, length: number): TailResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { data: Buffer.alloc(0), offset, overflow: false };
  }
  try {
    const sz = fstatSync(fd).size;
    let overflow = false;
    if (sz > offset + length) {
      overflow = true;
      offset = sz - 1;
    }
    if (offset + length > sz) {
      if (offset > sz - 1) length = 0;
      offset = sz - length;
    }
    if (offset < 0) offset = 0;
    if (length < 0) length = 0;
    const data = length === 0 ? Buffer.alloc(0) : readAt(fd, offset, length);
    return { data, offset: sz, overflow };
  } catch {
    return { data: Buffer.alloc(0), offset, overflow: false };
  } finally {
    closeSync(fd);
  }
}
