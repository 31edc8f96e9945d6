// mongodb-runner (its programmatic MongoCluster API, as the CLI uses it) with binDir fixtures/bin:
// it starts a replica set from the simulator (port from log 23016, local.mongodbrunner metadata,
// buildInfo, replSetInitiate, replSetGetStatus polling) and the driver uses the URI it returns.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoCluster } from 'mongodb-runner';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir } from '../../helpers/simulator.js';

const BIN_DIR = resolve(import.meta.dirname, '../../../fixtures/bin');
let dir: string;

beforeAll(() => {
  dir = makeTempDir();
});

afterAll(async () => {
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('mongodb-runner', () => {
  it('starts a replica set from --binDir fixtures/bin and hands the driver a working URI', async () => {
    const cluster = await MongoCluster.start({
      topology: 'replset',
      binDir: BIN_DIR,
      tmpDir: dir,
      secondaries: 2,
      arbiters: 0,
    });
    try {
      expect(cluster.serverVersion).toBe('8.0.4');
      const uri = cluster.connectionString;
      expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/\?replicaSet=replSet-/);
      const c = new MongoClient(uri);
      await c
        .db('runner')
        .collection('c')
        .insertOne({ via: 'mongodb-runner' }, { writeConcern: { w: 'majority' } });
      expect(await c.db('runner').collection('c').countDocuments()).toBe(1);
      const status = await c.db('admin').command({ replSetGetStatus: 1 });
      expect(status.members.map((m: { stateStr: string }) => m.stateStr).sort()).toEqual([
        'PRIMARY',
        'SECONDARY',
        'SECONDARY',
      ]);
      // The runner records itself in local.mongodbrunner on every member.
      const direct = new MongoClient(`mongodb://${status.members[0].name}/?directConnection=true`);
      expect(await direct.db('local').collection('mongodbrunner').countDocuments()).toBe(1);
      await direct.close();
      await c.close();
    } finally {
      await cluster.close();
    }
  });
});
