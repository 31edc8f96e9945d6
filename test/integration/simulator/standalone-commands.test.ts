// The official driver against a standalone simulated mongod: CRUD reply shapes, cursors, aggregation
// (mingo semantics), indexes (unique enforced), catalog commands, admin/info commands that mongosh,
// MMS and mongodb-runner send, sessions, and the errors a standalone gives for replica-set features.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, Long, MongoServerError } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, type SimNode } from '../../helpers/simulator.js';
import { pollUntil } from '../../../src/common/async.js';

let dir: string;
let n: SimNode;
let client: MongoClient;

beforeAll(async () => {
  dir = makeTempDir();
  n = await startNode({ dir: join(dir, 'a'), args: ['--setParameter', 'ttlMonitorSleepSecs=1'] });
  client = new MongoClient(`mongodb://${n.host}/?serverSelectionTimeoutMS=15000`);
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await n?.stop('SIGTERM');
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('CRUD', () => {
  it('inserts, finds with filter/sort/projection/skip/limit, updates, deletes', async () => {
    const c = client.db('crud').collection<any>('people');
    await c.insertMany([
      { _id: 1, name: 'ann', age: 31, tags: ['a', 'b'] },
      { _id: 2, name: 'bob', age: 25, tags: ['b'] },
      { _id: 3, name: 'cy', age: 40, tags: [] },
      { _id: 4, name: 'di', age: 25, address: { city: 'Oslo' } },
    ]);
    expect(
      await c
        .find({ age: { $gte: 30 } })
        .sort({ age: -1 })
        .project({ name: 1, _id: 0 })
        .toArray(),
    ).toEqual([{ name: 'cy' }, { name: 'ann' }]);
    expect(await c.find({ tags: 'b' }).sort({ _id: 1 }).skip(1).limit(1).toArray()).toEqual([
      { _id: 2, name: 'bob', age: 25, tags: ['b'] },
    ]);
    expect(await c.findOne({ 'address.city': 'Oslo' })).toMatchObject({ _id: 4 });
    const u = await c.updateMany({ age: 25 }, { $inc: { age: 1 }, $push: { tags: 'x' } } as any);
    expect(u).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await c.findOne({ _id: 4 })).toMatchObject({ age: 26, tags: ['x'] });
    const noop = await c.updateOne({ _id: 1 }, { $set: { name: 'ann' } });
    expect(noop).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    const up = await c.updateOne({ name: 'eve', age: 50 }, { $set: { role: 'new' } }, { upsert: true });
    expect(up.upsertedCount).toBe(1);
    expect(await c.findOne({ _id: up.upsertedId! })).toMatchObject({ name: 'eve', age: 50, role: 'new' });
    const repUpsert = await c.replaceOne({ _id: 'r', ignored: 1 }, { name: 'ray' }, { upsert: true });
    expect(repUpsert.upsertedId).toBe('r');
    expect(await c.findOne({ _id: 'r' })).toEqual({ _id: 'r', name: 'ray' });
    await c.deleteOne({ _id: 'r' });
    const rep = await c.replaceOne({ _id: 3 }, { name: 'cy2' });
    expect(rep.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 3 })).toEqual({ _id: 3, name: 'cy2' });
    await expect(c.updateOne({ _id: 3 }, { $set: { _id: 99 } })).rejects.toMatchObject({ code: 66 });
    await expect(c.updateOne({ _id: 3 }, { $bogus: { a: 1 } })).rejects.toMatchObject({ code: 9 });
    const pipe = await c.updateOne({ _id: 1 }, [{ $set: { older: { $add: ['$age', 10] } } }]);
    expect(pipe.modifiedCount).toBe(1);
    expect((await c.findOne({ _id: 1 }))!.older).toBe(41);
    expect((await c.deleteMany({ age: { $lt: 30 } })).deletedCount).toBe(2);
    expect((await c.deleteOne({ _id: 1 })).deletedCount).toBe(1);
    expect(await c.countDocuments()).toBe(2);
    expect(await c.estimatedDocumentCount()).toBe(2);
  });

  it("enforces unique indexes (also on existing data) with mongod's E11000 shape", async () => {
    const c = client.db('crud').collection<any>('uniq');
    await c.insertMany([
      { _id: 'a', email: 'x@y' },
      { _id: 'b', email: 'z@y' },
    ]);
    expect(await c.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
    const err = await c.insertOne({ _id: 'c', email: 'x@y' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({
      code: 11000,
      keyPattern: { email: 1 },
      keyValue: { email: 'x@y' },
      message: 'E11000 duplicate key error collection: crud.uniq index: email_1 dup key: { email: "x@y" }',
    });
    await expect(c.insertOne({ _id: 'a' })).rejects.toMatchObject({ code: 11000, keyPattern: { _id: 1 } });
    await c.insertOne({ _id: 'dup1', email: 'd1', group: 1 });
    await c.insertOne({ _id: 'dup2', email: 'd2', group: 1 });
    // A unique index treats a missing field as null: only one document may lack it.
    await c.insertOne({ _id: 'noemail' });
    await expect(c.insertOne({ _id: 'noemail2' })).rejects.toMatchObject({ code: 11000, keyValue: { email: null } });
    await expect(c.createIndex({ group: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    const ordered = await c
      .insertMany([{ _id: 'n1', email: 'n1' }, { _id: 'a' }, { _id: 'n2', email: 'n2' }], { ordered: false })
      .catch((e: any) => e);
    expect(ordered.writeErrors ?? ordered.result?.getWriteErrors?.()).toBeDefined();
    expect(await c.countDocuments({ _id: { $in: ['n1', 'n2'] } })).toBe(2);
    const idx = await c.listIndexes().toArray();
    expect(idx.map((i) => i.name)).toEqual(['_id_', 'email_1']);
    expect(idx[1]).toMatchObject({ v: 2, key: { email: 1 }, name: 'email_1', unique: true });
    await expect(c.createIndex({ email: -1 }, { name: 'email_1' })).rejects.toMatchObject({ code: 86 });
    expect(await c.dropIndex('email_1')).toMatchObject({ nIndexesWas: 2 });
    await expect(c.dropIndex('nope')).rejects.toMatchObject({ code: 27 });
    await expect(c.dropIndex('_id_')).rejects.toMatchObject({ code: 72 });
  });

  it('serves large results in batches with getMore and kills cursors', async () => {
    const c = client.db('crud').collection<any>('many');
    await c.insertMany(Array.from({ length: 350 }, (_, i) => ({ i })));
    let seen = 0;
    for await (const _ of c.find({}).batchSize(40)) seen++;
    expect(seen).toBe(350);
    const raw = await client.db('crud').command({ find: 'many', filter: {}, batchSize: 10 });
    expect(raw.cursor.firstBatch).toHaveLength(10);
    expect(raw.cursor.ns).toBe('crud.many');
    const id = Long.fromNumber(Number(raw.cursor.id));
    expect(id.toNumber()).not.toBe(0);
    const more = await client.db('crud').command({ getMore: id, collection: 'many', batchSize: 5 });
    expect(more.cursor.nextBatch).toHaveLength(5);
    const killed = await client.db('crud').command({ killCursors: 'many', cursors: [id] });
    expect(killed.cursorsKilled).toHaveLength(1);
    await expect(client.db('crud').command({ getMore: id, collection: 'many' })).rejects.toMatchObject({
      code: 43,
      message: `cursor id ${id.toString()} not found`,
    });
    const all = await client.db('crud').command({ find: 'many', filter: { i: { $lt: 3 } } });
    expect(Number(all.cursor.id)).toBe(0);
  });

  it('runs aggregation pipelines, count, distinct and findAndModify', async () => {
    const db = client.db('agg');
    await db.collection<any>('orders').insertMany([
      { _id: 1, cust: 'a', amount: 10 },
      { _id: 2, cust: 'a', amount: 5 },
      { _id: 3, cust: 'b', amount: 7 },
    ]);
    await db.collection<any>('custs').insertMany([
      { _id: 'a', name: 'Ann' },
      { _id: 'b', name: 'Bob' },
    ]);
    const grouped = await db
      .collection<any>('orders')
      .aggregate([{ $group: { _id: '$cust', total: { $sum: '$amount' } } }, { $sort: { total: -1 } }])
      .toArray();
    expect(grouped).toEqual([
      { _id: 'a', total: 15 },
      { _id: 'b', total: 7 },
    ]);
    const joined = await db
      .collection<any>('orders')
      .aggregate([
        { $match: { _id: 3 } },
        { $lookup: { from: 'custs', localField: 'cust', foreignField: '_id', as: 'c' } },
      ])
      .toArray();
    expect(joined[0].c).toEqual([{ _id: 'b', name: 'Bob' }]);
    await db
      .collection<any>('orders')
      .aggregate([{ $match: { cust: 'a' } }, { $out: 'a_orders' }])
      .toArray();
    expect(await db.collection<any>('a_orders').countDocuments()).toBe(2);
    expect(await db.collection<any>('orders').countDocuments({ amount: { $gt: 6 } })).toBe(2);
    expect((await db.collection<any>('orders').distinct('cust')).sort()).toEqual(['a', 'b']);
    expect(await db.command({ count: 'orders', query: { cust: 'a' } })).toMatchObject({ n: 2 });
    await expect(db.command({ aggregate: 'orders', pipeline: [] })).rejects.toMatchObject({ code: 9 });
    const fam = await db
      .collection<any>('orders')
      .findOneAndUpdate(
        { cust: 'b' },
        { $inc: { amount: 1 } },
        { returnDocument: 'after', includeResultMetadata: true },
      );
    expect(fam).toMatchObject({ value: { _id: 3, amount: 8 }, lastErrorObject: { n: 1, updatedExisting: true } });
    const removed = await db.collection<any>('orders').findOneAndDelete({ _id: 1 });
    expect(removed).toMatchObject({ _id: 1 });
    const upserted = await db
      .collection<any>('orders')
      .findOneAndUpdate(
        { _id: 9 },
        { $set: { cust: 'z' } },
        { upsert: true, returnDocument: 'after', includeResultMetadata: true },
      );
    expect(upserted).toMatchObject({
      value: { _id: 9, cust: 'z' },
      lastErrorObject: { n: 1, updatedExisting: false, upserted: 9 },
    });
    // countDocuments on a missing collection (mongosh does this on admin.atlascli at connect).
    expect(
      await client
        .db('admin')
        .collection<any>('atlascli')
        .countDocuments({ managedClusterType: 'atlasCliLocalDevCluster' }),
    ).toBe(0);
  });
});

describe('bulkWrite (8.0 command)', () => {
  it('runs MongoClient.bulkWrite across namespaces with per-operation results', async () => {
    const r = await client.bulkWrite<any>(
      [
        { name: 'insertOne', namespace: 'bw.a', document: { _id: 1, v: 1 } },
        { name: 'insertOne', namespace: 'bw.b', document: { _id: 'x' } },
        { name: 'updateOne', namespace: 'bw.a', filter: { _id: 1 }, update: { $inc: { v: 1 } } },
        { name: 'updateOne', namespace: 'bw.a', filter: { _id: 2 }, update: { $set: { v: 9 } }, upsert: true },
        { name: 'deleteOne', namespace: 'bw.b', filter: { _id: 'x' } },
      ],
      { verboseResults: true },
    );
    expect(r).toMatchObject({ insertedCount: 2, matchedCount: 1, modifiedCount: 1, upsertedCount: 1, deletedCount: 1 });
    expect(r.updateResults?.get(3)).toMatchObject({ upsertedId: 2 });
    expect(await client.db('bw').collection<any>('a').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 2 },
      { _id: 2, v: 9 },
    ]);
    const failed = await client
      .bulkWrite<any>([
        { name: 'insertOne', namespace: 'bw.a', document: { _id: 1 } },
        { name: 'insertOne', namespace: 'bw.a', document: { _id: 3 } },
      ])
      .catch((e: unknown) => e);
    expect((failed as { writeErrors: Map<number, { code: number }> }).writeErrors.get(0)).toMatchObject({
      code: 11000,
    });
    expect(await client.db('bw').collection<any>('a').countDocuments({ _id: 3 })).toBe(0);
  });
});

describe('TTL and explain', () => {
  it('expires documents through a TTL index', async () => {
    const c = client.db('ttl').collection<any>('sessions');
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 1 });
    await c.insertMany([
      { _id: 'old', at: new Date(Date.now() - 60_000) },
      { _id: 'new', at: new Date(Date.now() + 3_600_000) },
      { _id: 'nodate', at: 'x' },
    ]);
    await pollUntil(async () => (await c.countDocuments({ _id: 'old' })) === 0, {
      what: 'the TTL monitor to delete the expired document',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect((await c.find({}).toArray()).map((d) => d._id).sort()).toEqual(['new', 'nodate']);
    const idx = await c.listIndexes().toArray();
    expect(idx[1]).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 1 });
  });

  it('explains queries with an honest plan', async () => {
    const c = client.db('ttl').collection<any>('sessions');
    const byId = await c.find({ _id: 'new' }).explain('executionStats');
    expect(byId.queryPlanner.winningPlan.stage).toBe('IDHACK');
    expect(byId.executionStats.nReturned).toBe(1);
    const scan = await c.find({ at: { $type: 'string' } }).explain('executionStats');
    expect(scan.queryPlanner).toMatchObject({ namespace: 'ttl.sessions', winningPlan: { stage: 'COLLSCAN' } });
    expect(scan.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 2 });
    const none = await client.db('ttl').collection('missing').find({}).explain();
    expect(none.queryPlanner.winningPlan.stage).toBe('EOF');
  });
});

