// A sharded cluster with a key file, through the simulated mongos: the localhost exception applies on
// the router while the config servers hold no user, the first user created through it lives on the
// config server set (and closes the exception), the right password works, a wrong one gets
// AuthenticationFailed, unauthenticated and unprivileged operations get Unauthorized, the router
// signs $clusterTime with the config servers' keys and refuses forged times, and processes with a
// different key file are kept out (a router never starts serving, a set cannot be added as a shard).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Binary, Long, MongoClient, MongoServerError, Timestamp, type Document } from 'mongodb';
import { pollUntil } from '../../../src/common/async.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import {
  makeTempDir,
  removeDir,
  SimNode,
  startSet,
  startShardedCluster,
  type SimCluster,
  type SimSet,
} from '../../helpers/simulator.js';
import { rawCommand } from '../../helpers/wire.js';

const KEY = 'c2hhcmRlZCBjbHVzdGVyIGtleQ==';
let dir: string;
let key: string;
let otherKey: string;
let cluster: SimCluster;
const extraSets: SimSet[] = [];
const extraNodes: SimNode[] = [];
const opened: MongoClient[] = [];

function client(uri: string, auth?: { username: string; password: string; authSource?: string }): MongoClient {
  const c = new MongoClient(uri, {
    serverSelectionTimeoutMS: 20_000,
    ...(auth
      ? { auth: { username: auth.username, password: auth.password }, authSource: auth.authSource ?? 'admin' }
      : {}),
  });
  opened.push(c);
  return c;
}

const root = (uri = cluster.uri) => client(uri, { username: 'root', password: 'r00t' });
/** A shard or config member reached directly as the internal user (shards hold no users here). */
const internal = (node: SimNode) => client(node.uri, { username: '__system', password: KEY, authSource: 'local' });

async function failure(p: Promise<unknown>): Promise<MongoServerError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(MongoServerError);
  return e as MongoServerError;
}

beforeAll(async () => {
  dir = makeTempDir('mt-shauth-');
  key = join(dir, 'keyfile');
  writeFileSync(key, `${KEY}\n`, { mode: 0o600 });
  otherKey = join(dir, 'other-keyfile');
  writeFileSync(otherKey, 'YW5vdGhlciBjbHVzdGVyIGtleQ==\n', { mode: 0o600 });
  // addShard runs through the router's localhost exception: no user exists anywhere yet, and the
  // config server reaches the shards as __system with the key file.
  cluster = await startShardedCluster({ dir, keyFile: key });
});

