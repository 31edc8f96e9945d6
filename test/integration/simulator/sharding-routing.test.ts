// Routing through the simulated mongos: unsharded collections on their database's primary shard,
// sharded ones by chunk (targeted when the filter pins the shard key, else every shard — observed
// with explain and with each shard's opcounters), router cursors across shards (sort, skip, limit,
// batches, getMore, killCursors), writes with and without the shard key, aggregation merged on the
// router, index and catalog commands, retryable writes, and a second router with stale routing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Long, MongoClient, MongoServerError, type Document } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startShardedCluster, type SimCluster } from '../../helpers/simulator.js';

let dir: string;
let cluster: SimCluster;
let client: MongoClient;
const shardClients: MongoClient[] = [];

beforeAll(async () => {
  dir = makeTempDir();
  cluster = await startShardedCluster({ dir, shards: 2 });
  client = cluster.client();
  for (const s of cluster.shards) shardClients.push(s.client());
  await client.db('admin').command({ enableSharding: 'r', primaryShard: 'sh0' });
  await client.db('admin').command({ shardCollection: 'r.h', key: { x: 'hashed' } });
  await client
    .db('r')
    .collection<any>('h')
    .insertMany(
      Array.from({ length: 1000 }, (_, i) => ({ _id: i, x: i, y: i % 10 })),
      { ordered: false },
    );
});