describe('catalog', () => {
  it('creates, lists, renames and drops collections and databases', async () => {
    const db = client.db('cat');
    await db.createCollection('plain');
    await db.createCollection('capped', { capped: true, size: 4096, max: 3 });
    await expect(db.createCollection('plain', { capped: true, size: 8192 })).rejects.toMatchObject({
      code: 48,
      message: 'Collection cat.plain already exists.',
    });
    const infos = await db.listCollections().toArray();
    const plain = infos.find((i) => i.name === 'plain')!;
    expect(plain).toMatchObject({
      type: 'collection',
      options: {},
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    });
    expect(
      (await db.listCollections({}, { nameOnly: true }).toArray()).every(
        (i) => Object.keys(i).sort().join() === 'name,type',
      ),
    ).toBe(true);
    const capped = db.collection<any>('capped');
    for (let i = 0; i < 5; i++) await capped.insertOne({ i });
    expect((await capped.find().toArray()).map((d) => d.i)).toEqual([2, 3, 4]);
    await client.db('admin').command({ renameCollection: 'cat.plain', to: 'cat.renamed' });
    expect((await db.listCollections().toArray()).map((i) => i.name).sort()).toEqual(['capped', 'renamed']);
    expect(await db.command({ drop: 'renamed' })).toMatchObject({ nIndexesWas: 1, ns: 'cat.renamed' });
    // From 7.0 dropping a missing collection is not an error.
    expect(await db.command({ drop: 'renamed' })).toMatchObject({ ok: 1 });
    const dbs = await client.db('admin').command({ listDatabases: 1 });
    expect(dbs.databases.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining(['admin', 'local', 'cat']),
    );
    expect(dbs.databases.find((d: { name: string }) => d.name === 'cat')).toMatchObject({
      sizeOnDisk: expect.any(Number),
      empty: false,
    });
    expect(dbs.totalSize).toEqual(expect.any(Number));
    expect(await db.command({ dropDatabase: 1 })).toMatchObject({ dropped: 'cat' });
    expect(await db.command({ dropDatabase: 1 })).toEqual({ ok: 1 });
    await expect(db.collection<any>('gone').listIndexes().toArray()).rejects.toMatchObject({
      code: 26,
      message: 'ns does not exist: cat.gone',
    });
    await expect(db.command({ listDatabases: 1 })).rejects.toMatchObject({ code: 13 });
  });

  it('supports views and validators', async () => {
    const db = client.db('views');
    await db.collection<any>('src').insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    await db.createCollection('big', { viewOn: 'src', pipeline: [{ $match: { a: { $gte: 2 } } }] });
    expect(await db.collection<any>('big').countDocuments()).toBe(2);
    expect((await db.listCollections({ name: 'big' }).toArray())[0]).toMatchObject({ type: 'view' });
    await db.createCollection('checked', { validator: { n: { $type: 'number' } } });
    await expect(db.collection<any>('checked').insertOne({ n: 'x' })).rejects.toMatchObject({ code: 121 });
    await db.collection<any>('checked').insertOne({ n: 1 });
  });
});

