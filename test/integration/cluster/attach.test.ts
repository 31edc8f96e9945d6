// attach(): another process drives a cluster through its cluster.json and the supervisor's control
// API, the way a vitest/jest worker breaks a cluster booted in globalSetup. Here the owner is a
// separate process and this test process attaches: same handles and URI, a node killed from here
// comes back, stop() is refused while the owner lives. A cluster whose supervisor is a daemon
// outlives its owner (as the CLI's do) and can then be stopped through an attachment.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SupervisorError, TopologyConfigError, attach, cluster, type ClusterEvent } from '../../../src/index.js';
import { SIM_BIN_DIR, ScriptProcess, bundle, clusterTestDir, removeBundles } from '../../helpers/cluster.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { cliBundle, removeCliBundle, type TestDir } from '../../helpers/supervisor.js';
import { defaultLockDir } from '../../../src/topology/ports.js';

const OWNER = resolve(import.meta.dirname, 'owner-script.ts');

let dir: TestDir | undefined;
let owner: ScriptProcess | undefined;
afterEach(async () => {
  owner?.kill('SIGKILL');
  owner = undefined;
  await dir?.cleanup();
  dir = undefined;
});
afterAll(() => {
  removeBundles();
  removeCliBundle();
});

describe('attach', { timeout: 120_000 }, () => {
  it('a second process attaches, kills a node and sees it come back; stop is refused while the owner lives', async () => {
    dir = clusterTestDir();
    owner = new ScriptProcess(await bundle(OWNER), [
      JSON.stringify({ binDir: SIM_BIN_DIR, tmpDir: dir.path, shape: 'replicaSet3' }),
    ]);
    const started = await owner.waitFor((m) => m.type === 'started');
    const events: ClusterEvent[] = [];
    const a = await attach(started.clusterDir, { onEvent: (e) => events.push(e) });
    expect(a.uri).toBe(started.uri);
    expect(a.nodes.map((n) => n.name)).toEqual(['rs0-0', 'rs0-1', 'rs0-2']);
    expect(a.ownerPid).toBe(owner.child.pid);
    expect((await a.primary()).name).toBe('rs0-0');
    await a
      .client()
      .db('app')
      .collection('t')
      .insertOne({ from: 'attached' }, { writeConcern: { w: 'majority' } });

    const secondary = a.node('rs0-2');
    const ev = await secondary.expectAutoRestart();
    expect(ev.newPid).not.toBe(ev.oldPid);
    expect(ev.state).toBe('SECONDARY');
    expect(events.some((e) => e.type === 'nodeRestarted' && e.node === 'rs0-2' && e.pid === ev.newPid)).toBe(true);
    // The owner saw it too.
    await owner.waitFor((m) => m.type === 'nodeRestarted' && m.node === 'rs0-2' && m.pid === ev.newPid);
    expect(await a.client().db('app').collection('t').countDocuments({ from: 'attached' })).toBe(1);

    await expect(a.stop()).rejects.toThrow(TopologyConfigError);
    await a.detach();
    await a.detach();
    expect(() => a.client()).toThrow(/Detached/);

    owner.send({ type: 'stop' });
    await owner.waitFor((m) => m.type === 'stoppedByOwner');
    expectRemoved(started.clusterDir);
    await expect(attach(started.clusterDir)).rejects.toThrow(TopologyConfigError);
  });

  it('attaching to a cluster that is gone fails with SupervisorError', async () => {
    dir = clusterTestDir();
    owner = new ScriptProcess(await bundle(OWNER), [
      JSON.stringify({ binDir: SIM_BIN_DIR, tmpDir: dir.path, shape: 'standalone' }),
    ]);
    const started = await owner.waitFor((m) => m.type === 'started');
    // A copy of its state file outlives the cluster: the owner is killed, the reaper cleans up.
    const { readFileSync, writeFileSync } = await import('node:fs');
    const copy = resolve(dir.path, 'copy.json');
    writeFileSync(copy, readFileSync(started.stateFile));
    owner.kill('SIGKILL');
    await owner.exited();
    await expectNoProcesses(started.clusterDir, 15_000);
    const e = await attach(copy).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SupervisorError);
    expect((e as SupervisorError).code).toBe('MT_NOT_RUNNING');
  });

  it('a daemon-supervised cluster outlives its owner and is stopped through an attachment', async () => {
    dir = clusterTestDir();
    owner = new ScriptProcess(await bundle(OWNER), [
      JSON.stringify({
        binDir: SIM_BIN_DIR,
        tmpDir: dir.path,
        shape: 'replicaSet1',
        supervisor: { mode: 'daemon', cli: await cliBundle() },
        reaper: false,
        exitAfterReady: true,
      }),
    ]);
    const started = await owner.waitFor((m) => m.type === 'started');
    expect((await owner.exited()).code).toBe(0);
    owner = undefined;
    const a = await attach(started.stateFile);
    expect(a.layout.supervisor.mode).toBe('daemon');
    const ev = await a.node('rs0-0').expectAutoRestart();
    expect(ev).toMatchObject({ state: 'PRIMARY', primaryAfter: 'rs0-0' });
    const stopped = await a.stop();
    expect(stopped.kept).toBe(false);
    expect(existsSync(started.clusterDir)).toBe(false);
    await expectNoProcesses(dir.path);
  });

  it('a daemon-supervised cluster started and stopped by this process (the supervisor in its own process)', async () => {
    dir = clusterTestDir();
    const events: ClusterEvent[] = [];
    const c = await cluster()
      .replicaSet(1)
      .binDir(SIM_BIN_DIR)
      .start({
        tmpDir: dir.path,
        supervisor: { mode: 'daemon', cli: await cliBundle() },
        onEvent: (e) => events.push(e),
      });
    const daemon = events.find((e) => e.type === 'supervisorStarted');
    expect(daemon).toMatchObject({ mode: 'daemon' });
    expect((daemon as { pid: number }).pid).not.toBe(process.pid);
    await c.client().db('app').collection('t').insertOne({ a: 1 });
    const ev = await c.node('rs0-0').expectAutoRestart();
    expect(ev.state).toBe('PRIMARY');
    const clusterDir = c.clusterDir;
    await c.stop();
    expectRemoved(clusterDir);
    await expectNoProcesses(dir.path);
  });

  it('detach() lets go of a daemon-supervised cluster: it keeps running, its port locks are released, attach stops it', async () => {
    dir = clusterTestDir();
    const c = await cluster()
      .replicaSet(1)
      .binDir(SIM_BIN_DIR)
      .start({ tmpDir: dir.path, supervisor: { mode: 'daemon', cli: await cliBundle() } });
    const port = Number(c.node('rs0-0').address.split(':')[1]);
    const lock = join(defaultLockDir(), `${port}.lock`);
    expect(existsSync(lock)).toBe(true);
    await c.detach();
    try {
      expect(existsSync(lock)).toBe(false);
      await expect(c.stop()).rejects.toBeInstanceOf(TopologyConfigError);
      await expect(c.node('rs0-0').pid()).rejects.toBeInstanceOf(TopologyConfigError);
      await c[Symbol.asyncDispose](); // a no-op: the cluster outlives the scope on purpose
      const client = new MongoClient(c.uri, { serverSelectionTimeoutMS: 10_000 });
      try {
        await client
          .db('app')
          .collection('t')
          .insertOne({ a: 1 }, { writeConcern: { w: 'majority' } });
      } finally {
        await client.close();
      }
    } finally {
      await (await attach(c.stateFile)).stop();
    }
    expectRemoved(c.clusterDir);
    await expectNoProcesses(dir.path);
  });

  it('detach() is refused for an in-process supervisor (the cluster ends with this process)', async () => {
    dir = clusterTestDir();
    await using c = await cluster().binDir(SIM_BIN_DIR).start({ tmpDir: dir.path });
    await expect(c.detach()).rejects.toThrow(/supervised inside this process/);
    await c.client().db('app').collection('t').insertOne({ still: 'usable' });
  });
});
