// Four separate processes resolve the same version at once against one mirror and one cache dir:
// exactly one downloads (the mirror counts archive requests), the other three wait on the lock and
// take the cache hit. The archive response is held until the three report waiting, so the race is real.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pollUntil } from '../../../src/common/async.js';
import type { BinaryEvent, ResolvedBinaries } from '../../../src/binaries/index.js';
import { startMirror, type Mirror } from '../../helpers/download-mirror.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { buildMongoArchive, SIM_BUNDLE_DIR } from '../../helpers/mongodb-archive.js';

const WORKERS = 4;

let tmp: string;
let mirror: Mirror | undefined;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mt-bin-conc-'));
});

afterEach(async () => {
  await mirror?.close();
  try {
    await expectNoProcesses(tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  expectRemoved(tmp);
});

interface WorkerRun {
  readonly events: BinaryEvent[];
  result?: ResolvedBinaries;
  error?: { message: string; code?: string };
  exitCode: number | null;
  exited: boolean;
  stderr: string;
}

it(`${WORKERS} processes resolving the same version at once download it exactly once`, async () => {
  if (!existsSync(join(SIM_BUNDLE_DIR, 'mongod.mjs'))) {
    throw new Error(`Simulator bundle missing in ${SIM_BUNDLE_DIR}: run npm run build:fixtures`);
  }
  // The worker is TypeScript; bundle it (with its dependencies) into one file a plain `node` runs.
  const workerFile = join(tmp, 'resolve-worker.mjs');
  await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'resolve-worker.ts')],
    outfile: workerFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const archive = await buildMongoArchive(tmp, { version: '8.0.4' });
  mirror = await startMirror([{ version: '8.0.4', archives: [archive] }]);
  let releaseArchive!: () => void;
  const held = new Promise<void>((resolve) => (releaseArchive = resolve));
  mirror.fault(`/linux/${archive.name}`, { kind: 'hold', until: held });

  const cacheDir = join(tmp, 'cache');
  const options = JSON.stringify({
    version: '8.0',
    requireMongos: true,
    platform: { os: 'linux', arch: 'x64', distro: 'ubuntu2404' },
  });
  const runs: WorkerRun[] = [];
  const exits: Promise<void>[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const run: WorkerRun = { events: [], exitCode: null, exited: false, stderr: '' };
    runs.push(run);
    const child = spawn(process.execPath, [workerFile, options], {
      env: { ...process.env, MONGO_TOPOLOGY_CACHE_DIR: cacheDir, MONGO_TOPOLOGY_DOWNLOAD_MIRROR: mirror.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buffered.slice(0, nl)) as {
          event?: BinaryEvent;
          result?: ResolvedBinaries;
          error?: WorkerRun['error'];
        };
        buffered = buffered.slice(nl + 1);
        if (msg.event) run.events.push(msg.event);
        if (msg.result) run.result = msg.result;
        if (msg.error) run.error = msg.error;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
    exits.push(
      new Promise<void>((resolve) =>
        child.once('close', (code) => {
          run.exitCode = code;
          run.exited = true;
          resolve();
        }),
      ),
    );
  }

  try {
    await runWorkers(runs, releaseArchive);
  } finally {
    // Only on failure is anything still running: stop what this test started, then reap it.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(exits);
  }

  for (const r of runs) expect(r.error, r.stderr).toBeUndefined();
  expect(runs.map((r) => r.exitCode)).toEqual(Array(WORKERS).fill(0));
  expect(mirror.count('.tgz')).toBe(1);
  const downloaders = runs.filter((r) => r.events.some((e) => e.type === 'download-started'));
  expect(downloaders).toHaveLength(1);
  expect(downloaders[0]?.result?.source).toBe('download');
  const waiters = runs.filter((r) => r !== downloaders[0]);
  for (const w of waiters) {
    expect(w.result?.source).toBe('cache');
    expect(w.events.map((e) => e.type)).toEqual(expect.arrayContaining(['lock-waiting', 'cache-hit']));
  }
  const paths = new Set(
    runs.map((r) => `${r.result?.mongod.path}|${r.result?.mongos?.path}|${r.result?.mongod.version}`),
  );
  expect(paths.size).toBe(1);
  expect(await readdir(join(cacheDir, 'mongodb'))).toEqual(['8.0.4-community-ubuntu2404-x86_64']);
});

/** Holds the archive until all but one worker wait on the lock, releases it, then waits for every exit. */
async function runWorkers(runs: WorkerRun[], releaseArchive: () => void): Promise<void> {
  try {
    // Hold the one archive download until the other three are provably waiting on the lock.
    await pollUntil(() => runs.filter((r) => r.events.some((e) => e.type === 'lock-waiting')).length >= WORKERS - 1, {
      what: `${WORKERS - 1} workers waiting on the download lock`,
      timeoutMs: 60_000,
      intervalMs: 25,
    });
  } finally {
    releaseArchive();
  }
  await pollUntil(() => runs.every((r) => r.exited), { what: 'all workers to exit', timeoutMs: 60_000 });
}
