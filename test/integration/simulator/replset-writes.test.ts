// Writes and reads on a replica set: write concern (w:1, majority, numbers, tags, j, wtimeout,
// unsatisfiable), read-preference gating and its error codes, retryable writes deduplicated by
// (lsid, txnNumber) on the primary and after failover, $clusterTime/operationTime and causal reads,
// rollback of unreplicated writes, and data surviving a restart of every member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Long, UUID, Timestamp, type Document } from 'bson';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';
import { rawCommand } from '../../helpers/wire.js';
import { pollUntil } from '../../../src/common/async.js';

let dir: string;
let set: SimSet;

beforeAll(async () => {
  dir = makeTempDir();
  set = await startSet({
    dir,
    members: [{ tags: { dc: 'east' } }, { tags: { dc: 'west' } }, { tags: { dc: 'west' } }],
    settings: { getLastErrorModes: { twoDCs: { dc: 2 } } },
    args: ['--setParameter', 'enableTestCommands=1'],
  });
});

afterAll(async () => {
  await set?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

async function primaryAndSecondaries(): Promise<{ p: number; s: number[] }> {
  const p = await set.waitForPrimary();
  return { p, s: [0, 1, 2].filter((i) => i !== p) };
}

const port = (i: number) => set.nodes[i].port;

describe('write concern', () => {
  it('acknowledges w:1, w:majority, w:3, tag modes and j:true', async () => {
    const { p } = await primaryAndSecondaries();
    for (const writeConcern of [{ w: 1 }, { w: 'majority' }, { w: 3 }, { w: 'twoDCs' }, { w: 1, j: true }, {}]) {
      const r = await rawCommand(port(p), {
        insert: 'wc',
        documents: [{ wc: JSON.stringify(writeConcern) }],
        writeConcern,
        $db: 'w',
      });
      expect(r).toMatchObject({ ok: 1, n: 1 });
      expect(r.writeConcernError).toBeUndefined();
      expect(r.operationTime).toBeInstanceOf(Timestamp);
    }
  });

  it('reports unknown modes, unsatisfiable w and timeouts as writeConcernError', async () => {
    const { p, s } = await primaryAndSecondaries();
    const unknown = await rawCommand(port(p), { insert: 'wc', documents: [{}], writeConcern: { w: 'nope' }, $db: 'w' });
    expect(unknown.writeConcernError).toMatchObject({ code: 79, codeName: 'UnknownReplWriteConcern' });
    const tooMany = await rawCommand(port(p), { insert: 'wc', documents: [{}], writeConcern: { w: 5 }, $db: 'w' });
    expect(tooMany.writeConcernError).toMatchObject({
      code: 100,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
    });
    set.nodes[s[0]].kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await rawCommand(port(p), {
        insert: 'wc',
        documents: [{ slow: 1 }],
        writeConcern: { w: 3, wtimeout: 500 },
        $db: 'w',
      });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
      expect(r).toMatchObject({ ok: 1, n: 1 });
      expect(r.writeConcernError).toMatchObject({
        code: 64,
        codeName: 'WriteConcernTimeout',
        errmsg: 'waiting for replication timed out',
        errInfo: { wtimeout: true, writeConcern: { w: 3, wtimeout: 500, provenance: 'clientSupplied' } },
      });
      // A majority is still reachable.
      const m = await rawCommand(port(p), {
        insert: 'wc',
        documents: [{ m: 1 }],
        writeConcern: { w: 'majority', wtimeout: 5000 },
        $db: 'w',
      });
      expect(m.writeConcernError).toBeUndefined();
    } finally {
      set.nodes[s[0]].kill('SIGCONT');
    }
  });
});

describe('read preference and state errors', () => {
  it('serves reads on a secondary only with a secondary-ok read preference, never writes', async () => {
    const { p, s } = await primaryAndSecondaries();
    await rawCommand(port(p), { insert: 'rp', documents: [{ _id: 1 }], writeConcern: { w: 3 }, $db: 'r' });
    const noRp = await rawCommand(port(s[0]), { find: 'rp', filter: {}, $db: 'r' });
    expect(noRp).toMatchObject({
      ok: 0,
      code: 13435,
      codeName: 'NotPrimaryNoSecondaryOk',
      errmsg: 'not primary and secondaryOk=false',
    });
    expect(noRp.topologyVersion).toBeDefined();
    const primaryRp = await rawCommand(port(s[0]), {
      find: 'rp',
      filter: {},
      $readPreference: { mode: 'primary' },
      $db: 'r',
    });
    expect(primaryRp.code).toBe(13435);
    const ok = await rawCommand(port(s[0]), {
      find: 'rp',
      filter: {},
      $readPreference: { mode: 'secondary' },
      $db: 'r',
    });
    expect(ok.cursor.firstBatch).toEqual([{ _id: 1 }]);
    const write = await rawCommand(port(s[0]), {
      insert: 'rp',
      documents: [{}],
      $readPreference: { mode: 'secondary' },
      $db: 'r',
    });
    expect(write).toMatchObject({ ok: 0, code: 10107, codeName: 'NotWritablePrimary', errmsg: 'not primary' });
    expect(write.topologyVersion).toBeDefined();
    // Every member takes local writes.
    const local = await rawCommand(port(s[0]), { insert: 'mine', documents: [{ x: 1 }], $db: 'local' });
    expect(local).toMatchObject({ ok: 1, n: 1 });
  });

  it('refuses reads in RECOVERING with 13436, even with secondary-ok', async () => {
    const { s } = await primaryAndSecondaries();
    await rawCommand(port(s[1]), { replSetMaintenance: true, $db: 'admin' });
    try {
      const r = await rawCommand(port(s[1]), {
        find: 'rp',
        filter: {},
        $readPreference: { mode: 'secondaryPreferred' },
        $db: 'r',
      });
      expect(r).toMatchObject({ ok: 0, code: 13436, errmsg: 'node is not in primary or recovering state' });
      expect((await rawCommand(port(s[1]), { hello: 1, $db: 'admin' })).secondary).toBe(false);
    } finally {
      await rawCommand(port(s[1]), { replSetMaintenance: false, $db: 'admin' });
    }
  });

  it('lets the driver read from secondaries with readPreference=secondary and causal consistency', async () => {
    const c = set.client('&readPreference=secondary');
    const session = c.startSession({ causalConsistency: true });
    const coll = c.db('r').collection<any>('causal');
    await coll.insertOne({ _id: 'k', v: 1 }, { session, writeConcern: { w: 1 } });
    expect(await coll.findOne({ _id: 'k' }, { session })).toEqual({ _id: 'k', v: 1 });
    await session.endSession();
    await c.close();
  });
});

describe('cluster time', () => {
  it('puts $clusterTime and operationTime on every reply, errors included, and advances them', async () => {
    const { p } = await primaryAndSecondaries();
    const a = await rawCommand(port(p), { ping: 1, $db: 'admin' });
    expect(a.$clusterTime).toMatchObject({ clusterTime: expect.any(Timestamp), signature: { keyId: 0 } });
    expect(a.$clusterTime.signature.hash.length()).toBe(20);
    const w = await rawCommand(port(p), { insert: 'ct', documents: [{}], $db: 'c' });
    const e = await rawCommand(port(p), { nosuch: 1, $db: 'admin' });
    expect(e.$clusterTime).toBeDefined();
    expect(w.operationTime.greaterThan(a.operationTime) || w.operationTime.equals(a.operationTime)).toBe(true);
    expect(w.$clusterTime.clusterTime.greaterThanOrEqual?.(w.operationTime) ?? true).toBe(true);
    // Gossip: a client-supplied cluster time far ahead (but within bounds) moves the clock.
    const ahead = new Timestamp({ t: w.operationTime.high + 100, i: 1 });
    const g = await rawCommand(port(p), {
      ping: 1,
      $clusterTime: { clusterTime: ahead, signature: { hash: Buffer.alloc(20), keyId: Long.fromNumber(0) } },
      $db: 'admin',
    });
    expect(g.$clusterTime.clusterTime.equals(ahead)).toBe(true);
  });
});

function lsid(): Document {
  return { id: new UUID() };
}

describe('retryable writes', () => {
  it('deduplicates insert, update, delete and findAndModify by (lsid, txnNumber)', async () => {
    const { p } = await primaryAndSecondaries();
    const session = lsid();
    const ins = {
      insert: 'rw',
      documents: [
        { _id: 1, n: 0 },
        { _id: 2, n: 0 },
      ],
      lsid: session,
      txnNumber: Long.fromNumber(1),
      $db: 'rt',
    };
    expect(await rawCommand(port(p), ins)).toMatchObject({ ok: 1, n: 2 });
    expect(await rawCommand(port(p), ins)).toMatchObject({ ok: 1, n: 2 });
    const upd = {
      update: 'rw',
      updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }],
      lsid: session,
      txnNumber: Long.fromNumber(2),
      $db: 'rt',
    };
    expect(await rawCommand(port(p), upd)).toMatchObject({ n: 1, nModified: 1 });
    expect(await rawCommand(port(p), upd)).toMatchObject({ n: 1, nModified: 1 });
    const fam = {
      findAndModify: 'rw',
      query: { _id: 2 },
      update: { $inc: { n: 10 } },
      new: true,
      lsid: session,
      txnNumber: Long.fromNumber(3),
      $db: 'rt',
    };
    const f1 = await rawCommand(port(p), fam);
    const f2 = await rawCommand(port(p), fam);
    expect(f1.value).toEqual({ _id: 2, n: 10 });
    expect(f2.value).toEqual(f1.value);
    expect(f2.lastErrorObject).toEqual({ n: 1, updatedExisting: true });
    const del = {
      delete: 'rw',
      deletes: [{ q: { _id: 1 }, limit: 1 }],
      lsid: session,
      txnNumber: Long.fromNumber(4),
      $db: 'rt',
    };
    expect(await rawCommand(port(p), del)).toMatchObject({ n: 1 });
    expect(await rawCommand(port(p), del)).toMatchObject({ n: 1 });
    const all = await rawCommand(port(p), { find: 'rw', filter: {}, $db: 'rt' });
    expect(all.cursor.firstBatch).toEqual([{ _id: 2, n: 10 }]);
    const old = await rawCommand(port(p), { ...upd, txnNumber: Long.fromNumber(1) });
    expect(old).toMatchObject({ ok: 0, code: 225, codeName: 'TransactionTooOld' });
    const multi = await rawCommand(port(p), {
      update: 'rw',
      updates: [{ q: {}, u: { $set: { x: 1 } }, multi: true }],
      lsid: session,
      txnNumber: Long.fromNumber(9),
      $db: 'rt',
    });
    expect(multi.writeErrors?.[0]?.code ?? multi.code).toBe(72);
  });

  it('labels retryable errors RetryableWriteError when the command carried a txnNumber', async () => {
    const { s } = await primaryAndSecondaries();
    const r = await rawCommand(port(s[0]), {
      insert: 'rw',
      documents: [{}],
      lsid: lsid(),
      txnNumber: Long.fromNumber(1),
      $db: 'rt',
    });
    expect(r).toMatchObject({ ok: 0, code: 10107, errorLabels: ['RetryableWriteError'] });
    const plain = await rawCommand(port(s[0]), { insert: 'rw', documents: [{}], $db: 'rt' });
    expect(plain.errorLabels).toBeUndefined();
  });

  it('returns the original result on a new primary after failover, without applying twice', async () => {
    const { p } = await primaryAndSecondaries();
    const session = lsid();
    await rawCommand(port(p), {
      insert: 'fo',
      documents: [{ _id: 'c', n: 0 }],
      writeConcern: { w: 'majority' },
      $db: 'rt',
    });
    const cmd = {
      update: 'fo',
      updates: [{ q: { _id: 'c' }, u: { $inc: { n: 1 } } }],
      lsid: session,
      txnNumber: Long.fromNumber(7),
      writeConcern: { w: 'majority' },
      $db: 'rt',
    };
    expect(await rawCommand(port(p), cmd)).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    set.nodes[p].kill('SIGKILL');
    const np = await set.waitForPrimary(15_000, [p]);
    const retried = await rawCommand(port(np), cmd);
    expect(retried).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    const doc = await rawCommand(port(np), { find: 'fo', filter: { _id: 'c' }, $db: 'rt' });
    expect(doc.cursor.firstBatch).toEqual([{ _id: 'c', n: 1 }]);
    await set.restart(p);
    await set.waitForHealthy(20_000);
  });
});

