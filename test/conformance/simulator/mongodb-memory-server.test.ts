// mongodb-memory-server-core pointed at fixtures/bin/mongod as its system binary (no download):
// MongoMemoryServer and MongoMemoryReplSet (count 3) start, serve a driver insert and stop cleanly.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoMemoryReplSet, MongoMemoryServer } from 'mongodb-memory-server-core';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, MONGOD_BIN, removeDir } from '../../helpers/simulator.js';

let dir: string;

beforeAll(() => {
  dir = makeTempDir();
  // Never download: the system binary is the simulator, and a download would fail anyway.
  process.env.MONGOMS_SYSTEM_BINARY = MONGOD_BIN;
  process.env.MONGOMS_DISABLE_POSTINSTALL = '1';
});

afterAll(async () => {
  delete process.env.MONGOMS_SYSTEM_BINARY;
  delete process.env.MONGOMS_DISABLE_POSTINSTALL;
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('mongodb-memory-server-core', () => {
  it('runs a MongoMemoryServer on the simulator and stops it cleanly', async () => {
    const dbPath = join(dir, 'single');
    mkdirSync(dbPath);
    const server = await MongoMemoryServer.create({
      binary: { systemBinary: MONGOD_BIN },
      instance: { dbPath, ip: '127.0.0.1' },
    });
    const port = Number(new URL(server.getUri()).port);
    const c = new MongoClient(server.getUri());
    await c.db('mms').collection('c').insertOne({ hello: 'mms' });
    expect(await c.db('mms').collection('c').countDocuments()).toBe(1);
    await c.close();
    expect(await server.stop({ doCleanup: false })).toBe(true);
    expect(server.state).toBe('stopped');
    await expectNoProcesses(dbPath);
    // mongod's own cleanup on a clean stop: empty lock file, unix socket removed.
    expect(existsSync(`/tmp/mongodb-${port}.sock`)).toBe(false);
  });

  it('runs a three-member MongoMemoryReplSet, serves a majority insert and stops cleanly', async () => {
    const paths = [0, 1, 2].map((i) => join(dir, `rs${i}`));
    for (const p of paths) mkdirSync(p);
    const rs = await MongoMemoryReplSet.create({
      binary: { systemBinary: MONGOD_BIN },
      replSet: { count: 3 },
      instanceOpts: paths.map((dbPath) => ({ dbPath })),
    });
    expect(rs.state).toBe('running');
    const c = new MongoClient(rs.getUri());
    await c
      .db('mms')
      .collection('rs')
      .insertOne({ hello: 'replset' }, { writeConcern: { w: 'majority' } });
    const hello = await c.db('admin').command({ hello: 1 });
    expect(hello.setName).toBe('testset');
    expect(hello.hosts).toHaveLength(3);
    await c.close();
    expect(await rs.stop({ doCleanup: false })).toBe(true);
    expect(rs.state).toBe('stopped');
    for (const p of paths) await expectNoProcesses(p);
  });
});
