// Shard management through the simulated mongos: addShard (every validation, with mongod's codes and
// messages), listShards, removeShard's states, enableSharding, shardCollection (range and hashed,
// index requirements), balancer commands, zones, split, getShardMap, flushRouterConfig, isdbgrid, and
// the config metadata those commands leave on the config server set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, type Document } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import {
  makeTempDir,
  removeDir,
  startSet,
  startShardedCluster,
  type SimCluster,
  type SimSet,
} from '../../helpers/simulator.js';

let dir: string;
let cluster: SimCluster;
const extra: SimSet[] = [];
let client: MongoClient;
const opened: MongoClient[] = [];

/** A client that afterAll closes. */
function track(c: MongoClient): MongoClient {
  opened.push(c);
  return c;
}

beforeAll(async () => {
  dir = makeTempDir();
  // Host selection gives up after 2 s (instead of 15 s) so the unreachable-set cases stay quick.
  const fast = ['--setParameter', 'defaultFindReplicaSetHostTimeoutMS=2000'];
  cluster = await startShardedCluster({ dir, shards: 2, addShards: false, args: fast, mongosArgs: fast });
  client = cluster.client();
});

afterAll(async () => {
  await client?.close();
  for (const c of opened) await c.close();
  await cluster?.killAll();
  await Promise.all(extra.map((s) => s.killAll()));
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

async function admin(cmd: Document): Promise<Document> {
  return client.db('admin').command(cmd);
}

async function failure(cmd: Document): Promise<MongoServerError> {
  try {
    await admin(cmd);
  } catch (e) {
    if (e instanceof MongoServerError) return e;
    throw e;
  }
  throw new Error(`${JSON.stringify(cmd)} succeeded`);
}

describe('addShard', () => {
  it('adds a shard from "set/host" and stores the full member list', async () => {
    const s = cluster.shards[0];
    const r = await admin({ addShard: `${s.name}/${s.hosts[0]}` });
    expect(r.shardAdded).toBe('sh0');
    const { shards } = await admin({ listShards: 1 });
    expect(shards).toHaveLength(1);
    expect(shards[0]).toMatchObject({ _id: 'sh0', host: s.connectionString, state: 1 });
    expect(shards[0].topologyTime._bsontype).toBe('Timestamp');
    // Adding the same shard again is a no-op success.
    expect((await admin({ addShard: s.connectionString })).shardAdded).toBe('sh0');
  });

  it('installs the shardIdentity document and raises the shard to the cluster FCV', async () => {
    const shardNode = cluster.shards[0].nodes[0];
    const id = await shardNode
      .client()
      .db('admin')
      .collection('system.version')
      .findOne({ _id: 'shardIdentity' as any });
    const version = await client.db('config').collection('version').findOne({});
    expect(id).toMatchObject({ shardName: 'sh0', configsvrConnectionString: cluster.config.connectionString });
    expect(id!.clusterId.toHexString()).toBe(version!.clusterId.toHexString());
    const fcv = await shardNode.command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(fcv.featureCompatibilityVersion.version).toBe('8.0');
    const notYet = await cluster.shards[1].nodes[0].command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(notYet.featureCompatibilityVersion.version).toBe('7.0');
  });

  it('cannot find a primary for a set name that does not match the members', async () => {
    // The monitor drops members reporting another set name, so no primary is ever found.
    const e = await failure({ addShard: `wrong/${cluster.shards[1].hosts[0]}` });
    expect(e.code).toBe(133);
    expect(e.message).toBe('Could not find host matching read preference { mode: "primary" } for set wrong');
  });

  it('refuses a host given without the set name', async () => {
    const e = await failure({ addShard: cluster.shards[1].hosts[0] });
    expect(e.code).toBe(96);
    expect(e.message).toBe('host is part of set sh1; use replica set url format <setname>/<server1>,<server2>, ...');
  });

  it('refuses the config server set', async () => {
    const e = await failure({ addShard: cluster.config.connectionString });
    expect(e.code).toBe(96);
    expect(e.message).toBe(`Cannot add ${cluster.config.connectionString} as a shard since it is a config server`);
  });

  it('refuses a mongos', async () => {
    const e = await failure({ addShard: cluster.routers[0].host });
    expect(e.code).toBe(20);
    expect(e.message).toBe('cannot add a mongos as a shard');
  });

  it('refuses an unreachable host', async () => {
    const e = await failure({ addShard: '127.0.0.1:1' });
    expect(e.code).toBe(6);
    expect(e.message).toContain(
      'when attempting to add shard 127.0.0.1:1 :: caused by :: Error connecting to 127.0.0.1:1',
    );
  });

  it('refuses a replica set that was not started with --shardsvr', async () => {
    const plain = await startSet({ dir: `${dir}/plain`, name: 'plain', members: 1 });
    extra.push(plain);
    const e = await failure({ addShard: plain.connectionString });
    expect(e.code).toBe(50876);
    expect(e.message).toBe('Cannot run addShard on a node started without --shardsvr');
  });

  it('refuses a seed host that is not a member of the set', async () => {
    const s = cluster.shards[1];
    const e = await failure({ addShard: `${s.name}/${s.hosts[0]},${cluster.routers[0].host}` });
    expect(e.code).toBe(96);
    expect(e.message).toContain(
      `in seed list ${s.name}/${s.hosts[0]},${cluster.routers[0].host}, host ${cluster.routers[0].host} does not belong to replica set sh1; found {`,
    );
  });

  it('refuses a duplicate name and a second shard for the same set', async () => {
    let e = await failure({ addShard: cluster.shards[1].connectionString, name: 'sh0' });
    expect(e.code).toBe(20);
    expect(e.message).toBe('A shard named sh0 already exists');
    e = await failure({ addShard: cluster.shards[0].connectionString, name: 'other' });
    expect(e.code).toBe(20);
    expect(e.message).toBe("A shard already exists containing the replica set 'sh0'");
  });

  it('refuses a shard holding a database the cluster already has', async () => {
    await client.db('clash').collection('c').insertOne({ a: 1 });
    await track(cluster.shards[1].client()).db('clash').collection('c').insertOne({ b: 1 });
    const e = await failure({ addShard: cluster.shards[1].connectionString });
    expect(e.code).toBe(96);
    expect(e.message).toBe(
      `can't add shard '${cluster.shards[1].connectionString}' because a local database 'clash' exists in another sh0`,
    );
    await track(cluster.shards[1].client()).db('clash').dropDatabase();
    expect((await admin({ addShard: cluster.shards[1].connectionString })).shardAdded).toBe('sh1');
  });
});

describe('catalog commands', () => {
  it('lists shards, maps them and answers isdbgrid', async () => {
    const map = await admin({ getShardMap: 1 });
    expect(map.map).toMatchObject({
      sh0: cluster.shards[0].connectionString,
      sh1: cluster.shards[1].connectionString,
      config: cluster.config.connectionString,
    });
    expect(map.hosts[cluster.shards[1].hosts[0]]).toBe('sh1');
    expect(map.connStrings[cluster.shards[0].connectionString]).toBe('sh0');
    const grid = await admin({ isdbgrid: 1 });
    expect(grid).toMatchObject({ isdbgrid: 1, ok: 1 });
    expect(typeof grid.hostname).toBe('string');
    expect(await admin({ flushRouterConfig: 1 })).toMatchObject({ flushed: true, ok: 1 });
  });

  it('keeps config.version with the cluster id', async () => {
    const docs = await client.db('config').collection('version').find({}).toArray();
    expect(docs).toHaveLength(1);
    expect(docs[0]._id).toBe(1);
    expect(docs[0].clusterId._bsontype).toBe('ObjectId');
  });

  it('enableSharding creates the database entry with a primary shard and a version', async () => {
    await admin({ enableSharding: 'app', primaryShard: 'sh1' });
    const db = await client
      .db('config')
      .collection('databases')
      .findOne({ _id: 'app' as any });
    expect(db).toMatchObject({ _id: 'app', primary: 'sh1', version: { lastMod: 1 } });
    expect(db!.version.uuid._bsontype).toBe('Binary');
    expect(db!.version.timestamp._bsontype).toBe('Timestamp');
  });

  it('shards a collection by range: one chunk on the primary shard', async () => {
    expect(await admin({ shardCollection: 'app.range', key: { k: 1 } })).toMatchObject({
      collectionsharded: 'app.range',
      ok: 1,
    });
    const coll = await client
      .db('config')
      .collection('collections')
      .findOne({ _id: 'app.range' as any });
    expect(coll).toMatchObject({ _id: 'app.range', key: { k: 1 }, unique: false, noBalance: false });
    for (const f of ['lastmodEpoch', 'lastmod', 'timestamp', 'uuid']) expect(coll).toHaveProperty(f);
    const chunks = await client.db('config').collection('chunks').find({ uuid: coll!.uuid }).toArray();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ shard: 'sh1', min: { k: expect.anything() }, max: { k: expect.anything() } });
    expect(chunks[0].min.k._bsontype).toBe('MinKey');
    expect(chunks[0].max.k._bsontype).toBe('MaxKey');
    expect(chunks[0].history).toEqual([{ validAfter: coll!.timestamp, shard: 'sh1' }]);
    // The collection exists on the primary shard with its shard-key index and the catalog's UUID.
    const onShard = await track(cluster.shards[1].client()).db('app').listCollections({ name: 'range' }).toArray();
    expect((onShard[0] as Document).info.uuid.toHexString()).toBe(coll!.uuid.toHexString());
    const idx = await track(cluster.shards[1].client()).db('app').collection('range').indexes();
    expect(idx.map((i) => i.name)).toContain('k_1');
  });

  it('shards a collection by a hashed key: one chunk per shard, split at 0', async () => {
    await admin({ shardCollection: 'app.hashed', key: { h: 'hashed' } });
    const coll = await client
      .db('config')
      .collection('collections')
      .findOne({ _id: 'app.hashed' as any });
    const chunks = await client.db('config').collection('chunks').find({ uuid: coll!.uuid }).sort({ min: 1 }).toArray();
    expect(chunks.map((c) => c.shard).sort()).toEqual(['sh0', 'sh1']);
    expect(chunks[0].max.h.toString()).toBe('0');
    expect(chunks[1].min.h.toString()).toBe('0');
    expect(chunks.map((c) => c.lastmod.toString())).toEqual(['4294967296', '4294967297']);
  });

  it('refuses sharding a non-empty collection without an index on the key, and a changed key', async () => {
    await client.db('app').collection('full').insertOne({ f: 1 });
    let e = await failure({ shardCollection: 'app.full', key: { f: 1 } });
    expect(e.code).toBe(72);
    expect(e.message).toBe(
      'Please create an index that starts with the proposed shard key before sharding the collection',
    );
    await client.db('app').collection('full').createIndex({ f: 1 });
    await admin({ shardCollection: 'app.full', key: { f: 1 } });
    e = await failure({ shardCollection: 'app.full', key: { g: 1 } });
    expect(e.code).toBe(23);
    e = await failure({ shardCollection: 'app.bad', key: { f: -1 } });
    expect(e.code).toBe(2);
    expect(e.message).toContain('Unsupported shard key pattern');
  });

  it('turns the balancer off and on', async () => {
    expect(await admin({ balancerStatus: 1 })).toMatchObject({ mode: 'full', inBalancerRound: false, ok: 1 });
    await admin({ balancerStop: 1 });
    expect(await admin({ balancerStatus: 1 })).toMatchObject({ mode: 'off' });
    expect(
      await client
        .db('config')
        .collection('settings')
        .findOne({ _id: 'balancer' as any }),
    ).toMatchObject({ mode: 'off', stopped: true });
    await admin({ balancerStart: 1 });
    expect(await admin({ balancerStatus: 1 })).toMatchObject({ mode: 'full' });
  });

  it('creates chunks from zone ranges when sharding an empty collection', async () => {
    await admin({ addShardToZone: 'sh0', zone: 'low' });
    await admin({ addShardToZone: 'sh1', zone: 'high' });
    await admin({ updateZoneKeyRange: 'app.zoned', min: { z: 0 }, max: { z: 100 }, zone: 'low' });
    await admin({ updateZoneKeyRange: 'app.zoned', min: { z: 100 }, max: { z: 200 }, zone: 'high' });
    await admin({ shardCollection: 'app.zoned', key: { z: 1 } });
    const coll = await client
      .db('config')
      .collection('collections')
      .findOne({ _id: 'app.zoned' as any });
    const chunks = await client.db('config').collection('chunks').find({ uuid: coll!.uuid }).sort({ min: 1 }).toArray();
    expect(chunks.map((c) => [c.min.z._bsontype ?? c.min.z, c.shard])).toEqual([
      ['MinKey', 'sh1'],
      [0, 'sh0'],
      [100, 'sh1'],
      [200, 'sh1'],
    ]);
    const { shards } = await admin({ listShards: 1 });
    expect(shards.find((s: Document) => s._id === 'sh0').tags).toEqual(['low']);
  });

  it('splits a chunk at a middle key', async () => {
    await admin({ split: 'app.range', middle: { k: 50 } });
    const coll = await client
      .db('config')
      .collection('collections')
      .findOne({ _id: 'app.range' as any });
    const chunks = await client.db('config').collection('chunks').find({ uuid: coll!.uuid }).sort({ min: 1 }).toArray();
    expect(chunks).toHaveLength(2);
    expect(chunks[0].max).toEqual({ k: 50 });
    expect(chunks[1].min).toEqual({ k: 50 });
  });
});

