// Parallel test workers in separate processes must never be handed the same port: 8 processes plan a
// 12-port sharded cluster each at the same time and hold the ports together.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { withTimeout } from '../../../src/common/async.js';

const WORKERS = 8;
const PORTS_PER_WORKER = 12;

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mt-ports-procs-'));
  bundle = join(dir, 'plan-worker.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'plan-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await expectNoProcesses(dir);
  rmSync(dir, { recursive: true, force: true });
  expectRemoved(dir);
});

interface Worker {
  readonly child: ChildProcess;
  readonly ports: Promise<number[]>;
  readonly exit: Promise<number | null>;
}

function startWorker(lockDir: string, range?: { min: number; max: number }): Worker {
  const args = [bundle, lockDir, join(dir, 'cluster'), ...(range ? [JSON.stringify(range)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = new Promise<number[]>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]) as number[]);
    });
    void exit.then((code) => reject(new Error(`worker exited with ${code} before reporting: ${err}`)));
  });
  return { child, ports, exit };
}

async function runWorkers(lockDir: string, range?: { min: number; max: number }): Promise<number[][]> {
  const workers = Array.from({ length: WORKERS }, () => startWorker(lockDir, range));
  try {
    // Every worker reports while all of them still hold their ports.
    const all = await withTimeout(Promise.all(workers.map((w) => w.ports)), 60_000, `${WORKERS} workers to plan`);
    return all;
  } finally {
    for (const w of workers) w.child.stdin!.end();
    const codes = await withTimeout(Promise.all(workers.map((w) => w.exit)), 30_000, 'workers to exit');
    expect(codes).toEqual(Array.from({ length: WORKERS }, () => 0));
  }
}

function expectDisjoint(all: number[][]): void {
  expect(all).toHaveLength(WORKERS);
  for (const ports of all) expect(new Set(ports).size).toBe(PORTS_PER_WORKER);
  const flat = all.flat();
  expect(new Set(flat).size).toBe(WORKERS * PORTS_PER_WORKER);
}

describe('port allocation across processes', () => {
  it('8 parallel plans in separate processes never share a port', async () => {
    const lockDir = join(dir, 'locks-default');
    const all = await runWorkers(lockDir);
    expectDisjoint(all);
    expect(readdirSync(lockDir)).toEqual([]);
  });

  it('still never share a port when they must contend for a narrow range', async () => {
    // 96 ports wanted from 200 candidates: collisions between workers are certain, so only the
    // cross-process locks keep the sets disjoint.
    const base = await osPort();
    const range = base + 200 <= 65535 ? { min: base, max: base + 199 } : { min: base - 200, max: base - 1 };
    const lockDir = join(dir, 'locks-narrow');
    const all = await runWorkers(lockDir, range);
    expectDisjoint(all);
    for (const p of all.flat()) {
      expect(p).toBeGreaterThanOrEqual(range.min);
      expect(p).toBeLessThanOrEqual(range.max);
    }
    expect(readdirSync(lockDir)).toEqual([]);
  });
});

function osPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
