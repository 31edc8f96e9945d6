// The user store a mongos uses: users kept on another server (the config server primary) and reached
// with ordinary commands over an internally authenticated member-to-member connection.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UUID } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';
import { WireClient } from '../../../fixtures/src/wire/client.js';
import { scramAuthenticate } from '../../../fixtures/src/auth/scram.js';
import { RemoteUserStore } from '../../../fixtures/src/auth/remote-user-store.js';
import type { CommandContext } from '../../../fixtures/src/server/types.js';

const KEY = 'cmVtb3RlIHVzZXIgc3RvcmUga2V5';
let dir: string;
let set: SimSet;
let conn: WireClient;
let store: RemoteUserStore;
// The store ignores the command context (its writes are commands of their own).
const ctx = {} as CommandContext;

beforeAll(async () => {
  dir = makeTempDir('mt-authremote-');
  const key = join(dir, 'keyfile');
  writeFileSync(key, KEY, { mode: 0o600 });
  set = await startSet({ dir, members: 1, args: ['--keyFile', key] });
  conn = await WireClient.open(set.nodes[0].host, 10_000);
  await scramAuthenticate((db, body) => conn.command(db, body, 10_000), {
    mechanism: 'SCRAM-SHA-256',
    user: '__system',
    db: 'local',
    password: KEY,
  });
  store = new RemoteUserStore((db, body) => conn.command(db, body, 30_000), { cacheTtlMs: 0 });
});

afterAll(async () => {
  conn?.close();
  await set?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

const user = (name: string, db: string) => ({
  _id: `${db}.${name}`,
  userId: new UUID(),
  user: name,
  db,
  credentials: {},
  roles: [{ role: 'read', db }],
});

describe('RemoteUserStore', () => {
  it('starts empty, so the localhost exception applies', async () => {
    expect(await store.hasAnyPrivilegeDocuments()).toBe(false);
    expect(await store.findUser({ user: 'ann', db: 'app' })).toBeUndefined();
  });

  it('inserts, finds, replaces and removes users on the remote server', async () => {
    await store.insertUser(ctx, user('ann', 'app'));
    await store.insertUser(ctx, user('bob', 'app'));
    await store.insertUser(ctx, user('cy', 'other'));
    expect(await store.hasAnyPrivilegeDocuments()).toBe(true);
    await expect(store.insertUser(ctx, user('ann', 'app'))).rejects.toMatchObject({
      code: 51003,
      message: 'User "ann@app" already exists',
    });
    expect((await store.findUser({ user: 'ann', db: 'app' }))?.roles).toEqual([{ role: 'read', db: 'app' }]);
    expect((await store.findUsers({ kind: 'db', db: 'app' })).map((d) => d.user)).toEqual(['ann', 'bob']);
    expect((await store.findUsers({ kind: 'all' })).map((d) => d._id)).toEqual(['app.ann', 'app.bob', 'other.cy']);
    expect(
      (
        await store.findUsers({
          kind: 'names',
          names: [
            { user: 'cy', db: 'other' },
            { user: 'zz', db: 'app' },
          ],
        })
      ).map((d) => d._id),
    ).toEqual(['other.cy']);
    expect(await store.replaceUser(ctx, { ...user('ann', 'app'), roles: [] })).toBe(true);
    expect((await store.findUser({ user: 'ann', db: 'app' }))?.roles).toEqual([]);
    expect(await store.replaceUser(ctx, user('nobody', 'app'))).toBe(false);
    expect(await store.removeUser(ctx, { user: 'cy', db: 'other' })).toBe(true);
    expect(await store.removeUser(ctx, { user: 'cy', db: 'other' })).toBe(false);
    expect(await store.removeUsersOfDatabase(ctx, 'app')).toBe(2);
    expect(await store.hasAnyPrivilegeDocuments()).toBe(false);
  });
});
