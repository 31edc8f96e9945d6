// Replica-set admin commands and their error codes: replSetInitiate validation (in mongod's order,
// with the quorum check), replSetReconfig (safe and force), replSetStepDown/StepUp/Freeze.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, startSet, type SimNode, type SimSet } from '../../helpers/simulator.js';
import { pollUntil } from '../../../src/common/async.js';

describe('replSetInitiate', () => {
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

  async function ghost(name: string, set = 'rsi'): Promise<SimNode> {
    const n = await startNode({ dir: join(dir, name), replSet: set });
    nodes.push(n);
    return n;
  }

  it("validates the config in mongod's order and reports the quorum check failure", async () => {
    const a = await ghost('a');
    const init = (cfg: unknown) => a.command({ replSetInitiate: cfg });
    await expect(init({ _id: 'other', members: [{ _id: 0, host: a.host }] })).rejects.toMatchObject({
      code: 93,
      message: 'Attempting to initiate a replica set with name other, but command line reports rsi; rejecting',
    });
    await expect(init({ _id: 'rsi', members: [{ _id: 0, host: '127.0.0.1:1' }] })).rejects.toMatchObject({
      code: 93,
      message:
        'No host described in new configuration with {version: 1, term: 0} for replica set rsi maps to this node',
    });
    await expect(
      init({
        _id: 'rsi',
        members: [
          { _id: 0, host: a.host },
          { _id: 0, host: '127.0.0.1:2' },
        ],
      }),
    ).rejects.toMatchObject({
      code: 93,
      message: 'Found two member configurations with same _id field, members.0._id == members.1._id == 0',
    });
    await expect(
      init({
        _id: 'rsi',
        members: [
          { _id: 0, host: a.host },
          { _id: 1, host: 'db.example.com:27017' },
        ],
      }),
    ).rejects.toMatchObject({
      code: 93,
      message:
        'Either all host names in a replica set configuration must be localhost references, or none must be; found 1 out of 2',
    });
    await expect(
      init({ _id: 'rsi', members: [{ _id: 0, host: a.host, arbiterOnly: true, priority: 1 }] }),
    ).rejects.toMatchObject({
      code: 93,
      message: 'priority must be 0 when arbiterOnly is true',
    });
    await expect(init({ _id: 'rsi', protocolVersion: 0, members: [{ _id: 0, host: a.host }] })).rejects.toMatchObject({
      code: 93,
    });
    const dead = await init({
      _id: 'rsi',
      members: [
        { _id: 0, host: a.host },
        { _id: 1, host: '127.0.0.1:1' },
      ],
    }).catch((e: unknown) => e);
    expect(dead).toMatchObject({ code: 74, codeName: 'NodeNotFound' });
    expect((dead as Error).message).toBe(
      'replSetInitiate quorum check failed because not all proposed set members responded affirmatively: 127.0.0.1:1 failed with Error connecting to 127.0.0.1:1 (127.0.0.1:1) :: caused by :: Connection refused',
    );
    const wrongSet = await ghost('w', 'otherset');
    const e = await init({
      _id: 'rsi',
      members: [
        { _id: 0, host: a.host },
        { _id: 1, host: wrongSet.host },
      ],
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 74 });
    expect((e as Error).message).toContain(`${wrongSet.host} failed with`);
    // Nothing was stored by the failed attempts.
    expect((await a.command({ hello: 1 })).isreplicaset).toBe(true);
  });

  it('applies the config-server and shard-server roles', async () => {
    const cfg = await startNode({ dir: join(dir, 'cfg'), replSet: 'cfgrs', args: ['--configsvr'] });
    nodes.push(cfg);
    expect((await cfg.command({ hello: 1 })).configsvr).toBe(2);
    await expect(
      cfg.command({ replSetInitiate: { _id: 'cfgrs', members: [{ _id: 0, host: cfg.host }] } }),
    ).rejects.toMatchObject({
      code: 93,
      message: 'Nodes started with the --configsvr flag must have configsvr:true in their config',
    });
    await cfg.command({ replSetInitiate: { _id: 'cfgrs', configsvr: true, members: [{ _id: 0, host: cfg.host }] } });
    await cfg.waitForLog((l) => l.id === 21331, 10_000, 'primary');
    expect((await cfg.command({ replSetGetConfig: 1 })).config.configsvr).toBe(true);
    expect((await cfg.command({ replSetGetStatus: 1 })).configsvr).toBe(true);
    const shard = await startNode({ dir: join(dir, 'shard'), replSet: 'sh1', args: ['--shardsvr'] });
    nodes.push(shard);
    await expect(
      shard.command({ replSetInitiate: { _id: 'sh1', configsvr: true, members: [{ _id: 0, host: shard.host }] } }),
    ).rejects.toMatchObject({ code: 93 });
    await shard.command({ replSetInitiate: { _id: 'sh1', members: [{ _id: 0, host: shard.host }] } });
    await shard.waitForLog((l) => l.id === 21331, 10_000, 'primary');
    const h = await shard.command({ hello: 1 });
    expect(h.isImplicitDefaultMajorityWC).toBe(true);
    expect(h.configsvr).toBeUndefined();
    expect((await shard.command({ getCmdLineOpts: 1 })).parsed.sharding).toEqual({ clusterRole: 'shardsvr' });
  });

  it('builds a default config from the set name and host, then refuses a second initiate', async () => {
    const a = await ghost('d', 'rsdef');
    const r = await a.command({ replSetInitiate: {} });
    expect(r).toMatchObject({ ok: 1, info2: 'no configuration specified. Using a default configuration for the set' });
    expect(r.me).toMatch(/:\d+$/);
    expect(r.$clusterTime).toBeDefined();
    await a.waitForLog((l) => l.id === 21331, 10_000, 'primary');
    const again = await a.command({ replSetInitiate: {} }).catch((x: unknown) => x);
    expect(again).toMatchObject({ code: 23, codeName: 'AlreadyInitialized', message: 'already initialized' });
    expect((again as { errorResponse: { info: string } }).errorResponse.info).toBe(
      'try querying local.system.replset to see current configuration',
    );
  });
});