describe('admin and info commands', () => {
  it('answers what mongosh, MMS and mongodb-runner ask at connect', async () => {
    const admin = client.db('admin');
    const bi = await admin.command({ buildInfo: 1 });
    expect(bi).toMatchObject({
      version: '8.0.4',
      versionArray: [8, 0, 4, 0],
      bits: 64,
      modules: [],
      storageEngines: ['devnull', 'wiredTiger'],
    });
    expect(bi.ferretdb).toBeUndefined();
    expect(await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 })).toMatchObject({
      featureCompatibilityVersion: { version: '8.0' },
    });
    const bad = await admin.command({ getParameter: 'foo' }).catch((e: MongoServerError) => e);
    expect(bad).toMatchObject({ code: 72, message: 'no option found to get' });
    expect((bad as Error).message).not.toContain('documentdb_api');
    await expect(admin.command({ atlasVersion: 1 })).rejects.toMatchObject({ code: 59 });
    const all = await admin.command({ getParameter: '*' });
    expect(all.logicalSessionTimeoutMinutes).toBe(30);
    const details = await admin.command({ getParameter: { showDetails: true }, cursorTimeoutMillis: 1 });
    expect(details.cursorTimeoutMillis).toMatchObject({ settableAtRuntime: true, settableAtStartup: true });
    expect(await admin.command({ setParameter: 1, cursorTimeoutMillis: 120000 })).toMatchObject({ was: 600000 });
    await expect(admin.command({ setParameter: 1, nonsense: 1 })).rejects.toMatchObject({ code: 72 });
    await expect(admin.command({ setParameter: 1, logicalSessionTimeoutMinutes: 5 })).rejects.toMatchObject({
      code: 72,
    });
    const ss = await admin.command({ serverStatus: 1 });
    expect(ss).toMatchObject({
      process: 'mongod',
      version: '8.0.4',
      storageEngine: { name: 'wiredTiger', persistent: true },
    });
    expect(ss.connections.current).toBeGreaterThan(0);
    expect(ss.repl).toBeUndefined();
    expect(await admin.command({ connectionStatus: 1 })).toMatchObject({
      authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
    });
    expect((await admin.command({ whatsmyuri: 1 })).you).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await admin.command({ _isSelf: 1 })).id).toBeDefined();
    expect((await admin.command({ hostInfo: 1 })).system.hostname).toContain(':');
    expect((await admin.command({ listCommands: 1 })).commands.find).toBeDefined();
    expect(await admin.command({ ping: 1 })).toEqual({ ok: 1 });
  });

  it("gives a standalone's answers to replica-set features", async () => {
    const admin = client.db('admin');
    await expect(admin.command({ replSetGetStatus: 1 })).rejects.toMatchObject({
      code: 76,
      message: 'not running with --replSet',
    });
    await expect(admin.command({ replSetInitiate: {} })).rejects.toMatchObject({
      code: 76,
      message: 'server is not running with --replSet',
    });
    await expect(
      client.db('t').command({
        insert: 'c',
        documents: [{}],
        txnNumber: Long.fromNumber(1),
        lsid: { id: new (await import('bson')).UUID() },
      }),
    ).rejects.toMatchObject({
      code: 20,
      message: 'Transaction numbers are only allowed on a replica set member or mongos',
    });
    const hello = await admin.command({ hello: 1 });
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.setName).toBeUndefined();
    expect(hello.$clusterTime).toBeUndefined();
  });

  it('accepts sessions (lsid) and endSessions; refuses transactions clearly', async () => {
    const s = client.startSession();
    await client.db('sess').collection<any>('c').insertOne({ x: 1 }, { session: s });
    await s.endSession();
    expect(await client.db('admin').command({ endSessions: [{ id: new (await import('bson')).UUID() }] })).toEqual({
      ok: 1,
    });
    const t = client.startSession();
    const e = await t
      .withTransaction(async () => {
        await client.db('sess').collection<any>('c').insertOne({ y: 1 }, { session: t });
      })
      .catch((x: unknown) => x);
    await t.endSession();
    // The driver rewrites code 20 "Transaction numbers are only allowed..." into its retryWrites hint.
    expect(e).toBeInstanceOf(MongoServerError);
    expect((e as Error).message).toContain('does not support retryable writes');
    expect((e as { errorResponse: { originalError?: { code: number } } }).errorResponse.originalError?.code ?? 20).toBe(
      20,
    );
  });
});
