// Boots that fail, and boots that recover from a taken port: each failure is a typed error with its
// evidence (node, command line, last log lines, log path, limit), and nothing is left behind: no
// process, no cluster directory, no port reservation.

import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BinaryResolutionError,
  ProcessStartError,
  StartupTimeoutError,
  TopologyConfigError,
  cluster,
  type ClusterEvent,
} from '../../../src/index.js';
import { PortAllocator, type PortSource } from '../../../src/topology/ports.js';
import { SIM_BIN_DIR, clusterTestDir } from '../../helpers/cluster.js';
import { expectNoProcesses } from '../../helpers/leaks.js';
import type { TestDir } from '../../helpers/supervisor.js';

let dir: TestDir | undefined;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  await dir?.cleanup();
  dir = undefined;
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      servers.push(s);
      resolve(s);
    });
  });
}

/** Nothing of a failed boot remains: no process, no file under the test dir. */
async function expectNothingLeft(d: TestDir): Promise<void> {
  await expectNoProcesses(d.path);
  expect(readdirSync(d.path)).toEqual([]);
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof Error)) throw new Error('expected the boot to fail');
  return e;
}

describe('failed boots', { timeout: 120_000 }, () => {
  it('a bad spec or bad options: TopologyConfigError before anything starts', async () => {
    dir = clusterTestDir();
    const e1 = await failure(cluster().mongos(1).binDir(SIM_BIN_DIR).start({ tmpDir: dir.path }));
    expect(e1).toBeInstanceOf(TopologyConfigError);
    expect((e1 as TopologyConfigError).problems.length).toBeGreaterThan(0);
    const e2 = await failure(cluster().binDir(SIM_BIN_DIR).start({ tmpDir: dir.path, startupTimeoutMs: -1 }));
    expect(e2).toBeInstanceOf(TopologyConfigError);
    expect(e2.message).toMatch(/startupTimeoutMs/);
    await expectNothingLeft(dir);
  });

  it('a binary missing: BinaryResolutionError listing where it looked', async () => {
    dir = clusterTestDir();
    const empty = mkdtempSync(join(dir.path, 'bin-'));
    const e = await failure(
      cluster()
        .binDir(empty)
        .start({ tmpDir: dir.path, binaries: { download: false } }),
    );
    expect(e).toBeInstanceOf(BinaryResolutionError);
    expect((e as BinaryResolutionError).attempts.some((a) => a.location.includes(empty))).toBe(true);
    await expectNoProcesses(dir.path);
    expect(readdirSync(dir.path)).toEqual([empty.split('/').pop()]);
  });

  it('a server that crashes at start: ProcessStartError with the command line, log tail and log path', async () => {
    dir = clusterTestDir();
    const e = await failure(
      cluster()
        .replicaSet(1)
        .binDir(SIM_BIN_DIR)
        .start({ tmpDir: dir.path, env: { MONGOSIM_CRASH_AT_STARTUP: '1' } }),
    );
    expect(e).toBeInstanceOf(ProcessStartError);
    const pe = e as ProcessStartError;
    expect(pe).toMatchObject({ code: 'MT_START_EXITED', node: 'rs0-0', exitCode: 14 });
    expect(pe.command?.[0]).toBe(join(SIM_BIN_DIR, 'mongod'));
    expect(pe.command?.slice(1, 2)).toEqual(['--config']);
    expect(pe.logFile).toMatch(/logs\/rs0-0\.log$/);
    expect(pe.logTail?.join('\n')).toMatch(/aborting after fassert/);
    expect(pe.message).toMatch(/fatal assertion/);
    expect(pe.message).toContain(`Log file: ${pe.logFile}`);
    await expectNothingLeft(dir);
  });

  it('a server that never gets ready: StartupTimeoutError at the deadline, naming what it waited for', async () => {
    dir = clusterTestDir();
    const t0 = Date.now();
    const e = await failure(
      cluster()
        .binDir(SIM_BIN_DIR)
        .timeouts({ stopMs: 5_000 })
        .start({ tmpDir: dir.path, startupTimeoutMs: 3_000, env: { MONGOSIM_START_DELAY_MS: '600000' } }),
    );
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(e).toBeInstanceOf(StartupTimeoutError);
    const te = e as StartupTimeoutError;
    expect(te).toMatchObject({ node: 'standalone', timeoutMs: 3_000 });
    expect(te.waitingFor).toMatch(/23016/);
    expect(te.shortMessage).toMatch(
      /^Node standalone \(127\.0\.0\.1:\d+\) not ready after 3000ms: waiting for log id 23016/,
    );
    expect(te.command?.[0]).toBe(join(SIM_BIN_DIR, 'mongod'));
    expect(te.logFile).toMatch(/logs\/standalone\.log$/);
    await expectNothingLeft(dir);
  });

  it('an aborted boot rejects with the reason and leaves nothing', async () => {
    dir = clusterTestDir();
    const ac = new AbortController();
    const reason = new Error('test gave up');
    const e = await failure(
      cluster()
        .replicaSet(1)
        .binDir(SIM_BIN_DIR)
        .start({
          tmpDir: dir.path,
          signal: ac.signal,
          env: { MONGOSIM_START_DELAY_MS: '2000' },
          onEvent: (ev) => {
            if (ev.type === 'nodeStarting') ac.abort(reason);
          },
        }),
    );
    expect(e).toBe(reason);
    await expectNothingLeft(dir);
  });
});

