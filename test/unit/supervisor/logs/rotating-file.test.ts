import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLogFile } from '../../../../src/supervisor/logs/rotating-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-sup-rot-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const line = (i: number) => Buffer.from(`line ${String(i).padStart(3, '0')} ${'x'.repeat(39)}\n`); // 49 bytes

describe('RotatingLogFile (supervisord RotatingFileHandler)', () => {
  it('rotates after the write that reaches maxBytes, so files exceed it by up to one chunk', () => {
    const f = new RotatingLogFile(join(dir, 'w.log'), 1024, 2);
    for (let i = 0; i < 63; i++) f.write(line(i));
    f.close();
    // 21 lines of 49 bytes = 1029 bytes >= 1024 triggers rollover, exactly as observed on supervisord 4.2.5.
    expect(statSync(join(dir, 'w.log.1')).size).toBe(1029);
    expect(statSync(join(dir, 'w.log.2')).size).toBe(1029);
    expect(statSync(join(dir, 'w.log')).size).toBe(0);
    expect(existsSync(join(dir, 'w.log.3'))).toBe(false);
    // .1 is the newest backup
    expect(readFileSync(join(dir, 'w.log.1'), 'utf8')).toContain('line 062');
    expect(readFileSync(join(dir, 'w.log.2'), 'utf8')).toContain('line 041');
  });

  it('truncates without keeping a backup when backups is 0', () => {
    const f = new RotatingLogFile(join(dir, 'w.log'), 100, 0);
    f.write(Buffer.alloc(150, 97));
    f.write(Buffer.from('after\n'));
    f.close();
    expect(readFileSync(join(dir, 'w.log'), 'utf8')).toBe('after\n');
    expect(existsSync(join(dir, 'w.log.1'))).toBe(false);
  });

  it('never rotates with maxBytes 0 and appends to an existing file', () => {
    writeFileSync(join(dir, 'w.log'), 'old\n');
    const f = new RotatingLogFile(join(dir, 'w.log'), 0, 5);
    f.open();
    expect(f.size).toBe(4);
    f.write(Buffer.alloc(5000, 97));
    f.close();
    expect(statSync(join(dir, 'w.log')).size).toBe(5004);
  });

  it('clear() deletes the current file and starts an empty one, keeping backups', () => {
    const f = new RotatingLogFile(join(dir, 'w.log'), 10, 1);
    f.write(Buffer.from('0123456789ab'));
    f.write(Buffer.from('cur'));
    f.clear();
    f.write(Buffer.from('new'));
    f.close();
    expect(readFileSync(join(dir, 'w.log'), 'utf8')).toBe('new');
    expect(readFileSync(join(dir, 'w.log.1'), 'utf8')).toBe('0123456789ab');
  });
});