afterAll(async () => {
  for (const c of opened) await c.close();
  await cluster?.killAll();
  for (const s of extraSets) await s.killAll();
  for (const n of extraNodes) {
    n.kill('SIGKILL');
    await n.exited;
  }
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('a sharded cluster with a key file, through mongos', () => {
  it('applies the localhost exception on the router until the first user exists on the config servers', async () => {
    const anonymous = client(cluster.uri);
    // No user yet: a localhost client may only bootstrap (addShard already ran this way) and create
    // the first user; anything else is refused.
    const early = await failure(anonymous.db('admin').command({ listShards: 1 }));
    expect(early.code).toBe(13);
    expect(early.message).toMatch(/^not authorized on admin to execute command \{ listShards: 1/);

    await anonymous.db('admin').command({
      createUser: 'root',
      pwd: 'r00t',
      roles: [{ role: 'root', db: 'admin' }],
      writeConcern: { w: 'majority' },
    });

    // The user lives on the config server set, not on the shards.
    const cfgPrimary = cluster.config.nodes[await cluster.config.waitForPrimary(20_000)];
    const onConfig = await root(cfgPrimary.uri).db('admin').command({ usersInfo: 1 });
    expect(onConfig.users.map((u: Document) => `${u.user}@${u.db}`)).toEqual(['root@admin']);
    for (const s of cluster.shards) {
      expect((await internal(s.nodes[0]).db('admin').command({ usersInfo: 1 })).users).toEqual([]);
    }
    const { shards } = await root().db('admin').command({ listShards: 1 });
    expect(shards.map((s: Document) => s._id)).toEqual(['sh0', 'sh1']);

    // The exception is closed on the router now.
    const find = await failure(anonymous.db('app').collection('c').findOne({}));
    expect(find).toMatchObject({ code: 13, codeName: 'Unauthorized', message: 'Command find requires authentication' });
    const insert = await failure(anonymous.db('app').collection('c').insertOne({ x: 1 }));
    expect(insert).toMatchObject({ code: 13, message: 'Command insert requires authentication' });
    // A second createUser is no longer possible without authenticating.
    const again = await failure(anonymous.db('admin').command({ createUser: 'x', pwd: 'y', roles: [] }));
    expect(again.code).toBe(13);
  });

  it('authenticates the right password through the router and refuses a wrong one with AuthenticationFailed', async () => {
    const c = root();
    const status = await c.db('admin').command({ connectionStatus: 1 });
    expect(status.authInfo.authenticatedUsers).toEqual([{ user: 'root', db: 'admin' }]);

    // Sharded data flows through the authenticated router to both shards (mongos → shard as __system).
    await c.db('admin').command({ shardCollection: 'app.items', key: { n: 'hashed' } });
    const docs = Array.from({ length: 200 }, (_, n) => ({ n }));
    await c
      .db('app')
      .collection('items')
      .insertMany(docs, { writeConcern: { w: 'majority' } });
    expect(await c.db('app').collection('items').countDocuments()).toBe(200);
    const perShard = await Promise.all(
      cluster.shards.map(async (s) => (await internal(s.nodes[0]).db('app').command({ count: 'items' })).n as number),
    );
    expect(perShard.every((n) => n > 0)).toBe(true);
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(200);

    const wrong = client(cluster.uri, { username: 'root', password: 'not-the-password' });
    const e = await wrong
      .db('admin')
      .command({ ping: 1 })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 18, codeName: 'AuthenticationFailed', message: 'Authentication failed.' });

    const nobody = client(cluster.uri, { username: 'nobody', password: 'x' });
    const e2 = await nobody
      .db('admin')
      .command({ ping: 1 })
      .catch((x: unknown) => x);
    expect(e2).toMatchObject({ code: 18 });
  });

  it('limits a user to its privileges through the router', async () => {
    await root()
      .db('app')
      .command({
        createUser: 'app',
        pwd: 'app-pw',
        roles: [{ role: 'readWrite', db: 'app' }],
        writeConcern: { w: 'majority' },
      });
    await root().db('other').collection('c').insertOne({ secret: true });
    const app = client(cluster.uri, { username: 'app', password: 'app-pw', authSource: 'app' });
    expect(
      await app
        .db('app')
        .collection('items')
        .countDocuments({ n: { $lt: 10 } }),
    ).toBe(10);
    const denied = await failure(app.db('other').collection('c').insertOne({ x: 1 }));
    expect(denied.code).toBe(13);
    expect(denied.message).toMatch(/^not authorized on other to execute command \{ insert: "c"/);
    const shardDenied = await failure(app.db('admin').command({ addShard: 'x/127.0.0.1:1' }));
    expect(shardDenied.code).toBe(13);
    // listDatabases without the cluster privilege shows only the user's databases.
    const { databases } = await app
      .db('admin')
      .command({ listDatabases: 1, nameOnly: true, authorizedDatabases: true });
    expect(databases.map((d: Document) => d.name)).toEqual(['app']);
    // A second router sees the same users: they live on the config servers.
    const r2 = await cluster.addRouter();
    const viaR2 = client(`mongodb://${r2.host}/`, { username: 'app', password: 'app-pw', authSource: 'app' });
    expect(await viaR2.db('app').collection('items').countDocuments()).toBe(200);
  });

  it("signs $clusterTime with the config servers' keys and refuses a forged one", async () => {
    const c = root();
    const signed = await pollUntil(
      async () => {
        const r = await c.db('admin').command({ ping: 1 });
        return r.$clusterTime && !(r.$clusterTime.signature.keyId as Long).isZero() ? r.$clusterTime : undefined;
      },
      { what: 'a signed $clusterTime from mongos', timeoutMs: 20_000, intervalMs: 100 },
    );
    const cfgPrimary = cluster.config.nodes[await cluster.config.waitForPrimary(20_000)];
    const keys = await internal(cfgPrimary).db('admin').collection('system.keys').find().toArray();
    expect(keys.map((k) => String(k._id))).toContain(String(signed.signature.keyId));

    const router = cluster.routers[0];
    await expect(rawCommand(router.port, { hello: 1, $db: 'admin', $clusterTime: signed })).resolves.toMatchObject({
      ok: 1,
      msg: 'isdbgrid',
    });
    const future = new Timestamp({ t: (signed.clusterTime as Timestamp).t + 1000, i: 1 });
    const unsigned = await rawCommand(router.port, {
      hello: 1,
      $db: 'admin',
      $clusterTime: {
        clusterTime: future,
        signature: { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromNumber(0) },
      },
    });
    expect(unsigned).toMatchObject({ ok: 0, code: 211, codeName: 'KeyNotFound' });
    const forged = await rawCommand(router.port, {
      hello: 1,
      $db: 'admin',
      $clusterTime: { clusterTime: future, signature: signed.signature },
    });
    expect(forged).toMatchObject({ ok: 0, code: 204, codeName: 'TimeProofMismatch', errmsg: 'Time proof mismatch' });
  });

  it('keeps out a router started with a different key file: it never loads the cluster settings', async () => {
    const rogue = new SimNode({
      dir: join(dir, 'rogue-mongos'),
      binary: 'mongos',
      args: ['--configdb', cluster.config.connectionString, '--keyFile', otherKey],
    });
    extraNodes.push(rogue);
    const warnings = await pollUntil(
      () => {
        const w = rogue.lines.filter((l) => l.id === 23834);
        return w.length >= 2 ? w : undefined;
      },
      { what: 'two "Error loading global settings" warnings from the rogue router', timeoutMs: 30_000 },
    );
    expect(warnings[0].attr!.error).toMatchObject({
      code: 18,
      codeName: 'AuthenticationFailed',
      errmsg: 'Error loading clusterID :: caused by :: Authentication failed.',
    });
    expect(rogue.lines.some((l) => l.id === 23016)).toBe(false);
  });

  it('refuses to add a replica set started with a different key file', async () => {
    const stranger = await startSet({
      dir: join(dir, 'stranger'),
      name: 'stranger',
      shardsvr: true,
      members: 1,
      args: ['--keyFile', otherKey],
    });
    extraSets.push(stranger);
    const e = await failure(root().db('admin').command({ addShard: stranger.connectionString }));
    expect(e.code).toBe(18);
    expect(e.message).toMatch(
      /^failed to run command \{ hello: 1 \} when attempting to add shard stranger\/127\.0\.0\.1:\d+ :: caused by :: Authentication failed\.$/,
    );
    const { shards } = await root().db('admin').command({ listShards: 1 });
    expect(shards).toHaveLength(2);
  });
});