describe('taken ports', { timeout: 120_000 }, () => {
  it('a port taken between planning and start is replaced before the node starts', async () => {
    dir = clusterTestDir();
    const squatter = await listen(0);
    const taken = (squatter.address() as { port: number }).port;
    const inner = new PortAllocator();
    let first = true;
    const ports: PortSource = {
      allocate: async () => {
        if (first) {
          first = false;
          return taken;
        }
        return inner.allocate();
      },
      reserve: (p) => inner.reserve(p),
      release: (p) => (p === taken ? Promise.resolve() : inner.release(p)),
    };
    const events: ClusterEvent[] = [];
    await using c = await cluster()
      .binDir(SIM_BIN_DIR)
      .start({ tmpDir: dir.path, ports, onEvent: (e) => events.push(e) });
    expect(events.find((e) => e.type === 'portReassigned')).toMatchObject({
      node: 'standalone',
      fromPort: taken,
      reason: 'taken-before-start',
    });
    expect(c.node('standalone').port).not.toBe(taken);
    await c.client().db('a').collection('b').insertOne({});
  });

  it('a port taken as the node starts (exit 48) is detected and the node retried on a new port', async () => {
    dir = clusterTestDir();
    const events: ClusterEvent[] = [];
    const grabs: Promise<Server>[] = [];
    await using c = await cluster()
      .replicaSet(2)
      .binDir(SIM_BIN_DIR)
      .start({
        tmpDir: dir.path,
        // The server binds 500 ms after it starts: the squatter is listening by then.
        env: { MONGOSIM_START_DELAY_MS: '500' },
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'nodeStarting' && e.node === 'rs0-1' && e.attempt === 1)
            grabs.push(listen(Number(e.address.split(':')[1])));
        },
      });
    await Promise.all(grabs);
    const moved = events.find((e) => e.type === 'portReassigned');
    expect(moved).toMatchObject({ node: 'rs0-1', reason: 'address-in-use' });
    expect(
      events
        .filter((e) => e.type === 'nodeStarting' && e.node === 'rs0-1')
        .map((e) => (e as { attempt: number }).attempt),
    ).toEqual([1, 2]);
    expect(c.node('rs0-1').port).toBe((moved as { toPort: number }).toPort);
    expect(await c.replicaSet().states()).toEqual({ 'rs0-0': 'PRIMARY', 'rs0-1': 'SECONDARY' });
  });

  it('a port that stays taken: ProcessStartError MT_PORT_IN_USE after the retries, nothing left', async () => {
    dir = clusterTestDir();
    const events: ClusterEvent[] = [];
    const e = await failure(
      cluster()
        .binDir(SIM_BIN_DIR)
        .start({ tmpDir: dir.path, env: { MONGOSIM_REFUSE_BIND: '1' }, onEvent: (ev) => events.push(ev) }),
    );
    expect(e).toBeInstanceOf(ProcessStartError);
    expect(e).toMatchObject({ code: 'MT_PORT_IN_USE', node: 'standalone', exitCode: 48 });
    expect((e as ProcessStartError).logTail?.join('\n')).toMatch(/Address already in use/);
    expect(events.filter((x) => x.type === 'portReassigned')).toHaveLength(2);
    await expectNothingLeft(dir);
  });
});
