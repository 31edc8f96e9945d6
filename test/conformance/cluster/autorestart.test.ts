// What the program settings mongo-topology writes (autorestart=unexpected, default exitcodes=0,
// startsecs from the spec) make the real supervisord 4.2.5 do with a mongod, the behaviour
// `node.kill()` and `expectAutoRestart()` document and our supervisor reproduces: a SIGKILLed mongod
// is started again under a new pid; a SIGTERMed mongod shuts down cleanly, exits 0 and stays EXITED.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../src/common/async.js';
import { renderCluster } from '../../../src/config/render.js';
import { writeClusterFiles } from '../../../src/config/write.js';
import { cluster, plan, type ClusterPlan } from '../../../src/index.js';
import { PortAllocator } from '../../../src/topology/ports.js';
import { SIM_BIN_DIR } from '../../helpers/cluster.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';

const SUPERVISORD = '/usr/bin/supervisord';
const SUPERVISORCTL = '/usr/bin/supervisorctl';
const installed = existsSync(SUPERVISORD) && existsSync(SUPERVISORCTL);
if (!installed) console.log(`skipping: ${SUPERVISORD} is not installed (Debian package "supervisor"; CI installs it)`);

const run = promisify(execFile);
let dir: string | undefined;
let daemon: ChildProcess | undefined;
const ports = new PortAllocator();

afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
  daemon = undefined;
  await ports.releaseAll();
  if (dir) {
    await expectNoProcesses(dir);
    rmSync(dir, { recursive: true, force: true });
    expectRemoved(dir);
  }
  dir = undefined;
});

async function ctl(p: ClusterPlan, ...args: string[]): Promise<string> {
  try {
    return (await run(SUPERVISORCTL, ['-c', p.supervisor.configFile, ...args], { timeout: 20_000 })).stdout;
  } catch (e) {
    const out = (e as { stdout?: string }).stdout;
    if (typeof out === 'string' && out !== '') return out;
    throw e;
  }
}

/** `standalone RUNNING pid 123, uptime 0:00:02` → { state, pid }. */
async function status(p: ClusterPlan): Promise<{ state: string; pid: number; line: string }> {
  const line = (await ctl(p, 'status', 'standalone')).trim();
  const [, state] = line.split(/\s+/);
  const pid = Number(/pid (\d+)/.exec(line)?.[1] ?? 0);
  return { state, pid, line };
}

describe.runIf(installed)('autorestart settings under the real supervisord 4.2.5', { timeout: 90_000 }, () => {
  it('restarts a SIGKILLed mongod under a new pid and leaves a SIGTERMed one EXITED (status 0)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-autorestart-'));
    const p = await plan(cluster(), { clusterDir: join(dir, 'cluster'), ports, serverVersion: '8.0.4' });
    await writeClusterFiles(
      renderCluster(p, { serverVersion: '8.0.4', binaries: { mongod: join(SIM_BIN_DIR, 'mongod') } }),
    );
    const child = spawn(SUPERVISORD, ['-n', '-c', p.supervisor.configFile], { stdio: 'ignore' });
    daemon = child;
    await pollUntil(async () => (await ctl(p, 'pid').catch(() => '')).trim() === String(child.pid), {
      what: 'supervisord to answer',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await ctl(p, 'start', 'standalone');
    const first = await pollUntil(async () => ((await status(p)).state === 'RUNNING' ? status(p) : false), {
      what: 'standalone RUNNING',
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    process.kill(first.pid, 'SIGKILL');
    const second = await pollUntil(
      async () => {
        const s = await status(p);
        return s.state === 'RUNNING' && s.pid !== first.pid ? s : false;
      },
      { what: 'standalone RUNNING again under a new pid', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(second.pid).not.toBe(first.pid);

    process.kill(second.pid, 'SIGTERM');
    const exited = await pollUntil(async () => ((await status(p)).state === 'EXITED' ? status(p) : false), {
      what: 'standalone EXITED',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // supervisord decides on the restart as it reaps the child: still EXITED means it will not restart it.
    expect(exited.line).toMatch(/EXITED/);
    expect((await status(p)).state).toBe('EXITED');

    const stopped = new Promise<void>((r) => child.once('exit', () => r()));
    await ctl(p, 'shutdown');
    await stopped;
  });
});
