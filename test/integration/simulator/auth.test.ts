// Access control on a standalone simulated mongod started with a key file, through the official
// driver: the localhost exception, SCRAM-SHA-256 and SCRAM-SHA-1, AuthenticationFailed (18) and
// Unauthorized (13) with mongod's messages, built-in roles enforced (and re-read on every request),
// user management commands and the stored user documents, and users surviving a restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, UUID, type Document } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startNode, type SimNode } from '../../helpers/simulator.js';

let dir: string;
let keyFile: string;
let node: SimNode;
const clients: MongoClient[] = [];

function client(auth = '', extra = ''): MongoClient {
  const c = new MongoClient(
    `mongodb://${auth}${node.host}/?directConnection=true&serverSelectionTimeoutMS=15000${extra}`,
  );
  clients.push(c);
  return c;
}

function asRoot(extra = ''): MongoClient {
  return client('root:s3cret@', extra);
}

async function failure(p: Promise<unknown>): Promise<MongoServerError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(MongoServerError);
  return e as MongoServerError;
}

beforeAll(async () => {
  dir = makeTempDir('mt-auth-');
  keyFile = join(dir, 'keyfile');
  writeFileSync(keyFile, 'c2ltdWxhdGVkIGtleSBmaWxl\n', { mode: 0o600 });
  node = await startNode({ dir: join(dir, 'a'), args: ['--keyFile', keyFile] });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await node?.stop('SIGTERM');
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('with a key file and no users yet (localhost exception)', () => {
  it('logs no "Access control is not enabled" warning', () => {
    expect(node.lines.some((l) => l.id === 22120)).toBe(false);
  });

  it('allows only the first user in admin (and a few cluster commands), then closes', async () => {
    const c = client();
    const db = c.db('test');
    const ins = await failure(db.collection('c').insertOne({ a: 1 }));
    expect(ins.code).toBe(13);
    expect(ins.codeName).toBe('Unauthorized');
    expect(ins.message).toMatch(
      /^not authorized on test to execute command \{ insert: "c", documents: \[ \{ a: 1, _id: ObjectId\('[0-9a-f]{24}'\) \} \], ordered: true, lsid: \{ id: UUID\("[0-9a-f-]{36}"\) \}, \$db: "test" \}$/,
    );
    // A user outside admin, or with roles from another database, is beyond the exception.
    const other = await failure(c.db('app').command({ createUser: 'x', pwd: 'pw', roles: ['readWrite'] }));
    expect(other.message).toMatch(
      /^not authorized on app to execute command \{ createUser: "x", pwd: "xxx", roles: \[ "readWrite" \]/,
    );
    const crossDb = await failure(
      c.db('admin').command({ createUser: 'x', pwd: 'pw', roles: [{ role: 'readWrite', db: 'app' }] }),
    );
    expect(crossDb.code).toBe(13);
    // replSetGetStatus is among the exception's cluster privileges: it fails for another reason.
    expect((await failure(c.db('admin').command({ replSetGetStatus: 1 }))).code).toBe(76);
    expect((await failure(c.db('admin').command({ serverStatus: 1 }))).code).toBe(13);

    await expect(c.db('admin').command({ createUser: 'root', pwd: 's3cret', roles: ['root'] })).resolves.toMatchObject({
      ok: 1,
    });
    const after = await failure(db.collection('c').insertOne({ a: 1 }));
    expect(after.message).toBe('Command insert requires authentication');
    const second = await failure(c.db('admin').command({ createUser: 'y', pwd: 'pw', roles: ['root'] }));
    expect(second.message).toBe('Command createUser requires authentication');
    expect(node.lines.some((l) => l.id === 20248 && l.c === 'ACCESS')).toBe(true);
    const logged = node.lines.find(
      (l) => l.id === 20436 && l.attr?.error?.errmsg === 'Command insert requires authentication',
    );
    expect(logged).toMatchObject({ c: 'ACCESS', msg: 'Checking authorization failed' });
  });
});

describe('authentication', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1']) {
    it(`accepts the right password with ${mechanism}`, async () => {
      const c = asRoot(`&authMechanism=${mechanism}`);
      await c.db('test').collection('m').insertOne({ mechanism });
      expect(await c.db('test').collection('m').countDocuments({ mechanism })).toBe(1);
      const status = await c.db('admin').command({ connectionStatus: 1 });
      expect(status.authInfo).toEqual({
        authenticatedUsers: [{ user: 'root', db: 'admin' }],
        authenticatedUserRoles: [{ role: 'root', db: 'admin' }],
      });
      expect(
        node.lines.some((l) => l.id === 20250 && l.attr?.mechanism === mechanism && l.attr?.principalName === 'root'),
      ).toBe(true);
    });
  }

  it('negotiates the mechanism from saslSupportedMechs and authenticates speculatively in hello', async () => {
    const c = client();
    const hello = await c.db('admin').command({ hello: 1, saslSupportedMechs: 'admin.root' });
    expect(hello.saslSupportedMechs).toEqual(['SCRAM-SHA-1', 'SCRAM-SHA-256']);
    expect((await c.db('admin').command({ hello: 1, saslSupportedMechs: 'admin.nobody' })).saslSupportedMechs).toBe(
      undefined,
    );
    await asRoot().db('admin').command({ ping: 1 });
    expect(node.lines.some((l) => l.id === 20250 && l.attr?.speculative === true)).toBe(true);
  });

  it('rejects a wrong password with AuthenticationFailed (18)', async () => {
    const e = await failure(client('root:wrong@').db('test').collection('m').findOne({}));
    expect(e.code).toBe(18);
    expect(e.codeName).toBe('AuthenticationFailed');
    expect(e.message).toBe('Authentication failed.');
    const unknownUser = await failure(client('nobody:pw@').db('admin').command({ ping: 1 }));
    expect(unknownUser.code).toBe(18);
    expect(
      node.lines.some(
        (l) => l.id === 20249 && /^UserNotFound: Could not find user "nobody" for db "admin"$/.test(l.attr?.error),
      ),
    ).toBe(true);
  });

  it('answers the SASL protocol errors mongod gives', async () => {
    const db = client().db('admin');
    const noSession = await failure(db.command({ saslContinue: 1, conversationId: 1, payload: Buffer.from('c=biws') }));
    expect([noSession.code, noSession.message]).toEqual([17, 'No SASL session state found']);
    const unknown = await failure(db.command({ saslStart: 1, mechanism: 'PLAIN', payload: Buffer.from('x') }));
    expect([unknown.code, unknown.message]).toEqual([
      334,
      'Received authentication for mechanism PLAIN which is not enabled',
    ]);
    const x509 = await failure(db.command({ authenticate: 1, mechanism: 'MONGODB-X509' }));
    expect(x509.code).toBe(18);
  });

  it('leaves hello, ping, buildInfo and connectionStatus open; everything else needs a user', async () => {
    const db = client().db('admin');
    await expect(db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    await expect(db.command({ buildInfo: 1 })).resolves.toMatchObject({ ok: 1 });
    await expect(db.command({ connectionStatus: 1 })).resolves.toMatchObject({
      authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] },
    });
    for (const cmd of [{ listDatabases: 1 }, { serverStatus: 1 }, { getCmdLineOpts: 1 }, { usersInfo: 1 }]) {
      const e = await failure(db.command(cmd));
      expect([e.code, e.message]).toEqual([13, `Command ${Object.keys(cmd)[0]} requires authentication`]);
    }
    const insert = await failure(client().db('test').collection('c').insertOne({ a: 1 }));
    expect([insert.code, insert.message]).toEqual([13, 'Command insert requires authentication']);
  });
});