describe('removeShard', () => {
  it('starts draining, reports ongoing while the shard owns data, and completes for an empty shard', async () => {
    // sh1 is the primary of "app" and owns chunks: it can only drain.
    let r = await admin({ removeShard: 'sh1' });
    expect(r).toMatchObject({
      msg: 'draining started successfully',
      state: 'started',
      shard: 'sh1',
      note: 'you need to drop or movePrimary these databases',
    });
    expect(r.dbsToMove).toContain('app');
    const { shards } = await admin({ listShards: 1 });
    expect(shards.find((s: Document) => s._id === 'sh1').draining).toBe(true);
    r = await admin({ removeShard: 'sh1' });
    expect(r).toMatchObject({ msg: 'draining ongoing', state: 'ongoing' });
    expect(Number(r.remaining.chunks)).toBeGreaterThan(0);
    expect(Number(r.remaining.dbs)).toBe(1);
    // The last non-draining shard cannot go.
    const e = await failure({ removeShard: 'sh0' });
    expect(e.code).toBe(20);
    expect(e.message).toBe('Operation not allowed because it would remove the last shard');
    expect((await failure({ removeShard: 'nope' })).code).toBe(70);
  });

  it('removes a shard that owns nothing', async () => {
    const spare = await startSet({ dir: `${dir}/spare`, name: 'spare', shardsvr: true, members: 1 });
    extra.push(spare);
    await admin({ addShard: spare.connectionString });
    expect((await admin({ removeShard: 'spare' })).state).toBe('started');
    expect(await admin({ removeShard: 'spare' })).toMatchObject({
      msg: 'removeshard completed successfully',
      state: 'completed',
      shard: 'spare',
    });
    const { shards } = await admin({ listShards: 1 });
    expect(shards.map((s: Document) => s._id)).not.toContain('spare');
  });
});
