import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReadError, readLogFile, tailLogFile } from '../../../../src/supervisor/logs/read.js';

let dir: string;
let file: string;
const content = Buffer.from(Array.from({ length: 5031 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-sup-read-'));
  file = join(dir, 'f.log');
  writeFileSync(file, content);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readLogFile (supervisord readFile)', () => {
  it.each([
    [-100, 0, content.subarray(5031 - 100)],
    [-10000, 0, content],
    [0, 0, content],
    [5000, 0, content.subarray(5000)],
    [10, 5, content.subarray(10, 15)],
    [5030, 100, content.subarray(5030)],
    [9999, 0, Buffer.alloc(0)],
  ])('offset %d length %d', (offset, length, expected) => {
    expect(readLogFile(file, offset, length).equals(expected)).toBe(true);
  });

  it.each([
    [-1, 5],
    [0, -1],
  ])('offset %d length %d is BAD_ARGUMENTS', (offset, length) => {
    expect(() => readLogFile(file, offset, length)).toThrow(new LogReadError('BAD_ARGUMENTS'));
  });

  it('a missing file is FAILED', () => {
    expect(() => readLogFile(join(dir, 'nope'), 0, 0)).toThrow(new LogReadError('FAILED'));
  });
});

describe('tailLogFile (supervisord tailFile)', () => {
  it('jumps to the end with overflow when the file grew past offset+length (observed on 4.2.5)', () => {
    const r = tailLogFile(file, 0, 50);
    expect(r.offset).toBe(5031);
    expect(r.overflow).toBe(true);
    expect(r.data.equals(content.subarray(5031 - 50))).toBe(true);
  });

  it('when offset+length passes the end, returns the last `length` bytes (not from offset)', () => {
    const r = tailLogFile(file, 5000, 100);
    expect([r.data.toString(), r.offset, r.overflow]).toEqual([content.subarray(4931).toString(), 5031, false]);
  });

  it('returns nothing new at the end', () => {
    const r = tailLogFile(file, 5031, 100);
    expect([r.data.length, r.offset, r.overflow]).toEqual([0, 5031, false]);
  });

  it('a missing file gives an empty result at the same offset', () => {
    const r = tailLogFile(join(dir, 'nope'), 7, 10);
    expect([r.data.length, r.offset, r.overflow]).toEqual([0, 7, false]);
  });
});