describe('rollback and restart', () => {
  it('rolls back writes that never reached a majority when the old primary rejoins', async () => {
    const { p, s } = await primaryAndSecondaries();
    await rawCommand(port(p), {
      insert: 'rb',
      documents: [{ _id: 'kept' }],
      writeConcern: { w: 'majority' },
      $db: 'rb',
    });
    // As MongoDB's own rollback tests do: stop the secondaries' oplog fetching, write to the primary
    // alone, freeze it, and let the others elect a new primary and move on.
    for (const i of s)
      await rawCommand(port(i), { configureFailPoint: 'stopReplProducer', mode: 'alwaysOn', $db: 'admin' });
    const lost = await rawCommand(port(p), {
      insert: 'rb',
      documents: [{ _id: 'lost' }],
      writeConcern: { w: 1 },
      $db: 'rb',
    });
    expect(lost.n).toBe(1);
    set.nodes[p].kill('SIGSTOP');
    for (const i of s) await rawCommand(port(i), { configureFailPoint: 'stopReplProducer', mode: 'off', $db: 'admin' });
    const np = await set.waitForPrimary(20_000, [p]);
    await rawCommand(port(np), {
      insert: 'rb',
      documents: [{ _id: 'new' }],
      writeConcern: { w: 'majority' },
      $db: 'rb',
    });
    set.nodes[p].kill('SIGCONT');
    const old = set.nodes[p];
    await old.waitForLog((l) => l.id === 21612, 30_000, 'Rollback complete');
    await pollUntil(
      async () => {
        const r = await rawCommand(old.port, {
          find: 'rb',
          filter: {},
          sort: { _id: 1 },
          $readPreference: { mode: 'secondary' },
          $db: 'rb',
        });
        return r.ok === 1 && JSON.stringify(r.cursor.firstBatch) === JSON.stringify([{ _id: 'kept' }, { _id: 'new' }]);
      },
      { what: 'the old primary to converge on the new history', timeoutMs: 20_000, intervalMs: 200 },
    );
    const transitions = old.lines.filter((l) => l.id === 21358).map((l) => l.attr!.newState);
    expect(transitions).toContain('ROLLBACK');
    expect((await rawCommand(old.port, { replSetGetRBID: 1, $db: 'admin' })).rbid).toBeGreaterThan(0);
  });

  it('keeps every acknowledged majority write across a SIGKILL of all members', async () => {
    const c = set.client();
    const coll = c.db('persist').collection<any>('docs');
    await coll.insertMany(
      Array.from({ length: 100 }, (_, i) => ({ _id: i })),
      { writeConcern: { w: 'majority' } },
    );
    await coll.updateOne({ _id: 5 }, { $set: { v: 'five' } }, { writeConcern: { w: 'majority' } });
    await c.close();
    await set.killAll();
    for (let i = 0; i < 3; i++) await set.restart(i);
    await set.waitForPrimary(30_000);
    const c2 = set.client();
    const coll2 = c2.db('persist').collection<any>('docs');
    expect(await coll2.countDocuments()).toBe(100);
    expect(await coll2.findOne({ _id: 5 })).toEqual({ _id: 5, v: 'five' });
    await c2.close();
  });
});