afterAll(async () => {
  await client?.close();
  for (const c of shardClients) await c.close();
  await cluster?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

async function onShard(i: number, coll: string, db = 'r'): Promise<number> {
  return shardClients[i].db(db).collection(coll).countDocuments();
}

async function queries(i: number): Promise<number> {
  const s = await shardClients[i].db('admin').command({ serverStatus: 1 });
  return Number(s.opcounters.query);
}

describe('placement', () => {
  it('keeps an unsharded collection on its database primary shard', async () => {
    await client
      .db('r')
      .collection('plain')
      .insertMany([{ a: 1 }, { a: 2 }]);
    expect(await onShard(0, 'plain')).toBe(2);
    expect(await onShard(1, 'plain')).toBe(0);
    expect(await client.db('r').collection('plain').countDocuments()).toBe(2);
  });

  it('gives a new database a primary shard when it is first written', async () => {
    await client.db('fresh').collection('c').insertOne({ a: 1 });
    const entry = await client
      .db('config')
      .collection('databases')
      .findOne({ _id: 'fresh' as any });
    expect(['sh0', 'sh1']).toContain(entry!.primary);
    const i = entry!.primary === 'sh0' ? 0 : 1;
    expect(await onShard(i, 'c', 'fresh')).toBe(1);
  });

  it('spreads a hashed collection over both shards, each document on the shard owning its chunk', async () => {
    const a = await onShard(0, 'h');
    const b = await onShard(1, 'h');
    expect(a + b).toBe(1000);
    expect(a).toBeGreaterThan(300);
    expect(b).toBeGreaterThan(300);
    expect(await client.db('r').collection<any>('h').countDocuments()).toBe(1000);
    expect(await client.db('r').collection<any>('h').estimatedDocumentCount()).toBe(1000);
  });
});

describe('targeting', () => {
  it('sends an equality on the hashed key to one shard and other filters to both', async () => {
    const one = await client.db('r').collection<any>('h').find({ x: 7 }).explain('queryPlanner');
    expect(one.queryPlanner.winningPlan.stage).toBe('SINGLE_SHARD');
    expect(one.queryPlanner.winningPlan.shards).toHaveLength(1);
    const all = await client.db('r').collection<any>('h').find({ y: 7 }).explain('queryPlanner');
    expect(all.queryPlanner.winningPlan.stage).toBe('SHARD_MERGE');
    expect(all.queryPlanner.winningPlan.shards.map((s: Document) => s.shardName).sort()).toEqual(['sh0', 'sh1']);
  });

  it('reaches only the owning shard for a targeted find (shard opcounters)', async () => {
    const owner = (await client.db('r').collection<any>('h').find({ x: 7 }).explain('queryPlanner')).queryPlanner
      .winningPlan.shards[0].shardName as string;
    const i = owner === 'sh0' ? 0 : 1;
    const before = [await queries(0), await queries(1)];
    expect(await client.db('r').collection<any>('h').findOne({ x: 7 })).toMatchObject({ _id: 7 });
    const after = [await queries(0), await queries(1)];
    expect(after[i] - before[i]).toBe(1);
    expect(after[1 - i] - before[1 - i]).toBe(0);
  });

  it('targets one shard for a range query on a range-sharded key', async () => {
    await client.db('admin').command({ addShardToZone: 'sh0', zone: 'A' });
    await client.db('admin').command({ addShardToZone: 'sh1', zone: 'B' });
    await client.db('admin').command({ updateZoneKeyRange: 'r.range', min: { k: -1000 }, max: { k: 500 }, zone: 'A' });
    await client.db('admin').command({ updateZoneKeyRange: 'r.range', min: { k: 500 }, max: { k: 2000 }, zone: 'B' });
    await client.db('admin').command({ shardCollection: 'r.range', key: { k: 1 } });
    await client
      .db('r')
      .collection('range')
      .insertMany(Array.from({ length: 1000 }, (_, k) => ({ k })));
    expect(await onShard(0, 'range')).toBe(500);
    expect(await onShard(1, 'range')).toBe(500);
    const e = await client
      .db('r')
      .collection('range')
      .find({ k: { $gte: 10, $lt: 20 } })
      .explain('queryPlanner');
    expect(e.queryPlanner.winningPlan.stage).toBe('SINGLE_SHARD');
    expect(e.queryPlanner.winningPlan.shards[0].shardName).toBe('sh0');
    expect(
      await client
        .db('r')
        .collection('range')
        .countDocuments({ k: { $gte: 10, $lt: 20 } }),
    ).toBe(10);
    const spanning = await client
      .db('r')
      .collection('range')
      .find({ k: { $gte: 490, $lt: 510 } })
      .explain('queryPlanner');
    expect(spanning.queryPlanner.winningPlan.shards).toHaveLength(2);
  });
});

describe('router cursors', () => {
  it('merges sorted results from both shards with skip and limit', async () => {
    const docs = await client.db('r').collection<any>('h').find({}).sort({ x: -1 }).skip(10).limit(25).toArray();
    expect(docs.map((d) => d.x)).toEqual(Array.from({ length: 25 }, (_, i) => 989 - i));
  });

  it('serves batches through getMore and ends the cursor', async () => {
    const first = await client.db('r').command({ find: 'h', filter: {}, sort: { _id: 1 }, batchSize: 100 });
    expect(first.cursor.firstBatch).toHaveLength(100);
    expect(Number(first.cursor.id)).not.toBe(0);
    expect(first.cursor.ns).toBe('r.h');
    const seen = first.cursor.firstBatch.map((d: Document) => d._id);
    let id = first.cursor.id as Long;
    while (Number(id) !== 0) {
      const more = await client.db('r').command({ getMore: id, collection: 'h', batchSize: 300 });
      seen.push(...more.cursor.nextBatch.map((d: Document) => d._id));
      id = more.cursor.id;
    }
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('kills a cursor with killCursors and then reports it unknown', async () => {
    const first = await client.db('r').command({ find: 'h', filter: {}, batchSize: 5 });
    const id = first.cursor.id as Long;
    const killed = await client.db('r').command({ killCursors: 'h', cursors: [id] });
    expect(killed.cursorsKilled.map(String)).toEqual([String(id)]);
    await expect(client.db('r').command({ getMore: id, collection: 'h' })).rejects.toMatchObject({ code: 43 });
  });

  it('applies a projection after a merge sort', async () => {
    const docs = await client
      .db('r')
      .collection<any>('h')
      .find({ y: 3 }, { projection: { _id: 0, x: 1 } })
      .sort({ x: 1 })
      .limit(3)
      .toArray();
    expect(docs).toEqual([{ x: 3 }, { x: 13 }, { x: 23 }]);
  });
});

describe('writes', () => {
  it('updates and deletes by shard key on one shard, and many across shards', async () => {
    const c = client.db('r').collection('w');
    await client.db('admin').command({ shardCollection: 'r.w', key: { k: 'hashed' } });
    await c.insertMany(
      Array.from({ length: 100 }, (_, k) => ({ k, tag: k % 2 ? 'odd' : 'even' })),
      { ordered: false },
    );
    expect((await c.updateOne({ k: 5 }, { $set: { seen: true } })).modifiedCount).toBe(1);
    expect((await c.updateMany({ tag: 'odd' }, { $inc: { n: 1 } })).modifiedCount).toBe(50);
    expect((await c.deleteMany({ tag: 'even' })).deletedCount).toBe(50);
    expect(await c.countDocuments()).toBe(50);
  });

  it('updates and deletes one document without the shard key (7.1+ behaviour)', async () => {
    const c = client.db('r').collection('w');
    expect((await c.updateOne({ tag: 'odd' }, { $set: { picked: 1 } })).modifiedCount).toBe(1);
    expect(await c.countDocuments({ picked: 1 })).toBe(1);
    expect((await c.deleteOne({ picked: 1 })).deletedCount).toBe(1);
    const r = await c.findOneAndUpdate(
      { tag: 'odd' },
      { $set: { fam: 1 } },
      { sort: { k: 1 }, returnDocument: 'after' },
    );
    expect(r).toMatchObject({ k: 1, fam: 1 });
  });

  it('refuses an upsert that does not pin the shard key', async () => {
    const e = await client
      .db('r')
      .collection('w')
      .updateOne({ tag: 'none' }, { $set: { a: 1 } }, { upsert: true })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MongoServerError);
    expect((e as MongoServerError).code).toBe(61);
    expect((e as MongoServerError).message).toBe(
      'Failed to target upsert by query :: could not extract exact shard key',
    );
    const up = await client
      .db('r')
      .collection('w')
      .updateOne({ k: 1000 }, { $set: { a: 1 } }, { upsert: true });
    expect(up.upsertedCount).toBe(1);
  });

  it('stops an ordered insert at the first error, across shards', async () => {
    const c = client.db('r').collection<any>('h');
    const e = await c
      .insertMany([
        { _id: 2000, x: 2000 },
        { _id: 5, x: 5 },
        { _id: 2001, x: 2001 },
      ])
      .catch((x: unknown) => x);
    expect((e as MongoServerError).code).toBe(11000);
    expect(await c.countDocuments({ _id: { $in: [2000, 2001] } })).toBe(1);
  });

  it('applies a retryable insert once when it is resent with the same txnNumber', async () => {
    const session = client.startSession();
    try {
      const cmd = {
        insert: 'h',
        documents: [{ _id: 3000, x: 3000 }],
        lsid: session.id,
        txnNumber: Long.fromNumber(7),
      };
      const a = await client.db('r').command(cmd);
      const b = await client.db('r').command(cmd);
      expect(a.n).toBe(1);
      expect(b.n).toBe(1);
      expect(await client.db('r').collection<any>('h').countDocuments({ _id: 3000 })).toBe(1);
    } finally {
      await session.endSession();
    }
  });
});

describe('aggregation', () => {
  it('groups, sorts, limits and counts across shards', async () => {
    const c = client.db('r').collection<any>('h');
    const groups = await c
      .aggregate([{ $match: { x: { $lt: 1000 } } }, { $group: { _id: '$y', n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
      .toArray();
    expect(groups).toEqual(Array.from({ length: 10 }, (_, y) => ({ _id: y, n: 100 })));
    expect(await c.aggregate([{ $match: { y: 1 } }, { $count: 'n' }]).toArray()).toEqual([{ n: 100 }]);
    const top = await c.aggregate([{ $sort: { x: -1 } }, { $limit: 2 }, { $project: { _id: 0, x: 1 } }]).toArray();
    expect(top).toEqual([{ x: 3000 }, { x: 2000 }]);
    expect(await c.distinct('y', { x: { $lt: 1000 } })).toHaveLength(10);
  });

  it('looks up an unsharded collection from a sharded one', async () => {
    await client
      .db('r')
      .collection<any>('names')
      .insertMany([{ _id: 1, name: 'one' }]);
    const out = await client
      .db('r')
      .collection<any>('h')
      .aggregate([
        { $match: { x: 1 } },
        { $lookup: { from: 'names', localField: 'x', foreignField: '_id', as: 'n' } },
        { $project: { _id: 0, name: { $first: '$n.name' } } },
      ])
      .toArray();
    expect(out).toEqual([{ name: 'one' }]);
  });

  it('reports the data distribution of sharded collections', async () => {
    const dist = await client
      .db('admin')
      .aggregate([{ $shardedDataDistribution: {} }, { $match: { ns: 'r.h' } }])
      .toArray();
    expect(dist).toHaveLength(1);
    const owned = dist[0].shards.reduce((n: number, s: Document) => n + Number(s.numOwnedDocuments), 0);
    expect(owned).toBe(await client.db('r').collection<any>('h').countDocuments());
  });
});

describe('catalog', () => {
  it('creates indexes on every shard holding the collection and replies per shard', async () => {
    const r = await client.db('r').command({ createIndexes: 'h', indexes: [{ key: { y: 1 }, name: 'y_1' }] });
    expect(Object.keys(r.raw).sort()).toEqual(cluster.shards.map((s) => s.connectionString).sort());
    for (const v of Object.values<Document>(r.raw)) expect(v).toMatchObject({ numIndexesAfter: 3, ok: 1 });
    const names = (await client.db('r').collection<any>('h').indexes()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['_id_', 'x_hashed', 'y_1']));
    for (const c of shardClients)
      expect((await c.db('r').collection<any>('h').indexes()).map((i) => i.name)).toContain('y_1');
  });

  it('lists databases summed over the shards, and collections of a database', async () => {
    const { databases } = await client.db('admin').command({ listDatabases: 1 });
    const names = databases.map((d: Document) => d.name);
    expect(names).toEqual(expect.arrayContaining(['admin', 'config', 'r', 'fresh']));
    expect(names).not.toContain('local');
    const r = databases.find((d: Document) => d.name === 'r');
    expect(Object.keys(r.shards).sort()).toEqual(['sh0', 'sh1']);
    const colls = (await client.db('r').listCollections().toArray()).map((c) => c.name);
    expect(colls).toEqual(expect.arrayContaining(['h', 'plain', 'range', 'w']));
  });

  it('drops a sharded collection everywhere with its metadata, and a database', async () => {
    await client.db('r').collection('w').drop();
    expect(
      await client
        .db('config')
        .collection('collections')
        .findOne({ _id: 'r.w' as any }),
    ).toBeNull();
    for (const c of shardClients) expect(await c.db('r').listCollections({ name: 'w' }).toArray()).toEqual([]);
    await client.db('fresh').dropDatabase();
    expect(
      await client
        .db('config')
        .collection('databases')
        .findOne({ _id: 'fresh' as any }),
    ).toBeNull();
  });
});

describe('stale routing', () => {
  it('a second router that cached a collection as unsharded routes correctly after it is sharded elsewhere', async () => {
    const second = await cluster.addRouter();
    const other = new MongoClient(`mongodb://${second.host}/?serverSelectionTimeoutMS=20000`);
    try {
      // The second router learns r.late as unsharded (it does not exist yet) ...
      expect(await other.db('r').collection('late').findOne({})).toBeNull();
      // ... then the first one shards it, spreading its chunks over both shards.
      await client.db('admin').command({ shardCollection: 'r.late', key: { k: 'hashed' } });
      await other
        .db('r')
        .collection('late')
        .insertMany(
          Array.from({ length: 200 }, (_, k) => ({ k })),
          { ordered: false },
        );
      expect(await other.db('r').collection('late').countDocuments()).toBe(200);
      // The shard refused the stale routing, so the documents follow the chunks, not the primary shard.
      const byShard = [await onShard(0, 'late'), await onShard(1, 'late')];
      expect(byShard[0] + byShard[1]).toBe(200);
      expect(byShard[1]).toBeGreaterThan(50);
      const explained = await other.db('r').collection('late').find({ k: 42 }).explain('executionStats');
      expect(explained.queryPlanner.winningPlan.shards).toHaveLength(1);
      expect(explained.executionStats.nReturned).toBe(1);
    } finally {
      await other.close();
    }
  });
});
