// Our supervisor daemon vs the real supervisord 4.2.5 on the same INI (used by bench/run.mjs and by
// bench/supervisor.mjs):
//  1. Respawn latency: SIGKILL a child, time until the new child is running (the child, a shell
//     that execs sleep, writes its pid into a FIFO the moment it starts).
//  2. Memory: RSS of the supervisor process itself while it runs N programs.
// Needs `npm run build` first (it runs dist/), and /usr/bin/supervisord for the comparison.

import { Buffer } from 'node:buffer';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { byMarker, killAll } from './procs.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(CLI)) {
  throw new Error('bench: run `npm run build` first (needs dist/).');
}
const { renderIni } = await import(join(root, 'dist', 'supervisor', 'config', 'render.js'));
const { renderCall, parseResponse } = await import(join(root, 'dist', 'supervisor', 'control', 'xmlrpc-codec.js'));

const AUTH = { username: 'bench', password: 'bench' };
/** Whether the real supervisord is installed where Debian/Ubuntu put it. */
export const hasSupervisord = () => existsSync('/usr/bin/supervisord');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function rpc(port, method, ...params) {
  const body = Buffer.from(renderCall(method, params));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/RPC2',
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'text/xml',
          'Content-Length': body.length,
          Authorization: `Basic ${Buffer.from('bench:bench').toString('base64')}`,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const r = parseResponse(Buffer.concat(chunks).toString());
          if (r.fault) reject(new Error(r.faultString));
          else resolve(r.value);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function until(what, fn, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

/** Writes an INI for `programs` into a fresh dir and starts the given supervisor on it. */
async function launch(kind, programs) {
  const dir = mkdtempSync(join(tmpdir(), `mt-bench-${kind}-`));
  const port = await freePort();
  const ini = join(dir, 'supervisor.ini');
  writeFileSync(
    ini,
    renderIni({
      supervisord: {
        nodaemon: true,
        logfile: join(dir, 'supervisor.log'),
        pidfile: join(dir, 'supervisor.pid'),
        childlogdir: dir,
        identifier: 'bench',
        silent: true,
      },
      inetHttpServer: { host: '127.0.0.1', port, ...AUTH },
      supervisorctl: { serverurl: `http://127.0.0.1:${port}`, ...AUTH },
      programs: programs(dir),
    }),
  );
  const child =
    kind === 'supervisord'
      ? spawn('/usr/bin/supervisord', ['-n', '-c', ini], { stdio: 'ignore' })
      : spawn(process.execPath, [CLI, 'supervisord', '-n', '-c', ini], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  // `fast`: SIGKILL the supervisor and then its programs (found by their working directory) instead of
  // its own orderly stop, which supervisord does one program per main-loop tick (about 11 s for 50).
  const stop = async ({ fast = false } = {}) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(fast ? 'SIGKILL' : 'SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(t);
    }
    // Programs run in `dir`: anything a killed supervisor left behind is found by it and killed.
    await until('the programs to be gone', async () => {
      const left = byMarker(dir);
      killAll(left);
      return left.length === 0;
    });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(`${kind} to answer`, async () => (await rpc(port, 'supervisor.getState')).statename === 'RUNNING');
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, port, pid: child.pid, stop };
}

/** Resolves with `promise`, or rejects naming `what` after `ms`. */
async function within(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `kills` SIGKILL-to-running samples (ms) of one program under `kind` ('ours' | 'supervisord'). */
export async function respawnLatency(kind, kills) {
  const fifoDir = mkdtempSync(join(tmpdir(), 'mt-bench-fifo-'));
  const fifo = join(fifoDir, 'started');
  execFileSync('mkfifo', [fifo]);
  // O_RDWR keeps the FIFO open for writers and never reads EOF.
  const pipe = new Socket({ fd: openSync(fifo, 'r+'), readable: true, writable: false });
  let buffered = '';
  const waiters = [];
  pipe.on('data', (c) => {
    const at = performance.now();
    buffered += c.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const pid = Number(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      for (const w of waiters.splice(0)) w({ pid, at });
    }
  });
  const nextStart = () => new Promise((r) => waiters.push(r));
  const firstStart = nextStart();
  const samples = [];
  let sup;
  try {
    sup = await launch(kind, (dir) => [
      {
        name: 'victim',
        command: ['/bin/sh', '-c', `echo $$ > ${fifo}; exec /bin/sleep 100000`],
        directory: dir,
        startsecs: 0,
        startretries: 100,
        stdoutLogfile: join(dir, 'victim.log'),
        redirectStderr: true,
      },
    ]);
    let { pid } = await within(firstStart, 30_000, `${kind} to start the victim`);
    for (let i = 0; i < kills; i++) {
      await until('victim RUNNING', async () => {
        const info = await rpc(sup.port, 'supervisor.getProcessInfo', 'victim');
        return info.statename === 'RUNNING' && info.pid === pid;
      });
      const started = nextStart();
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      const next = await within(started, 30_000, `${kind} to respawn the victim`);
      samples.push(next.at - t0);
      pid = next.pid;
    }
  } finally {
    await sup?.stop();
    pipe.destroy();
    rmSync(fifoDir, { recursive: true, force: true });
  }
  return samples;
}

/**
 * Starts the supervisor of `kind` with `programs` programs; resolves with `{ startMs, rssKib }`: from
 * spawning the supervisor until every program is RUNNING (startsecs 1), and the supervisor process's
 * RSS (KiB) half a second later.
 */
export async function memory(kind, programs) {
  const t0 = performance.now();
  const sup = await launch(kind, (dir) =>
    Array.from({ length: programs }, (_, i) => ({
      name: `p${String(i).padStart(2, '0')}`,
      command: ['/bin/sleep', '100000'],
      directory: dir,
      startsecs: 1,
      stdoutLogfile: join(dir, `p${i}.log`),
      redirectStderr: true,
    })),
  );
  try {
    await until(`${programs} programs RUNNING`, async () =>
      (await rpc(sup.port, 'supervisor.getAllProcessInfo')).every((p) => p.statename === 'RUNNING'),
    );
    const startMs = performance.now() - t0;
    await sleep(500);
    return { startMs, rssKib: rssKb(sup.pid) };
  } finally {
    await sup.stop({ fast: true });
  }
}
