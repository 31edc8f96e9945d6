// A replica set of simulated mongods sharing a key file: members authenticate to each other as
// __system (SCRAM-SHA-256), the driver authenticates through ?replicaSet=, $clusterTime carries a
// real HMAC-SHA1 signature from admin.system.keys and forged ones are refused, and a member started
// with a different key file never becomes healthy in the set.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Binary, Long, MongoClient, Timestamp, type Document } from 'mongodb';
import { pollUntil } from '../../../src/common/async.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, startSet, type SimNode, type SimSet } from '../../helpers/simulator.js';
import { rawCommand } from '../../helpers/wire.js';

let dir: string;
let key: string;
let set: SimSet;
let outsider: SimNode | undefined;
const clients: MongoClient[] = [];

function rootClient(uri: string): MongoClient {
  const c = new MongoClient(uri, { auth: { username: 'root', password: 'r00t' }, authSource: 'admin' });
  clients.push(c);
  return c;
}

async function primary(): Promise<SimNode> {
  return set.nodes[await set.waitForPrimary(30_000)];
}

beforeAll(async () => {
  dir = makeTempDir('mt-authrs-');
  key = join(dir, 'keyfile');
  writeFileSync(key, 'c2hhcmVkIHJlcGxpY2Egc2V0IGtleQ==\n', { mode: 0o600 });
  set = await startSet({ dir, members: 3, args: ['--keyFile', key] });
  // The first user, through the localhost exception on the primary.
  await (await primary()).command({ createUser: 'root', pwd: 'r00t', roles: ['root'] });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await set?.killAll();
  if (outsider) {
    outsider.kill('SIGKILL');
    await outsider.exited;
  }
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('a replica set with a shared key file', () => {
  it('forms: members authenticate to each other as __system and see each other healthy', async () => {
    const status = await rootClient((await primary()).uri)
      .db('admin')
      .command({ replSetGetStatus: 1 });
    expect(status.members.map((m: Document) => m.health)).toEqual([1, 1, 1]);
    expect(status.members.map((m: Document) => m.stateStr).sort()).toEqual(['PRIMARY', 'SECONDARY', 'SECONDARY']);
    for (const n of set.nodes) {
      expect(
        n.lines.some(
          (l) => l.id === 20250 && l.attr?.principalName === '__system' && l.attr?.authenticationDatabase === 'local',
        ),
      ).toBe(true);
    }
  });

  it('authenticates the driver through ?replicaSet= and replicates users and data', async () => {
    const c = rootClient(`${set.uri}&serverSelectionTimeoutMS=20000`);
    await c
      .db('app')
      .collection('docs')
      .insertOne({ _id: 'a' } as Document, { writeConcern: { w: 'majority' } });
    await c.db('app').command({ createUser: 'reader', pwd: 'r3ad', roles: ['read'], writeConcern: { w: 'majority' } });
    // The user exists on every member, so a secondary authenticates it too.
    const secondary = set.nodes[(await set.hellos()).findIndex((h) => h?.secondary === true)];
    const reader = new MongoClient(`mongodb://reader:r3ad@${secondary.host}/?directConnection=true&authSource=app`);
    clients.push(reader);
    expect(
      await reader.db('app').collection('docs').find({}, { readPreference: 'secondaryPreferred' }).toArray(),
    ).toEqual([{ _id: 'a' }]);
    const denied = await reader
      .db('app')
      .collection('docs')
      .insertOne({ _id: 'b' } as Document)
      .catch((e: unknown) => e);
    // Authorization comes before the replica-set state check: a read user gets Unauthorized, not "not primary".
    expect(denied).toMatchObject({ code: 13 });
  });

  it('signs $clusterTime with an HMAC key from admin.system.keys and refuses forged ones', async () => {
    const p = await primary();
    const c = rootClient(p.uri);
    const signed = await pollUntil(
      async () => {
        const r = await c.db('admin').command({ ping: 1 });
        return r.$clusterTime && !(r.$clusterTime.signature.keyId as Long).isZero() ? r.$clusterTime : undefined;
      },
      { what: 'a signed $clusterTime', timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(Buffer.from((signed.signature.hash as Binary).buffer).equals(Buffer.alloc(20))).toBe(false);
    // root may not read admin.system.keys (no built-in role but __system may); the internal user may.
    expect(
      await c
        .db('admin')
        .collection('system.keys')
        .findOne({})
        .catch((e: { code?: number }) => e.code),
    ).toBe(13);
    const internal = new MongoClient(p.uri, {
      auth: { username: '__system', password: 'c2hhcmVkIHJlcGxpY2Egc2V0IGtleQ==' },
      authSource: 'local',
    });
    clients.push(internal);
    const keys = await internal.db('admin').collection('system.keys').find().toArray();
    expect(keys.map((k) => k.purpose)).toEqual(['HMAC', 'HMAC']);
    expect(keys.map((k) => String(k._id))).toContain(String(signed.signature.keyId));

    // A client may gossip back what it was given...
    await expect(rawCommand(p.port, { hello: 1, $db: 'admin', $clusterTime: signed })).resolves.toMatchObject({
      ok: 1,
    });
    // ...but not a newer time it signed itself.
    const future = new Timestamp({ t: (signed.clusterTime as Timestamp).t + 1000, i: 1 });
    const unsigned = await rawCommand(p.port, {
      hello: 1,
      $db: 'admin',
      $clusterTime: {
        clusterTime: future,
        signature: { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromNumber(0) },
      },
    });
    expect(unsigned).toMatchObject({ ok: 0, code: 211, codeName: 'KeyNotFound' });
    const forged = await rawCommand(p.port, {
      hello: 1,
      $db: 'admin',
      $clusterTime: { clusterTime: future, signature: { hash: signed.signature.hash, keyId: signed.signature.keyId } },
    });
    expect(forged).toMatchObject({ ok: 0, code: 204, codeName: 'TimeProofMismatch', errmsg: 'Time proof mismatch' });
  });

  it('never admits a member started with a different key file', async () => {
    const otherKey = join(dir, 'other-keyfile');
    writeFileSync(otherKey, 'YSBkaWZmZXJlbnQga2V5\n', { mode: 0o600 });
    outsider = await startNode({ dir: join(dir, 'outsider'), replSet: set.name, args: ['--keyFile', otherKey] });
    const p = await primary();
    const c = rootClient(p.uri);
    const { config } = await c.db('admin').command({ replSetGetConfig: 1 });
    config.version += 1;
    config.members.push({ _id: 3, host: outsider.host, priority: 0, votes: 0 });
    await c.db('admin').command({ replSetReconfig: config });

    const entry = async () => {
      const s = await c.db('admin').command({ replSetGetStatus: 1 });
      return s.members.find((m: Document) => m._id === 3) as Document;
    };
    await pollUntil(async () => (await entry()).lastHeartbeatMessage === 'Authentication failed.', {
      what: 'the outsider to be reported with an authentication error',
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    // It stays out: several heartbeat intervals later it is still unhealthy and never learned the config.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const e = await entry();
      expect(e).toMatchObject({ health: 0, stateStr: '(not reachable/healthy)' });
      const hello = await outsider.command({ hello: 1 });
      expect(hello.setName).toBeUndefined();
      expect(hello.isWritablePrimary || hello.secondary).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
    }
    // The primary's heartbeats reach the outsider, whose own key refuses them.
    expect(outsider.lines.some((l) => l.id === 20249 && l.attr?.principalName === '__system')).toBe(true);
    // The set itself is unaffected.
    expect((await set.hellos()).filter((h) => h?.isWritablePrimary).length).toBe(1);
  });
});