describe('reconfig, stepdown, stepup, freeze', () => {
  let dir: string;
  let set: SimSet;

  beforeAll(async () => {
    dir = makeTempDir();
    set = await startSet({ dir, members: 3, settings: { electionTimeoutMillis: 1000 } });
  });

  afterAll(async () => {
    await set?.killAll();
    await expectNoProcesses(dir);
    removeDir(dir);
    expectRemoved(dir);
  });

  it('refuses a safe reconfig off the primary, with an old version, or changing two voters', async () => {
    const p = await set.waitForPrimary();
    const s = (p + 1) % 3;
    const { config } = await set.nodes[p].command({ replSetGetConfig: 1 });
    await expect(
      set.nodes[s].command({ replSetReconfig: { ...config, version: config.version + 1 } }),
    ).rejects.toMatchObject({ code: 10107 });
    await expect(set.nodes[p].command({ replSetReconfig: config })).rejects.toMatchObject({ code: 103 });
    const twoOut = { ...config, version: config.version + 1, members: config.members.slice(0, 1) };
    await expect(set.nodes[p].command({ replSetReconfig: twoOut })).rejects.toMatchObject({
      code: 103,
      message: 'Non-force replica set reconfig can only add or remove at most 1 voting member.',
    });
    await expect(
      set.nodes[p].command({ replSetReconfig: { ...config, _id: 'x', version: config.version + 1 } }),
    ).rejects.toMatchObject({ code: 103 });
  });

  it('applies a safe reconfig (setVersion and topologyVersion move) and a force reconfig on a secondary', async () => {
    const p = await set.waitForPrimary();
    const before = await set.nodes[p].command({ hello: 1 });
    const { config } = await set.nodes[p].command({ replSetGetConfig: 1 });
    const next = {
      ...config,
      version: config.version + 1,
      members: config.members.map((m: { _id: number }) => (m._id === p ? { ...m, tags: { role: 'p' } } : m)),
    };
    await set.nodes[p].command({ replSetReconfig: next });
    const after = await set.nodes[p].command({ hello: 1 });
    expect(after.setVersion).toBe(config.version + 1);
    expect(after.topologyVersion.counter).toBeGreaterThan(before.topologyVersion.counter);
    expect(after.tags).toEqual({ role: 'p' });
    await pollUntil(
      async () => (await set.nodes[(p + 1) % 3].command({ hello: 1 })).setVersion === config.version + 1,
      {
        what: 'the secondary to receive the new config by heartbeat',
        timeoutMs: 10_000,
      },
    );
    const s = (p + 1) % 3;
    const { config: cur } = await set.nodes[s].command({ replSetGetConfig: 1 });
    await set.nodes[s].command({ replSetReconfig: cur, force: true });
    const forced = (await set.nodes[s].command({ replSetGetConfig: 1 })).config;
    expect(forced.version).toBeGreaterThan(cur.version + 9_999);
    await pollUntil(async () => (await set.nodes[p].command({ hello: 1 })).setVersion === forced.version, {
      what: 'the forced config to spread',
      timeoutMs: 10_000,
    });
  });

  it('steps down with handoff, refuses on a secondary, and the old primary sits out', async () => {
    const p = await set.waitForPrimary();
    const s = (p + 1) % 3;
    await expect(set.nodes[s].command({ replSetStepDown: 60 })).rejects.toMatchObject({
      code: 10107,
      message: "not primary so can't step down",
    });
    await expect(set.nodes[p].command({ replSetStepDown: 5, secondaryCatchUpPeriodSecs: 10 })).rejects.toMatchObject({
      code: 2,
    });
    const termBefore = (await set.nodes[p].command({ replSetGetStatus: 1 })).term;
    const t0 = Date.now();
    await set.nodes[p].command({ replSetStepDown: 30, secondaryCatchUpPeriodSecs: 5 });
    const np = await set.waitForPrimary(15_000, [p]);
    expect(np).not.toBe(p);
    // Election handoff: much faster than an election timeout.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(set.nodes[np].lines.some((l) => l.msg === 'Starting an election due to step up request')).toBe(true);
    expect(set.nodes[p].lines.some((l) => l.id === 21347)).toBe(true);
    const status = await set.nodes[np].command({ replSetGetStatus: 1 });
    expect(status.term).toBeGreaterThan(termBefore);
    expect((await set.nodes[p].command({ hello: 1 })).secondary).toBe(true);
    // The stepped-down node cannot be stepped up during its stepdown period.
    await expect(set.nodes[p].command({ replSetStepUp: 1 })).rejects.toMatchObject({
      code: 125,
      message: 'Election failed.',
    });
  });

  it('steps up a chosen secondary with a higher term and a larger electionId', async () => {
    const p = await set.waitForPrimary();
    const before = await set.nodes[p].command({ hello: 1 });
    // Not the node that stepped down in the previous test (it is still inside its stepdown period),
    // and one the primary sees as SECONDARY (heartbeats may not have shown it yet).
    const target = await pollUntil(
      async () => {
        const status = await set.nodes[p].command({ replSetGetStatus: 1 });
        return [0, 1, 2].find(
          (i) =>
            i !== p && status.members[i].stateStr === 'SECONDARY' && !set.nodes[i].lines.some((l) => l.id === 21347),
        );
      },
      { what: 'the primary to see an electable secondary', timeoutMs: 15_000 },
    );
    // A step-up election can lose when the target has not yet replicated the primary's last write
    // (voters refuse a candidate behind them), as on a real set: then it is asked again.
    await pollUntil(
      async () => {
        try {
          await set.nodes[target].command({ replSetStepUp: 1 });
          return true;
        } catch (e) {
          if ((e as Error).message === 'Election failed.') return undefined;
          throw e;
        }
      },
      { what: `rs member ${target} to win a step-up election`, timeoutMs: 15_000, intervalMs: 200 },
    );
    const np = await set.waitForPrimary(15_000);
    expect(np).toBe(target);
    const after = await set.nodes[np].command({ hello: 1 });
    expect(after.electionId.toHexString() > before.electionId.toHexString()).toBe(true);
    expect(set.nodes[np].lines.some((l) => l.msg === 'Starting an election due to step up request')).toBe(true);
  });

  it("freezes and unfreezes with mongod's answers", async () => {
    const p = await set.waitForPrimary();
    const s = (p + 1) % 3;
    await expect(set.nodes[p].command({ replSetFreeze: 30 })).rejects.toMatchObject({
      code: 95,
      message: 'Cannot freeze node when primary or running for election, state: Primary',
    });
    expect(await set.nodes[s].command({ replSetFreeze: 1 })).toMatchObject({
      warning: 'you really want to freeze for only 1 second?',
    });
    expect(await set.nodes[s].command({ replSetFreeze: 0 })).toMatchObject({ info: 'unfreezing' });
    expect(await set.nodes[s].command({ replSetGetRBID: 1 })).toMatchObject({ rbid: expect.any(Number) });
  });

  it('refuses a stepdown without a caught-up electable secondary unless forced', async () => {
    const p = await set.waitForPrimary();
    const others = [0, 1, 2].filter((i) => i !== p);
    for (const i of others) {
      set.nodes[i].kill('SIGSTOP');
    }
    try {
      const c = set.nodes[p].client();
      await c
        .db('x')
        .collection('y')
        .insertOne({ a: 1 }, { writeConcern: { w: 1 } });
      await c.close();
      await expect(set.nodes[p].command({ replSetStepDown: 10, secondaryCatchUpPeriodSecs: 1 })).rejects.toMatchObject({
        code: 262,
        codeName: 'ExceededTimeLimit',
        message: expect.stringMatching(
          /^No electable secondaries caught up as of .*Please use the replSetStepDown command with the argument \{force: true\} to force node to step down\.$/,
        ),
      });
      expect((await set.nodes[p].command({ hello: 1 })).isWritablePrimary).toBe(true);
      await set.nodes[p].command({ replSetStepDown: 10, secondaryCatchUpPeriodSecs: 1, force: true });
      expect((await set.nodes[p].command({ hello: 1 })).isWritablePrimary).toBe(false);
    } finally {
      for (const i of others) set.nodes[i].kill('SIGCONT');
    }
    await set.waitForPrimary(20_000);
  });
});
