// Elections between separate processes: failover after SIGKILL within electionTimeoutMillis + slack,
// rejoin after restart, priority takeover, arbiters, a primary losing its majority, clean shutdown
// with election handoff, and the signalled-shutdown quiesce period.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';
import { pollUntil } from '../../../src/common/async.js';

let dir: string;
let set: SimSet | undefined;

beforeEach(() => {
  dir = makeTempDir();
});

afterEach(async () => {
  await set?.killAll();
  set = undefined;
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('failover', () => {
  it('elects a new primary within electionTimeoutMillis + 2 s after SIGKILL, and the old one rejoins with its data', async () => {
    set = await startSet({ dir, members: 3, settings: { electionTimeoutMillis: 1000, heartbeatIntervalMillis: 500 } });
    const c = set.client();
    await c
      .db('f')
      .collection<any>('c')
      .insertMany(
        Array.from({ length: 50 }, (_, i) => ({ _id: i })),
        { writeConcern: { w: 'majority' } },
      );
    const p = await set.waitForPrimary();
    const before = (await set.nodes[p].command({ replSetGetStatus: 1 })).term;
    set.nodes[p].kill('SIGKILL');
    const t0 = Date.now();
    const np = await set.waitForPrimary(10_000, [p]);
    expect(Date.now() - t0).toBeLessThan(1000 * 1.15 + 2000 + 1000);
    expect(np).not.toBe(p);
    const status = await set.nodes[np].command({ replSetGetStatus: 1 });
    expect(status.term).toBeGreaterThan(before);
    expect(
      set.nodes[np].lines.some(
        (l) => l.msg === "Starting an election, since we've seen no PRIMARY in election timeout period",
      ),
    ).toBe(true);
    // The driver keeps working through the failover (retryable write on the new primary).
    await c
      .db('f')
      .collection<any>('c')
      .insertOne({ _id: 'after' }, { writeConcern: { w: 'majority' } });
    await set.restart(p);
    await pollUntil(async () => (await set!.nodes[p].command({ hello: 1 })).secondary === true, {
      what: 'the old primary to rejoin as SECONDARY',
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const back = set.nodes[p].client();
    await pollUntil(
      async () =>
        (await back.db('f').collection<any>('c').countDocuments({}, { readPreference: 'secondaryPreferred' })) === 51,
      {
        what: 'the restarted member to catch up',
        timeoutMs: 20_000,
      },
    );
    await back.close();
    await c.close();
  });

  it('lets a higher-priority member take over, and an arbiter vote', async () => {
    set = await startSet({
      dir,
      members: [{}, {}, { arbiterOnly: true }],
      settings: { electionTimeoutMillis: 800, heartbeatIntervalMillis: 300 },
    });
    const p = await set.waitForPrimary();
    const other = p === 0 ? 1 : 0;
    const { config } = await set.nodes[p].command({ replSetGetConfig: 1 });
    config.version++;
    config.members[other].priority = 5;
    await set.nodes[p].command({ replSetReconfig: config });
    const np = await set.waitForPrimary(20_000, [p]);
    expect(np).toBe(other);
    expect(
      set.nodes[other].lines.some((l) => l.id === 4615660 && l.msg === 'Starting an election for a priority takeover'),
    ).toBe(true);
    // PSA: kill the old primary; the arbiter's vote keeps a majority for the remaining member.
    set.nodes[other].kill('SIGKILL');
    const again = await set.waitForPrimary(15_000, [other]);
    expect(again).toBe(p);
    // The arbiter learns of the new primary from its next heartbeat, as on a real set.
    await pollUntil(async () => (await set!.nodes[2].command({ hello: 1 })).primary === set!.hosts[p], {
      what: 'the arbiter to learn the new primary from heartbeats',
      timeoutMs: 10_000,
    });
    const arbiterHello = await set.nodes[2].command({ hello: 1 });
    expect(arbiterHello).toMatchObject({ arbiterOnly: true, primary: set.hosts[p] });
  });

  it('makes a primary that cannot see a majority of voters step down; non-voters do not count', async () => {
    set = await startSet({
      dir,
      members: [{}, {}, { votes: 0, priority: 0 }],
      settings: { electionTimeoutMillis: 800, heartbeatIntervalMillis: 300 },
    });
    const p = await set.waitForPrimary();
    const otherVoter = p === 0 ? 1 : 0;
    set.nodes[otherVoter].kill('SIGKILL');
    await pollUntil(async () => (await set!.nodes[p].command({ hello: 1 })).isWritablePrimary === false, {
      what: 'the isolated primary to step down',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(set.nodes[p].lines.some((l) => l.id === 21402 && /can't see a majority/.test(l.msg))).toBe(true);
  });
});

describe('clean shutdown of members', () => {
  it('steps a SIGTERMed primary down with handoff, so a new primary appears in well under an election timeout', async () => {
    set = await startSet({ dir, members: 3, args: ['--setParameter', 'shutdownTimeoutMillisForSignaledShutdown=200'] });
    let p = await set.waitForPrimary();
    // A long election timeout from here on, so only a handoff can explain a fast new primary.
    const { config } = await set.nodes[p].command({ replSetGetConfig: 1 });
    await set.nodes[p].command({
      replSetReconfig: {
        ...config,
        version: config.version + 1,
        settings: { ...config.settings, electionTimeoutMillis: 5000 },
      },
    });
    await pollUntil(
      async () =>
        (await Promise.all(set!.nodes.map((n) => n.command({ hello: 1 })))).every(
          (h) => h.setVersion === config.version + 1,
        ),
      {
        what: 'the new config everywhere',
        timeoutMs: 10_000,
      },
    );
    p = await set.waitForPrimary();
    const t0 = Date.now();
    const exit = set.nodes[p].stop('SIGTERM');
    const np = await set.waitForPrimary(10_000, [p]);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(np).not.toBe(p);
    expect(await exit).toEqual({ code: 0, signal: null });
    const lines = set.nodes[p].lines;
    expect(lines.find((l) => l.id === 4784900)).toMatchObject({
      c: 'REPL',
      msg: 'Stepping down the ReplicationCoordinator for shutdown',
      attr: { waitTimeMillis: 200 },
    });
    expect(lines.find((l) => l.id === 4695102)).toMatchObject({ attr: { quiesceTimeMillis: 200 } });
  });

  it('holds a SIGTERMed secondary in quiesce mode for shutdownTimeoutMillisForSignaledShutdown; hello fails meanwhile', async () => {
    set = await startSet({
      dir,
      members: 3,
      args: ['--setParameter', 'shutdownTimeoutMillisForSignaledShutdown=1500'],
    });
    const p = await set.waitForPrimary();
    const s = (p + 1) % 3;
    const node = set.nodes[s];
    const client = node.client();
    await client.connect();
    const t0 = Date.now();
    node.kill('SIGTERM');
    await node.waitForLog((l) => l.id === 4695102, 5000, 'Entering quiesce mode for shutdown');
    const err = await client
      .db('admin')
      .command({ hello: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 91,
      codeName: 'ShutdownInProgress',
      message: 'The server is in quiesce mode and will shut down',
    });
    expect(
      (err as { errorResponse: { remainingQuiesceTimeMillis: number } }).errorResponse.remainingQuiesceTimeMillis,
    ).toBeGreaterThan(0);
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    await client.close().catch(() => undefined);
    // A shutdown command's timeoutSecs governs the quiesce instead.
    const other = set.nodes[(p + 2) % 3];
    const t1 = Date.now();
    await other.command({ shutdown: 1, timeoutSecs: 1 }).catch(() => undefined);
    expect(await other.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900);
  });
});
