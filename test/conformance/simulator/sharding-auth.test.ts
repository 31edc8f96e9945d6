// mongodb-runner's sharded cluster with a key file and a user, against the simulator: it creates the
// user on every shard set through their localhost exception, adds the shards through the router's
// localhost exception (the config servers reach the shards as __system with the key file), creates
// the user through the router (stored on the config servers), then re-probes every process — the
// config server set included — with those credentials. The URI it hands out works through mongos;
// without credentials the router refuses.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, type Document } from 'mongodb';
import { MongoCluster } from 'mongodb-runner';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir } from '../../helpers/simulator.js';

const BIN_DIR = resolve(import.meta.dirname, '../../../fixtures/bin');
let dir: string;

beforeAll(() => {
  dir = makeTempDir('mt-runner-shauth-');
});

afterAll(async () => {
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('mongodb-runner --topology sharded with a key file', () => {
  it('starts an authenticated sharded cluster whose mongos URI carries working credentials', async () => {
    const key = join(dir, 'keyfile');
    writeFileSync(key, 'c2hhcmRlZCBydW5uZXIga2V5', { mode: 0o600 });
    const cluster = await MongoCluster.start({
      topology: 'sharded',
      binDir: BIN_DIR,
      tmpDir: dir,
      shards: 2,
      secondaries: 0,
      args: ['--keyFile', key],
      users: [{ username: 'admin', password: 'pw', roles: [{ role: 'root', db: 'admin' }] }],
    });
    const clients: MongoClient[] = [];
    try {
      const uri = cluster.connectionString;
      expect(uri).toMatch(/^mongodb:\/\/admin:pw@/);
      const c = new MongoClient(uri);
      clients.push(c);
      expect((await c.db('admin').command({ hello: 1 })).msg).toBe('isdbgrid');
      const { shards } = await c.db('admin').command({ listShards: 1 });
      expect(shards).toHaveLength(2);
      await c.db('admin').command({ shardCollection: 'runner.items', key: { n: 'hashed' } });
      await c
        .db('runner')
        .collection('items')
        .insertMany(
          Array.from({ length: 100 }, (_, n) => ({ n })),
          { writeConcern: { w: 'majority' } },
        );
      expect(await c.db('runner').collection('items').countDocuments()).toBe(100);
      const dist = await c
        .db('admin')
        .aggregate([{ $shardedDataDistribution: {} }, { $match: { ns: 'runner.items' } }])
        .toArray();
      expect(dist[0].shards.map((s: Document) => s.numOwnedDocuments as number).every((n: number) => n > 0)).toBe(true);
      expect((await c.db('admin').command({ connectionStatus: 1 })).authInfo.authenticatedUsers).toEqual([
        { user: 'admin', db: 'admin' },
      ]);

      const anonymous = new MongoClient(uri.replace('admin:pw@', ''));
      clients.push(anonymous);
      const e = await anonymous
        .db('runner')
        .collection('items')
        .insertOne({ n: -1 })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MongoServerError);
      expect(e).toMatchObject({ code: 13, message: 'Command insert requires authentication' });
    } finally {
      await Promise.all(clients.map((x) => x.close()));
      await cluster.close();
    }
  }, 120_000);
});