describe('roles', () => {
  it('lets a read user read but not write, and applies role changes to open connections', async () => {
    const root = asRoot();
    await root
      .db('app')
      .collection('docs')
      .insertOne({ _id: 1 } as Document);
    await root.db('app').command({ createUser: 'reader', pwd: 'r3ad', roles: ['read'] });
    const reader = client('reader:r3ad@', '&authSource=app');
    expect(await reader.db('app').collection('docs').find().toArray()).toEqual([{ _id: 1 }]);
    const e = await failure(
      reader
        .db('app')
        .collection('docs')
        .insertOne({ _id: 2 } as Document),
    );
    expect(e.code).toBe(13);
    expect(e.message).toMatch(
      /^not authorized on app to execute command \{ insert: "docs", documents: \[ \{ _id: 2 \} \]/,
    );
    expect((await failure(reader.db('other').collection('x').findOne({}))).code).toBe(13);

    await root.db('app').command({ grantRolesToUser: 'reader', roles: ['readWrite'] });
    await reader
      .db('app')
      .collection('docs')
      .insertOne({ _id: 2 } as Document);
    await root.db('app').command({ revokeRolesFromUser: 'reader', roles: ['readWrite'] });
    expect(
      (
        await failure(
          reader
            .db('app')
            .collection('docs')
            .insertOne({ _id: 3 } as Document),
        )
      ).code,
    ).toBe(13);

    // Only the reader's own database is listed; its collections are visible with authorizedCollections.
    const dbs = await reader.db('admin').command({ listDatabases: 1, nameOnly: true });
    expect(dbs.databases).toEqual([{ name: 'app' }]);
    expect(
      await reader.db('app').listCollections({}, { nameOnly: true, authorizedCollections: true }).toArray(),
    ).toEqual([{ name: 'docs', type: 'collection' }]);

    await root.db('app').command({ dropUser: 'reader' });
    const gone = await failure(reader.db('app').collection('docs').findOne({}));
    expect(gone.message).toBe('Command find requires authentication');
  });

  it('enforces cluster and user-admin roles', async () => {
    const root = asRoot();
    await root.db('admin').command({ createUser: 'monitor', pwd: 'm0n', roles: ['clusterMonitor'] });
    await root.db('admin').command({ createUser: 'ua', pwd: 'ua', roles: ['userAdminAnyDatabase'] });
    const monitor = client('monitor:m0n@');
    await expect(monitor.db('admin').command({ serverStatus: 1 })).resolves.toMatchObject({ ok: 1 });
    await expect(monitor.db('admin').command({ getCmdLineOpts: 1 })).resolves.toMatchObject({ ok: 1 });
    expect((await failure(monitor.db('admin').command({ setParameter: 1, logLevel: 1 }))).code).toBe(13);
    expect((await failure(monitor.db('x').collection('c').insertOne({}))).code).toBe(13);
    const ua = client('ua:ua@');
    await expect(ua.db('other').command({ createUser: 'o', pwd: 'o', roles: ['read'] })).resolves.toMatchObject({
      ok: 1,
    });
    expect((await failure(ua.db('other').collection('c').findOne({}))).code).toBe(13);
  });
});

describe('user management', () => {
  it('stores real-shaped user documents and reports them through usersInfo', async () => {
    const root = asRoot();
    const db = root.db('shop');
    await db.command({
      createUser: 'ann',
      pwd: 'pw1',
      roles: ['readWrite', { role: 'read', db: 'other' }],
      customData: { team: 'a' },
    });
    await db.command({ createUser: 'bob', pwd: 'pw2', roles: [], mechanisms: ['SCRAM-SHA-256'] });

    const stored = await root
      .db('admin')
      .collection('system.users')
      .findOne({ _id: 'shop.ann' } as Document);
    expect(Object.keys(stored!)).toEqual(['_id', 'userId', 'user', 'db', 'credentials', 'customData', 'roles']);
    expect(stored!.userId).toBeInstanceOf(UUID);
    expect(Object.keys(stored!.credentials)).toEqual(['SCRAM-SHA-1', 'SCRAM-SHA-256']);
    expect(stored!.credentials['SCRAM-SHA-1']).toMatchObject({ iterationCount: 10000 });
    expect(stored!.credentials['SCRAM-SHA-256']).toMatchObject({ iterationCount: 15000 });
    expect(Buffer.from(stored!.credentials['SCRAM-SHA-256'].salt, 'base64')).toHaveLength(28);
    expect(Buffer.from(stored!.credentials['SCRAM-SHA-256'].storedKey, 'base64')).toHaveLength(32);

    const one = await db.command({ usersInfo: 'ann' });
    expect(one.users).toHaveLength(1);
    expect(Object.keys(one.users[0])).toEqual(['_id', 'userId', 'user', 'db', 'customData', 'roles', 'mechanisms']);
    expect(one.users[0]).toMatchObject({
      _id: 'shop.ann',
      user: 'ann',
      db: 'shop',
      customData: { team: 'a' },
      roles: [
        { role: 'readWrite', db: 'shop' },
        { role: 'read', db: 'other' },
      ],
      mechanisms: ['SCRAM-SHA-1', 'SCRAM-SHA-256'],
    });
    const all = await db.command({ usersInfo: 1 });
    expect(all.users.map((u: Document) => u.user)).toEqual(['ann', 'bob']);
    expect(all.users[1].mechanisms).toEqual(['SCRAM-SHA-256']);
    const byDoc = await root
      .db('admin')
      .command({ usersInfo: [{ user: 'bob', db: 'shop' }, 'root'], showCredentials: true });
    expect(byDoc.users.map((u: Document) => u._id)).toEqual(['shop.bob', 'admin.root']);
    expect(Object.keys(byDoc.users[0].credentials)).toEqual(['SCRAM-SHA-256']);
    const privs = await db.command({ usersInfo: 'ann', showPrivileges: true });
    expect(privs.users[0].inheritedPrivileges).toContainEqual({
      resource: { db: 'other', collection: '' },
      actions: expect.arrayContaining(['find', 'listCollections']),
    });
    expect((await failure(db.command({ usersInfo: 1, showPrivileges: true }))).code).toBe(20);
    const forAll = await root.db('admin').command({ usersInfo: { forAllDBs: true } });
    expect(forAll.users.map((u: Document) => u._id)).toEqual(
      expect.arrayContaining(['shop.ann', 'shop.bob', 'admin.root']),
    );
  });

  it("rejects bad createUser calls with mongod's errors", async () => {
    const db = asRoot().db('shop');
    const dup = await failure(db.command({ createUser: 'ann', pwd: 'x', roles: [] }));
    expect([dup.code, dup.message]).toEqual([51003, 'User "ann@shop" already exists']);
    const role = await failure(db.command({ createUser: 'z', pwd: 'x', roles: ['root'] }));
    expect([role.code, role.message]).toEqual([31, 'Could not find role: root@shop']);
    const noPwd = await failure(db.command({ createUser: 'z', roles: [] }));
    expect(noPwd.message).toBe(
      "Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db",
    );
    expect((await failure(db.command({ createUser: 'z', pwd: 'x' }))).code).toBe(40414);
    expect((await failure(db.command({ createUser: 'z', pwd: 'x', roles: [], mechanisms: ['PLAIN'] }))).message).toBe(
      "Unknown auth mechanism 'PLAIN'",
    );
    expect((await failure(db.command({ createUser: 'z', pwd: '', roles: [] }))).code).toBe(50687);
    expect((await failure(asRoot().db('local').command({ createUser: 'z', pwd: 'x', roles: [] }))).message).toBe(
      'Cannot create users in the local database',
    );
  });

  it('changes passwords, drops users and answers rolesInfo', async () => {
    const root = asRoot();
    const db = root.db('shop');
    await db.command({ updateUser: 'bob', pwd: 'new-pw' });
    expect((await failure(client('bob:pw2@', '&authSource=shop').db('shop').command({ ping: 1 }))).code).toBe(18);
    const bob = client('bob:new-pw@', '&authSource=shop');
    await expect(bob.db('shop').command({ connectionStatus: 1 })).resolves.toMatchObject({
      authInfo: { authenticatedUsers: [{ user: 'bob', db: 'shop' }] },
    });
    const missing = await failure(db.command({ updateUser: 'nobody', pwd: 'x' }));
    expect([missing.code, missing.message]).toEqual([11, 'User nobody@shop not found']);
    expect((await failure(db.command({ updateUser: 'bob' }))).message).toBe(
      'Must specify at least one field to update in updateUser',
    );
    const dropMissing = await failure(db.command({ dropUser: 'nobody' }));
    expect([dropMissing.code, dropMissing.message]).toEqual([11, "User 'nobody@shop' not found"]);

    const roles = await db.command({ rolesInfo: 'read', showPrivileges: true });
    expect(roles.roles).toEqual([
      {
        role: 'read',
        db: 'shop',
        isBuiltin: true,
        roles: [],
        inheritedRoles: [],
        privileges: expect.any(Array),
        inheritedPrivileges: expect.any(Array),
      },
    ]);
    expect((await db.command({ rolesInfo: 'nosuchrole' })).roles).toEqual([]);

    const status = await root.db('admin').command({ connectionStatus: 1, showPrivileges: true });
    expect(status.authInfo.authenticatedUserPrivileges).toContainEqual({
      resource: { cluster: true },
      actions: expect.arrayContaining(['shutdown', 'serverStatus', 'replSetConfigure']),
    });

    expect(await db.command({ dropAllUsersFromDatabase: 1 })).toMatchObject({ n: 2, ok: 1 });
    expect((await db.command({ usersInfo: 1 })).users).toEqual([]);
    expect((await failure(bob.db('shop').command({ usersInfo: 'bob' }))).message).toBe(
      'Command usersInfo requires authentication',
    );
  });
});

describe('persistence', () => {
  it('keeps users across a restart', async () => {
    const port = node.port;
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await node.stop('SIGTERM');
    node = await startNode({ dir: join(dir, 'a'), port, args: ['--keyFile', keyFile] });
    await expect(asRoot().db('admin').command({ connectionStatus: 1 })).resolves.toMatchObject({
      authInfo: { authenticatedUsers: [{ user: 'root', db: 'admin' }] },
    });
    const e = await failure(client().db('test').collection('c').insertOne({ a: 1 }));
    expect(e.message).toBe('Command insert requires authentication');
  });
});
