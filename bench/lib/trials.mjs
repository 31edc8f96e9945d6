// Runs one trial (bench/trial.mjs) in a child process with a hard deadline, in a private directory
// that marks every process the trial's tool starts. Whatever happens (success, error, overrun, crash),
// every process the trial owned is killed and the directory removed before this resolves; what the
// bench itself had to clean up is reported, so a tool's leftovers are never hidden.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byMarker, killAll, stillAlive } from './procs.mjs';

const TRIAL = fileURLToPath(new URL('../trial.mjs', import.meta.url));

/**
 * Runs `spec` ({ tool, shape, delayMs, failover, failoverDeadlineMs, bound }) and resolves with the
 * trial's result object (with `error` set on any failure, never a rejection).
 */
export async function runTrial(spec, { timeoutMs = 240_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `mt-bench-${spec.tool}-`));
  let owned = [];
  let result;
  let stderr = '';
  const child = spawn(process.execPath, [TRIAL], {
    env: { ...process.env, BENCH_TRIAL: JSON.stringify({ ...spec, dir }), TMPDIR: dir },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
  });
  child.stderr.on('data', (c) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  child.on('message', (m) => {
    if (m?.type === 'owned') owned = [...owned, ...m.procs];
    if (m?.type === 'result') result = m.result;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let timer;
  const overrun = new Promise((resolve) => {
    timer = setTimeout(() => resolve('overrun'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([exited, overrun]);
    if (outcome === 'overrun') {
      killAll(stillAlive(owned, byMarker(dir)));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
      result = { ...spec, ...result, error: `trial overran its ${timeoutMs} ms deadline` };
    } else if (!result) {
      result = {
        ...spec,
        error: `trial exited (${outcome.code ?? outcome.signal}) without a result: ${stderr.trim()}`,
      };
    }
  } finally {
    clearTimeout(timer);
    // What the tool (or a crashed trial) left running: reported, then killed.
    const left = stillAlive(owned, byMarker(dir));
    if (left.length > 0) {
      killAll(left);
      result = { ...result, benchKilled: left.map((p) => p.argv) };
    }
    rmSync(dir, { recursive: true, force: true });
    // Unix sockets the run's servers left in /tmp (made during this run, for its ports): reported in
    // the result, then removed, so that no run leaves anything behind on the machine.
    for (const f of [...(result?.leftover?.sockets ?? []), result?.killedSocket].filter(Boolean)) {
      try {
        if (statSync(f).isSocket()) unlinkSync(f);
      } catch {
        // already gone
      }
    }
  }
  return result;
}
