// The supervisor.ini we render must load unchanged in the real supervisord 4.2.5 (the conformance
// oracle): supervisord starts from it, the real supervisorctl reaches its control endpoint with the
// generated secret, sees every program in its group, starts the simulated servers with the configs
// we wrote until every one is RUNNING, and shuts everything down, leaving nothing behind.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pollUntil, withTimeout } from '../../../src/common/async.js';
import { renderCluster } from '../../../src/config/render.js';
import { writeClusterFiles } from '../../../src/config/write.js';
import { cluster, plan, type ClusterPlan } from '../../../src/index.js';
import { PortAllocator } from '../../../src/topology/ports.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';

const SUPERVISORD = '/usr/bin/supervisord';
const SUPERVISORCTL = '/usr/bin/supervisorctl';
const installed = existsSync(SUPERVISORD) && existsSync(SUPERVISORCTL);
if (!installed) console.log(`skipping supervisord conformance: ${SUPERVISORD} is not installed (CI installs it)`);

const run = promisify(execFile);

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** The simulated mongod, run by path exactly like a real binary. */
const SIM_MONGOD = join(ROOT, 'fixtures', 'bin', 'mongod');

beforeAll(async () => {
  // `npm test` builds the simulator first; a single-file run builds it here.
  if (!existsSync(join(ROOT, 'fixtures', 'dist', 'mongod.mjs'))) {
    await run(process.execPath, [join(ROOT, 'scripts', 'build-fixtures.mjs')], { timeout: 120_000 });
  }
}, 180_000);

let dir: string;
let ports: PortAllocator;
let daemon: ChildProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-supervisord-'));
  ports = new PortAllocator();
});

afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
  daemon = undefined;
  await ports.releaseAll();
  await expectNoProcesses(dir);
  rmSync(dir, { recursive: true, force: true });
  expectRemoved(dir);
});

async function supervisorctl(p: ClusterPlan, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(SUPERVISORCTL, ['-c', p.supervisor.configFile, ...args], { timeout: 20_000 });
    return stdout;
  } catch (e) {
    // `status` exits non-zero when a program is not RUNNING; its output is still the answer.
    const out = (e as { stdout?: string }).stdout;
    if (typeof out === 'string' && out !== '') return out;
    throw e;
  }
}

/** Parses `supervisorctl status` lines into namespec → state. */
function states(status: string): Record<string, string> {
  return Object.fromEntries(
    status
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [name, state] = l.trim().split(/\s+/);
        return [name, state];
      }),
  );
}

async function startSupervisord(p: ClusterPlan): Promise<ChildProcess> {
  const child = spawn(SUPERVISORD, ['-n', '-c', p.supervisor.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  daemon = child;
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`supervisord exited with ${child.exitCode}: ${output}`);
      return (await supervisorctl(p, 'pid').catch(() => '')).trim() === String(child.pid);
    },
    { what: 'supervisord to answer supervisorctl', timeoutMs: 30_000, intervalMs: 100 },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\nsupervisord output:\n${output}`);
  });
  return child;
}

async function shutdown(p: ClusterPlan, child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  await supervisorctl(p, 'shutdown');
  await withTimeout(exited, 30_000, 'supervisord to exit after supervisorctl shutdown');
}

describe.runIf(installed)('rendered supervisor.ini under the real supervisord 4.2.5', () => {
  it('loads a 3-member set: every program present in its group, STOPPED until started', async () => {
    const p = await plan(cluster().replicaSet([{ priority: 2 }, { hidden: true }, { arbiterOnly: true }]), {
      clusterDir: join(dir, 'cluster'),
      ports,
      serverVersion: '8.0.4',
    });
    await writeClusterFiles(
      renderCluster(p, { serverVersion: '8.0.4', binaries: { mongod: join(dir, 'bin', 'mongod') } }),
    );
    const child = await startSupervisord(p);
    expect(states(await supervisorctl(p, 'status'))).toEqual({
      'rs0:rs0-0': 'STOPPED',
      'rs0:rs0-1': 'STOPPED',
      'rs0:rs0-2': 'STOPPED',
    });
    expect((await supervisorctl(p, 'avail')).split('\n').filter((l) => l.startsWith('rs0:')).length).toBe(3);
    await shutdown(p, child);
  });

  it('runs a 3-member set (arbiter, hidden member) with the simulated mongod until every program is RUNNING', async () => {
    const p = await plan(cluster().replicaSet([{ priority: 2 }, { hidden: true }, { arbiterOnly: true }]), {
      clusterDir: join(dir, 'cluster'),
      ports,
      serverVersion: '8.0.4',
    });
    await writeClusterFiles(renderCluster(p, { serverVersion: '8.0.4', binaries: { mongod: SIM_MONGOD } }));
    const child = await startSupervisord(p);
    try {
      await supervisorctl(p, 'start', 'all');
      const running = await pollUntil(
        async () => {
          const s = states(await supervisorctl(p, 'status'));
          return Object.values(s).length === 3 && Object.values(s).every((x) => x === 'RUNNING') ? s : false;
        },
        { what: 'every program RUNNING in supervisorctl status', timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(running).toEqual({ 'rs0:rs0-0': 'RUNNING', 'rs0:rs0-1': 'RUNNING', 'rs0:rs0-2': 'RUNNING' });
      // Each server read the config we wrote: it logged "Waiting for connections" (the x_ready id) on its planned port.
      for (const node of p.nodes) {
        const line = await pollUntil(
          () =>
            readFileSync(node.logFile, 'utf8')
              .split('\n')
              .find((l) => l.includes('"id":23016')),
          { what: `log id 23016 in ${node.logFile}`, timeoutMs: 30_000, intervalMs: 100 },
        );
        expect(JSON.parse(line).attr.port).toBe(node.port);
      }
    } finally {
      await shutdown(p, child);
    }
  });

  it('loads a sharded cluster with auth: groups for config servers, each shard and the routers', async () => {
    const p = await plan(cluster().shards(2).configServers(2).mongos(2).auth(), {
      clusterDir: join(dir, 'cluster'),
      ports,
      serverVersion: '8.0.4',
    });
    await writeClusterFiles(
      renderCluster(p, {
        serverVersion: '8.0.4',
        binaries: { mongod: join(dir, 'bin', 'mongod'), mongos: join(dir, 'bin', 'mongos') },
      }),
    );
    const child = await startSupervisord(p);
    expect(Object.keys(states(await supervisorctl(p, 'status'))).sort()).toEqual([
      'config:config-0',
      'config:config-1',
      'mongos:mongos-0',
      'mongos:mongos-1',
      'shard0:shard0-0',
      'shard1:shard1-0',
    ]);
    await shutdown(p, child);
  });
});
