import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../src/index.js';
import {
  chooseClusterDir,
  claimClusterDir,
  createClusterDir,
  releaseClusterDir,
  removeClusterDir,
} from '../../../src/cluster/cluster-dir.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('cluster directory', () => {
  it('names a fresh temp directory without creating it; it is ours to remove', () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-dir-'));
    const d = chooseClusterDir({ tmpDir: dir, name: 'orders' });
    expect(d.ownsDir).toBe(true);
    expect(d.path).toMatch(new RegExp(`^${dir}/mongo-topology-orders-[0-9a-f]{12}$`));
    expect(existsSync(d.path)).toBe(false);
    createClusterDir(d);
    writeFileSync(join(d.path, 'anything'), 'x');
    removeClusterDir(d);
    expect(existsSync(d.path)).toBe(false);
  });

  it('reuses an existing directory: clears our entries only, now and at removal', () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-dir-'));
    for (const e of ['conf', 'data', 'logs']) mkdirSync(join(dir, e));
    for (const f of ['cluster.json', 'supervisor.ini', 'supervisor.log.1', 'keyfile', 'notes.txt'])
      writeFileSync(join(dir, f), '{}');
    const d = chooseClusterDir({ explicit: dir, name: 'x' });
    expect(d).toEqual({ path: dir, ownsDir: false });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    mkdirSync(join(dir, 'data'));
    removeClusterDir(d);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses a directory a live cluster uses (another process, or this one)', () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-dir-'));
    writeFileSync(
      join(dir, 'cluster.json'),
      JSON.stringify({ state: 'running', owner: { pid: process.ppid }, supervisor: { pid: process.ppid } }),
    );
    expect(() => chooseClusterDir({ explicit: dir, name: 'x' })).toThrow(TopologyConfigError);
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ state: 'stopped', owner: { pid: process.ppid } }));
    const d = chooseClusterDir({ explicit: dir, name: 'x' });
    claimClusterDir(d);
    try {
      expect(() => chooseClusterDir({ explicit: dir, name: 'x' })).toThrow(/started by this process/);
    } finally {
      releaseClusterDir(d);
    }
    expect(chooseClusterDir({ explicit: dir, name: 'x' }).path).toBe(dir);
  });
});
