// hello (and replSetGetStatus/GetConfig) in every member state: uninitiated, STARTUP2, SECONDARY,
// PRIMARY while draining and writable, ARBITER, hidden, passive (priority 0), delayed, REMOVED.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, startSet, type SimNode, type SimSet } from '../../helpers/simulator.js';
import { pollUntil } from '../../../src/common/async.js';

const HELLO_TRAILER = [
  'maxBsonObjectSize',
  'maxMessageSizeBytes',
  'maxWriteBatchSize',
  'localTime',
  'logicalSessionTimeoutMinutes',
  'connectionId',
  'minWireVersion',
  'maxWireVersion',
  'readOnly',
  'ok',
];

describe('a five-member set with an arbiter, a hidden, a passive and a delayed member', () => {
  let dir: string;
  let set: SimSet;

  beforeAll(async () => {
    dir = makeTempDir();
    set = await startSet({
      dir,
      members: [
        { priority: 2 },
        { priority: 0 },
        { arbiterOnly: true },
        { priority: 0, hidden: true, tags: { dc: 'x' } },
        { priority: 0, hidden: true, secondaryDelaySecs: 1 },
      ],
    });
  });

  afterAll(async () => {
    await set?.killAll();
    await expectNoProcesses(dir);
    removeDir(dir);
    expectRemoved(dir);
  });

  it('answers hello on the primary with hosts/passives/arbiters, electionId and lastWrite', async () => {
    const p = await set.waitForPrimary();
    expect(p).toBe(0);
    const h = await set.nodes[0].command({ hello: 1 });
    expect(Object.keys(h).slice(0, 6)).toEqual([
      'topologyVersion',
      'hosts',
      'passives',
      'arbiters',
      'setName',
      'setVersion',
    ]);
    expect(h).toMatchObject({
      hosts: [set.hosts[0]],
      passives: [set.hosts[1]],
      arbiters: [set.hosts[2]],
      setName: 'rs0',
      isWritablePrimary: true,
      secondary: false,
      primary: set.hosts[0],
      me: set.hosts[0],
    });
    expect(h.electionId.toHexString()).toMatch(/^7fffffff0{8}[0-9a-f]{8}$/);
    expect(BigInt(`0x${h.electionId.toHexString().slice(8)}`)).toBeGreaterThanOrEqual(1n);
    expect(h.lastWrite.opTime.t).toBeGreaterThanOrEqual(1);
    expect(h.lastWrite.lastWriteDate).toBeInstanceOf(Date);
    expect(h.lastWrite.majorityOpTime).toBeDefined();
    for (const k of HELLO_TRAILER) expect(h).toHaveProperty(k);
    expect(h.$clusterTime.clusterTime).toBeDefined();
    expect(h.operationTime).toBeDefined();
    const legacy = await set.nodes[0].command({ isMaster: 1 });
    expect(legacy.ismaster).toBe(true);
    expect(legacy.isWritablePrimary).toBeUndefined();
  });

  it('answers hello on a passive secondary, the arbiter, the hidden and the delayed member', async () => {
    const [, passive, arbiter, hidden, delayed] = await Promise.all(set.nodes.map((n) => n.command({ hello: 1 })));
    expect(passive).toMatchObject({
      isWritablePrimary: false,
      secondary: true,
      passive: true,
      primary: set.hosts[0],
      me: set.hosts[1],
    });
    expect(passive.electionId).toBeUndefined();
    expect(arbiter).toMatchObject({
      isWritablePrimary: false,
      secondary: false,
      arbiterOnly: true,
      primary: set.hosts[0],
      me: set.hosts[2],
    });
    expect(arbiter.lastWrite).toBeUndefined();
    expect(hidden).toMatchObject({ secondary: true, hidden: true, passive: true, tags: { dc: 'x' } });
    expect(hidden.hosts).toEqual([set.hosts[0]]);
    expect(delayed).toMatchObject({ secondary: true, hidden: true, secondaryDelaySecs: 1 });
    const legacyDelayed = await set.nodes[4].command({ isMaster: 1 });
    expect(legacyDelayed.slaveDelay).toBe(1);
    expect(legacyDelayed.secondaryDelaySecs).toBeUndefined();
  });

  it('applies writes on the delayed member only after its delay', async () => {
    const c = set.client();
    const t0 = Date.now();
    await c
      .db('d')
      .collection<any>('c')
      .insertOne({ at: t0 }, { writeConcern: { w: 3 } });
    await c.close();
    const delayed = set.nodes[4];
    const seen = async () =>
      (await delayed
        .client()
        .db('d')
        .collection<any>('c')
        .countDocuments()
        .catch(() => 0)) === 1;
    expect(await seen()).toBe(false);
    await pollUntil(seen, { what: 'the delayed member to apply the write', timeoutMs: 10_000, intervalMs: 100 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('reports every member in replSetGetStatus, sorted by _id, and the filled-in config', async () => {
    const s = await set.nodes[1].command({ replSetGetStatus: 1 });
    expect(s).toMatchObject({
      set: 'rs0',
      myState: 2,
      majorityVoteCount: 3,
      writeMajorityCount: 3,
      votingMembersCount: 5,
      writableVotingMembersCount: 4,
    });
    expect(s.members.map((m: { _id: number }) => m._id)).toEqual([0, 1, 2, 3, 4]);
    expect(s.members.map((m: { stateStr: string }) => m.stateStr)).toEqual([
      'PRIMARY',
      'SECONDARY',
      'ARBITER',
      'SECONDARY',
      'SECONDARY',
    ]);
    expect(s.members[1]).toMatchObject({ self: true, health: 1, name: set.hosts[1] });
    expect(s.members[0]).toMatchObject({ health: 1, electionTime: expect.anything(), pingMs: expect.any(Number) });
    expect(s.members[2].optime).toBeUndefined();
    const { config } = await set.nodes[0].command({ replSetGetConfig: 1 });
    expect(config).toMatchObject({
      _id: 'rs0',
      version: 1,
      protocolVersion: 1,
      writeConcernMajorityJournalDefault: true,
    });
    expect(config.term).toBeGreaterThanOrEqual(1);
    expect(config.members[2]).toEqual({
      _id: 2,
      host: set.hosts[2],
      arbiterOnly: true,
      buildIndexes: true,
      hidden: false,
      priority: 0,
      tags: {},
      secondaryDelaySecs: 0,
      votes: 1,
    });
    expect(config.settings).toMatchObject({
      chainingAllowed: true,
      heartbeatTimeoutSecs: 10,
      catchUpTimeoutMillis: -1,
      getLastErrorDefaults: { w: 1, wtimeout: 0 },
    });
    expect(config.settings.replicaSetId).toBeDefined();
  });

  it('shows a dead member as not reachable', async () => {
    set.nodes[3].kill('SIGKILL');
    await set.nodes[3].exited;
    const s = await pollUntil(
      async () => {
        const st = await set.nodes[0].command({ replSetGetStatus: 1 });
        return st.members[3].health === 0 ? st : undefined;
      },
      { what: 'member 3 to be reported down', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(s.members[3]).toMatchObject({ health: 0, state: 8, stateStr: '(not reachable/healthy)', optime: { t: -1 } });
    expect(s.members[3].lastHeartbeatMessage).toMatch(/Connection refused/);
  });
});

describe('transient and edge states', () => {
  let dir: string;
  const nodes: SimNode[] = [];

  beforeAll(() => {
    dir = makeTempDir();
  });

  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      n.kill('SIGKILL');
      await n.exited;
    }
  });

  afterAll(async () => {
    await expectNoProcesses(dir);
    removeDir(dir);
    expectRemoved(dir);
  });

  it('answers hello on an uninitiated member as an RSGhost, and accepts local writes', async () => {
    const n = await startNode({ dir: join(dir, 'ghost'), replSet: 'rsx' });
    nodes.push(n);
    const h = await n.command({ hello: 1 });
    expect(h).toMatchObject({
      isWritablePrimary: false,
      secondary: false,
      info: 'Does not have a valid replica set config',
      isreplicaset: true,
    });
    expect(h.setName).toBeUndefined();
    await expect(n.command({ replSetGetStatus: 1 })).rejects.toMatchObject({ code: 94 });
    await expect(n.command({ replSetGetConfig: 1 })).rejects.toMatchObject({ code: 94 });
    const c = n.client('&retryWrites=false');
    await c.db('local').collection<any>('mongodbrunner').insertOne({ _id: 'me', pid: n.pid });
    expect(await c.db('local').collection<any>('mongodbrunner').findOne({})).toMatchObject({ pid: n.pid });
    await expect(c.db('app').collection<any>('c').insertOne({})).rejects.toMatchObject({ code: 10107 });
    await c.close();
  });

  it('shows PRIMARY-while-draining as secondary:true and then writable; a single node elects itself at once', async () => {
    const n = await startNode({ dir: join(dir, 'drain'), replSet: 'rsd', env: { MONGOSIM_DRAIN_DELAY_MS: '1500' } });
    nodes.push(n);
    const t0 = Date.now();
    await n.command({ replSetInitiate: { _id: 'rsd', members: [{ _id: 0, host: n.host }] } });
    const draining = await pollUntil(
      async () => {
        const h = await n.command({ hello: 1 });
        return h.electionId ? h : undefined;
      },
      { what: 'the node to win its election', timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(draining).toMatchObject({ isWritablePrimary: false, secondary: true, setName: 'rsd' });
    await n.waitForLog((l) => l.id === 21331, 10_000, 'Transition to primary complete');
    expect((await n.command({ hello: 1 })).isWritablePrimary).toBe(true);
    const ids = n.lines.filter((l) => ['REPL', 'ELECTION'].includes(l.c)).map((l) => l.id);
    expect(ids).toContain(21365);
    const transitions = n.lines.filter((l) => l.id === 21358).map((l) => `${l.attr!.oldState}->${l.attr!.newState}`);
    expect(transitions).toEqual(['STARTUP->SECONDARY', 'SECONDARY->PRIMARY']);
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('shows STARTUP2 during initial sync and REMOVED after being reconfigured out', async () => {
    const a = await startNode({ dir: join(dir, 'a'), replSet: 'rs2' });
    nodes.push(a);
    await a.command({
      replSetInitiate: { _id: 'rs2', members: [{ _id: 0, host: a.host }], settings: { heartbeatIntervalMillis: 200 } },
    });
    await a.waitForLog((l) => l.id === 21331, 10_000, 'primary');
    const b = await startNode({ dir: join(dir, 'b'), replSet: 'rs2', env: { MONGOSIM_INITIAL_SYNC_DELAY_MS: '2000' } });
    nodes.push(b);
    const cfg = (await a.command({ replSetGetConfig: 1 })).config;
    cfg.version++;
    cfg.members.push({ _id: 1, host: b.host, priority: 0, votes: 0 });
    await a.command({ replSetReconfig: cfg });
    const startup2 = await pollUntil(
      async () => {
        const h = await b.command({ hello: 1 });
        return h.setName ? h : undefined;
      },
      { what: 'the new member to learn the config', timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(startup2).toMatchObject({ setName: 'rs2', isWritablePrimary: false, secondary: false, me: b.host });
    expect(startup2.hosts).toEqual([a.host]);
    expect((await b.command({ replSetGetStatus: 1 })).myState).toBe(5);
    await pollUntil(async () => (await b.command({ hello: 1 })).secondary === true, {
      what: 'SECONDARY',
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const next = (await a.command({ replSetGetConfig: 1 })).config;
    next.version++;
    next.members = next.members.filter((m: { _id: number }) => m._id === 0);
    await a.command({ replSetReconfig: next });
    const removed = await pollUntil(
      async () => {
        const h = await b.command({ hello: 1 });
        return h.isreplicaset ? h : undefined;
      },
      { what: 'the removed member to notice', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(removed).toMatchObject({
      setName: 'rs2',
      isWritablePrimary: false,
      secondary: false,
      info: 'Does not have a valid replica set config',
      isreplicaset: true,
    });
    await expect(b.command({ replSetGetStatus: 1 })).rejects.toMatchObject({
      code: 93,
      message: 'Our replica set config is invalid or we are not a member of it',
    });
  });
});
