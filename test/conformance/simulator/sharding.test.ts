// Third-party clients against a simulated sharded cluster: mongodb-runner starts `--topology sharded`
// with 2 shards from binDir fixtures/bin (its programmatic MongoCluster API, as its CLI uses it); the
// driver, through the URI the runner hands out, sees both shards in listShards, inserts 10,000
// documents into a hashed-sharded collection that land on both shards (checked on each shard
// directly), counts them through mongos, and a range query on a range-sharded key reaches one shard;
// mongosh prints sh.status() against the router.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import { MongoCluster } from 'mongodb-runner';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { runMongosh, type MongoshResult } from '../../helpers/mongosh.js';
import { makeTempDir, removeDir } from '../../helpers/simulator.js';

const BIN_DIR = resolve(import.meta.dirname, '../../../fixtures/bin');
let dir: string;
let cluster: MongoCluster | undefined;
let client: MongoClient;

beforeAll(async () => {
  dir = makeTempDir();
  cluster = await MongoCluster.start({
    topology: 'sharded',
    binDir: BIN_DIR,
    tmpDir: dir,
    shards: 2,
    secondaries: 0,
  });
  client = new MongoClient(cluster.connectionString, { serverSelectionTimeoutMS: 20_000 });
}, 120_000);

afterAll(async () => {
  await client?.close();
  await cluster?.close();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

function mongosh(uri: string, script: string): Promise<MongoshResult> {
  return runMongosh(dir, [uri, '--eval', script]);
}

describe('mongodb-runner --topology sharded', () => {
  it('hands out a mongos URI whose cluster has 2 shards', async () => {
    expect(cluster!.serverVersion).toBe('8.0.4');
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello.msg).toBe('isdbgrid');
    const { shards } = await client.db('admin').command({ listShards: 1 });
    expect(shards).toHaveLength(2);
    for (const s of shards) expect(s.host).toMatch(/^replSet-[0-9a-f-]+\/127\.0\.0\.1:\d+$/);
  });

  it('puts 10,000 documents of a hashed-sharded collection on both shards and counts them through mongos', async () => {
    await client.db('admin').command({ shardCollection: 'load.items', key: { n: 'hashed' } });
    const docs = Array.from({ length: 10_000 }, (_, n) => ({ n, label: `item ${n}` }));
    const res = await client.db('load').collection('items').insertMany(docs, { ordered: false });
    expect(res.insertedCount).toBe(10_000);
    expect(await client.db('load').collection('items').countDocuments()).toBe(10_000);
    const { shards } = await client.db('admin').command({ listShards: 1 });
    const perShard: number[] = [];
    for (const s of shards as Document[]) {
      const host = String(s.host).split('/')[1];
      const direct = new MongoClient(`mongodb://${host}/?directConnection=true`);
      try {
        perShard.push(await direct.db('load').collection('items').countDocuments());
      } finally {
        await direct.close();
      }
    }
    expect(perShard.every((n) => n > 3000)).toBe(true);
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('targets one shard for a range query on the shard key', async () => {
    const admin = client.db('admin');
    const { shards } = await admin.command({ listShards: 1 });
    const [a, b] = (shards as Document[]).map((s) => String(s._id));
    await admin.command({ addShardToZone: a, zone: 'low' });
    await admin.command({ addShardToZone: b, zone: 'high' });
    await admin.command({ updateZoneKeyRange: 'load.ranged', min: { k: 0 }, max: { k: 5000 }, zone: 'low' });
    await admin.command({ updateZoneKeyRange: 'load.ranged', min: { k: 5000 }, max: { k: 10_000 }, zone: 'high' });
    await admin.command({ shardCollection: 'load.ranged', key: { k: 1 } });
    await client
      .db('load')
      .collection('ranged')
      .insertMany(
        Array.from({ length: 1000 }, (_, i) => ({ k: i * 10 })),
        { ordered: false },
      );
    const explained = await client
      .db('load')
      .collection('ranged')
      .find({ k: { $gte: 100, $lt: 300 } })
      .explain('executionStats');
    expect(explained.queryPlanner.winningPlan.stage).toBe('SINGLE_SHARD');
    expect(explained.queryPlanner.winningPlan.shards.map((s: Document) => s.shardName)).toEqual([a]);
    expect(explained.executionStats.nReturned).toBe(20);
  });

  it('lets mongosh print sh.status() against the router', async () => {
    const r = await mongosh(cluster!.connectionString, 'sh.status()');
    if (process.env.SHOW_SH_STATUS) console.log(r.stdout);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('shardingVersion');
    expect(r.stdout).toMatch(/clusterId: ObjectId\('[0-9a-f]{24}'\)/);
    expect(r.stdout).toContain("active mongoses\n[ { '8.0.4': 1 } ]");
    // mongosh fills the balancer section asynchronously, so its key order varies.
    const balancer = r.stdout.slice(r.stdout.indexOf('balancer\n{'));
    expect(balancer).toContain("'Currently enabled': 'yes'");
    expect(balancer).toContain("'Currently running': 'no'");
    expect(r.stdout).toContain("'load.items': {\n        shardKey: { n: 'hashed' }");
    expect(r.stdout).toMatch(
      /chunkMetadata: \[\s*\{\s*shard: 'replSet-[^']+',\s*nChunks: 1\s*\},\s*\{\s*shard: 'replSet-[^']+',\s*nChunks: 1\s*\}\s*\]/,
    );
    expect(r.stdout).toMatch(
      /\{ min: \{ n: MinKey\(\) \}, max: \{ n: 0 \}, 'on shard': 'replSet-[^']+', 'last modified': Timestamp\(\{ t: 1, i: 0 \}\) \}/,
    );
    const shardLines = r.stdout.match(/host: 'replSet-[0-9a-f-]+\/127\.0\.0\.1:\d+'/g) ?? [];
    expect(shardLines).toHaveLength(2);
  });
});
