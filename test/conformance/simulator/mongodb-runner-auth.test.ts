// mongodb-runner with a key file and a user, against the simulator: it initiates the set through
// the localhost exception, creates its user through it (which closes it), and hands out a URI with
// credentials that the driver authenticates with.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError } from 'mongodb';
import { MongoCluster } from 'mongodb-runner';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir } from '../../helpers/simulator.js';

const BIN_DIR = resolve(import.meta.dirname, '../../../fixtures/bin');
let dir: string;

beforeAll(() => {
  dir = makeTempDir('mt-runner-auth-');
});

afterAll(async () => {
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('mongodb-runner with a key file', () => {
  it('starts an authenticated replica set whose URI carries working credentials', async () => {
    const key = join(dir, 'keyfile');
    writeFileSync(key, 'cnVubmVyIGtleWZpbGU=', { mode: 0o600 });
    const cluster = await MongoCluster.start({
      topology: 'replset',
      binDir: BIN_DIR,
      tmpDir: dir,
      secondaries: 2,
      arbiters: 0,
      args: ['--keyFile', key],
      users: [{ username: 'app', password: 'pw', roles: [{ role: 'root', db: 'admin' }] }],
    });
    const clients: MongoClient[] = [];
    try {
      const uri = cluster.connectionString;
      expect(uri).toMatch(/^mongodb:\/\/app:pw@/);
      const c = new MongoClient(uri);
      clients.push(c);
      await c
        .db('runner')
        .collection('c')
        .insertOne({ auth: true }, { writeConcern: { w: 'majority' } });
      expect((await c.db('admin').command({ connectionStatus: 1 })).authInfo.authenticatedUsers).toEqual([
        { user: 'app', db: 'admin' },
      ]);
      const anonymous = new MongoClient(uri.replace('app:pw@', ''));
      clients.push(anonymous);
      const e = await anonymous
        .db('runner')
        .collection('c')
        .findOne({})
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(MongoServerError);
      expect(e).toMatchObject({ code: 13, message: 'Command find requires authentication' });
    } finally {
      await Promise.all(clients.map((x) => x.close()));
      await cluster.close();
    }
  });
});
