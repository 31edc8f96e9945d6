// A 3-member replica set with a hidden member and an arbiter, booted once for the file: boot order and
// events, the URI, member states, cluster.json, writes through the URI, fault hooks (SIGTERM vs
// SIGKILL vs stop, expectAutoRestart on the secondary and on the primary with every acknowledged
// majority write still there), then stop with nothing left behind.

import { statSync, readFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoRestartError, cluster, type ClusterEvent, type StartedCluster } from '../../../src/index.js';
import { SIM_BIN_DIR, clusterTestDir } from '../../helpers/cluster.js';
import type { TestDir } from '../../helpers/supervisor.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';

describe('replica set with a hidden member and an arbiter', { timeout: 120_000 }, () => {
  let dir: TestDir;
  let c: StartedCluster;
  const events: ClusterEvent[] = [];
  let client: MongoClient;
  const acknowledged: number[] = [];

  /** Majority-acknowledged writes, remembered so every test can prove none was lost. */
  async function writeSome(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const id = acknowledged.length;
      await client
        .db('app')
        .collection('acked')
        .insertOne({ _id: id as any }, { writeConcern: { w: 'majority' } });
      acknowledged.push(id);
    }
  }

  async function expectAllWritesPresent(): Promise<void> {
    const docs = await client
      .db('app')
      .collection('acked')
      .find({}, { readConcern: { level: 'majority' } })
      .toArray();
    const ids = new Set(docs.map((d) => d._id as unknown as number));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
  }

  beforeAll(async () => {
    dir = clusterTestDir();
    c = await cluster()
      .replicaSet([{}, { hidden: true }, { arbiterOnly: true }])
      .binDir(SIM_BIN_DIR)
      .start({ tmpDir: dir.path, onEvent: (e) => events.push(e) });
    client = new MongoClient(c.uri);
  });

  afterAll(async () => {
    await client?.close();
    const clusterDir = c?.clusterDir;
    const stopped = await c?.stop();
    expect(stopped?.kept).toBe(false);
    if (clusterDir) expectRemoved(clusterDir);
    await expectNoProcesses(dir.path);
    await dir.cleanup();
  });

  it('boots in order: members, initiate, the planned primary, every member healthy, then ready', () => {
    const types = events.map((e) => e.type);
    const idx = (t: string, node?: string) =>
      events.findIndex((e) => e.type === t && (node === undefined || ('node' in e && e.node === node)));
    expect(types.filter((t) => t === 'nodeReady')).toHaveLength(3);
    // Initiation overlaps the members' hello round trips; the primary is only announced after both.
    for (const n of ['rs0-0', 'rs0-1', 'rs0-2']) {
      expect(idx('nodeStarting', n)).toBeLessThan(idx('replicaSetInitiated'));
      expect(idx('nodeReady', n)).toBeLessThan(idx('primaryElected'));
    }
    expect(idx('replicaSetInitiated')).toBeLessThan(idx('primaryElected'));
    expect(events[idx('primaryElected')]).toMatchObject({ replicaSet: 'rs0', node: 'rs0-0' });
    expect(idx('primaryElected')).toBeLessThan(idx('replicaSetReady'));
    expect(types.at(-1)).toBe('clusterReady');
  });

  it('hands out a replicaSet URI without the hidden member, and per-node URIs', () => {
    const [p, hidden, arbiter] = c.nodes;
    expect(c.uri).toBe(`mongodb://${p.address},${arbiter.address}/?replicaSet=rs0`);
    expect(c.uri).not.toContain(hidden.address);
    expect(hidden.uri).toBe(`mongodb://${hidden.address}/?directConnection=true`);
    expect(hidden.hidden).toBe(true);
    expect(arbiter.arbiter).toBe(true);
  });

  it('has one writable primary and every member PRIMARY, SECONDARY or ARBITER', async () => {
    expect((await c.primary()).name).toBe('rs0-0');
    expect(await c.replicaSet().states()).toEqual({ 'rs0-0': 'PRIMARY', 'rs0-1': 'SECONDARY', 'rs0-2': 'ARBITER' });
    expect((await c.secondaries()).map((n) => n.name)).toEqual(['rs0-1']);
  });

  it('writes and reads through the URI and the cached client', async () => {
    await writeSome(3);
    await c.client().db('app').collection('x').insertOne({ hello: 'world' });
    expect(
      await client
        .db('app')
        .collection('x')
        .findOne({}, { projection: { _id: 0 } }),
    ).toEqual({ hello: 'world' });
  });

  it('writes cluster.json readable by the owner only, with every node and pid', async () => {
    const st = statSync(c.stateFile);
    expect(st.mode & 0o777).toBe(0o600);
    const state = JSON.parse(readFileSync(c.stateFile, 'utf8'));
    expect(state).toMatchObject({ format: 1, name: 'cluster', state: 'running', uri: c.uri });
    expect(state.supervisor.url).toBe(c.controlUrl);
    for (const n of c.nodes) {
      const s = state.nodes.find((x: { name: string }) => x.name === n.name);
      expect(s).toMatchObject({ address: n.address, logFile: n.logFile });
      expect(s.pid).toBe(await n.pid());
    }
  });

  it('SIGTERM shuts a member down cleanly and the supervisor leaves it down; start() brings it back', async () => {
    const hidden = c.node('rs0-1');
    const before = await hidden.info();
    await hidden.kill('SIGTERM');
    const after = await c.supervisor.waitFor(before.name, {
      state: ['EXITED', 'STOPPED', 'BACKOFF', 'STARTING'],
      timeoutMs: 30_000,
    });
    // The respawn decision is taken in the same step as the exit: not restarted means EXITED now.
    expect(after.state).toBe('EXITED');
    expect(after.exitStatus).toBe(0);
    expect(after.restartCount).toBe(before.restartCount);
    expect(await hidden.start()).toBe('SECONDARY');
    expect(await hidden.pid()).not.toBe(before.pid);
  });

  it('expectAutoRestart with SIGTERM fails with evidence: a clean exit is not restarted', async () => {
    const hidden = c.node('rs0-1');
    // Past startsecs: an exit before it counts as a failed start, which is retried whatever its status.
    await c.supervisor.waitFor(hidden.layout.namespec, { state: 'RUNNING', timeoutMs: 10_000 });
    const err = await hidden.expectAutoRestart({ signal: 'SIGTERM', timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AutoRestartError);
    expect(err).toMatchObject({ code: 'MT_AUTO_RESTART', phase: 'respawn', node: 'rs0-1' });
    expect((err as AutoRestartError).evidence.exitStatus).toBe(0);
    expect((err as AutoRestartError).message).toMatch(/autorestart=unexpected/);
    await hidden.start();
  });

  it('stop() keeps a member down until start()', async () => {
    const arbiter = c.node('rs0-2');
    await arbiter.stop();
    expect((await arbiter.info()).state).toBe('STOPPED');
    expect(await arbiter.start()).toBe('ARBITER');
  });

  it('expectAutoRestart on the secondary: new pid, back as SECONDARY, primary unchanged, no write lost', async () => {
    await writeSome(5);
    const ev = await c.node('rs0-1').expectAutoRestart();
    expect(ev.newPid).not.toBe(ev.oldPid);
    expect(ev).toMatchObject({ node: 'rs0-1', signal: 'SIGKILL', exitStatus: -1, state: 'SECONDARY' });
    expect(ev).toMatchObject({ primaryBefore: 'rs0-0', primaryAfter: 'rs0-0', newPrimaryElected: false });
    expect(ev.respawnMs).toBeLessThanOrEqual(ev.listeningMs);
    expect(ev.listeningMs).toBeLessThanOrEqual(ev.readyMs);
    expect(ev.restartCount).toBeGreaterThanOrEqual(1);
    expect(events.some((e) => e.type === 'nodeRestarted' && e.node === 'rs0-1' && e.pid === ev.newPid)).toBe(true);
    expect(
      events.some((e) => e.type === 'nodeExited' && e.node === 'rs0-1' && e.pid === ev.oldPid && !e.expected),
    ).toBe(true);
    await writeSome(2);
    await expectAllWritesPresent();
  });

  it('expectAutoRestart on the primary (default election timeout): it is elected again in a new term, no write lost', async () => {
    await writeSome(5);
    const ev = await c.node('rs0-0').expectAutoRestart({ timeoutMs: 60_000 });
    expect(ev.newPid).not.toBe(ev.oldPid);
    expect(['PRIMARY', 'SECONDARY']).toContain(ev.state);
    expect(ev).toMatchObject({ primaryBefore: 'rs0-0', primaryAfter: 'rs0-0', newPrimaryElected: true });
    await writeSome(2);
    await expectAllWritesPresent();
    // cluster.json follows the restart.
    const state = JSON.parse(readFileSync(c.stateFile, 'utf8'));
    await expect
      .poll(
        () => JSON.parse(readFileSync(c.stateFile, 'utf8')).nodes.find((n: { name: string }) => n.name === 'rs0-0').pid,
        {
          timeout: 10_000,
        },
      )
      .toBe(ev.newPid);
    expect(state.state).toBe('running');
  });
});
