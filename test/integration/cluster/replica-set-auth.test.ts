// A 3-member replica set with access control (key file between members, the first user created
// through the localhost exception on the primary), booted once for the file: the URI authenticates,
// anonymous access is refused, per-node URIs work, and the hooks that need privileges (stepDown,
// freeze, expectAutoRestart on the primary with a failover) work with every acknowledged write kept.
// The set uses a 2 s election timeout so failover tests stay short; the boot itself does not depend on it.

import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, type ClusterEvent, type StartedCluster } from '../../../src/index.js';
import { SIM_BIN_DIR, clusterTestDir } from '../../helpers/cluster.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import type { TestDir } from '../../helpers/supervisor.js';

describe('replica set with auth', { timeout: 120_000 }, () => {
  let dir: TestDir;
  let c: StartedCluster;
  const events: ClusterEvent[] = [];
  const acknowledged: number[] = [];

  async function writeSome(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const id = acknowledged.length;
      await c
        .client()
        .db('app')
        .collection('acked')
        .insertOne({ _id: id as any }, { writeConcern: { w: 'majority' } });
      acknowledged.push(id);
    }
  }

  async function expectAllWritesPresent(): Promise<void> {
    const docs = await c
      .client()
      .db('app')
      .collection('acked')
      .find({}, { readConcern: { level: 'majority' } })
      .toArray();
    const ids = new Set(docs.map((d) => d._id as unknown as number));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
  }

  beforeAll(async () => {
    dir = clusterTestDir();
    c = await cluster()
      .replicaSet(3, { settings: { electionTimeoutMillis: 2_000 } })
      .auth({ username: 'app', password: 'secret' })
      .binDir(SIM_BIN_DIR)
      .start({ tmpDir: dir.path, onEvent: (e) => events.push(e) });
  });

  afterAll(async () => {
    const clusterDir = c?.clusterDir;
    await c?.stop();
    if (clusterDir) expectRemoved(clusterDir);
    await expectNoProcesses(dir.path);
    await dir.cleanup();
  });

  it('boots with the user created on the planned primary and a URI that authenticates', async () => {
    expect(events.find((e) => e.type === 'userCreated')).toMatchObject({ username: 'app', node: 'rs0-0' });
    const hosts = c.nodes.map((n) => n.address).join(',');
    expect(c.uri).toBe(`mongodb://app:secret@${hosts}/?replicaSet=rs0&authSource=admin`);
    expect((await c.primary()).name).toBe('rs0-0');
    await writeSome(3);
    await expectAllWritesPresent();
  });

  it('refuses anonymous clients; every per-node URI authenticates', async () => {
    const anonymous = new MongoClient(`mongodb://${c.nodes[0].address}/?directConnection=true`);
    try {
      const err = await anonymous
        .db('app')
        .collection('acked')
        .countDocuments()
        .catch((e: unknown) => e);
      expect((err as MongoServerError).code).toBe(13);
    } finally {
      await anonymous.close();
    }
    for (const n of c.nodes) {
      const direct = new MongoClient(n.uri, { readPreference: 'secondaryPreferred' });
      try {
        expect((await direct.db('admin').command({ connectionStatus: 1 })).authInfo.authenticatedUsers).toEqual([
          { user: 'app', db: 'admin' },
        ]);
      } finally {
        await direct.close();
      }
    }
  });

  it('stepDown hands the primary to another member; freeze keeps a member from running', async () => {
    const old = await c.primary();
    const { newPrimary } = await old.stepDown({ stepDownSecs: 5 });
    expect(newPrimary).toBeDefined();
    expect(newPrimary!.name).not.toBe(old.name);
    expect((await c.primary()).name).toBe(newPrimary!.name);
    const secondary = (await c.secondaries())[0];
    await secondary.freeze(30);
    await secondary.freeze(0);
    await writeSome(2);
  });

  it('expectAutoRestart on the primary: it comes back, another member is elected, no write is lost', async () => {
    await writeSome(5);
    const primary = await c.primary();
    const ev = await primary.expectAutoRestart();
    expect(ev.newPid).not.toBe(ev.oldPid);
    expect(ev.primaryBefore).toBe(primary.name);
    expect(ev.primaryAfter).toBeDefined();
    expect(ev.newPrimaryElected).toBe(true);
    expect(['PRIMARY', 'SECONDARY']).toContain(ev.state);
    await writeSome(3);
    await expectAllWritesPresent();
    await c.waitHealthy();
  });
});

describe('replica set with a hidden member and an arbiter, with auth', { timeout: 120_000 }, () => {
  it('boots, authenticates through its URI (arbiters answer without users), survives an arbiter kill, stops clean', async () => {
    const dir = clusterTestDir();
    try {
      const c = await cluster()
        .replicaSet([{}, { hidden: true }, { arbiterOnly: true }])
        .auth({ username: 'app', password: 'secret' })
        .binDir(SIM_BIN_DIR)
        .start({ tmpDir: dir.path });
      const clusterDir = c.clusterDir;
      try {
        const [p, hidden, arbiter] = c.nodes;
        expect(c.uri).toBe(`mongodb://app:secret@${p.address},${arbiter.address}/?replicaSet=rs0&authSource=admin`);
        expect(arbiter.uri).toBe(`mongodb://${arbiter.address}/?directConnection=true`);
        expect(hidden.uri).toContain('app:secret@');
        await c
          .client()
          .db('app')
          .collection('t')
          .insertOne({ a: 1 }, { writeConcern: { w: 'majority' } });
        const reader = new MongoClient(c.uri);
        try {
          expect(await reader.db('app').collection('t').countDocuments()).toBe(1);
        } finally {
          await reader.close();
        }
        expect(await c.replicaSet().states()).toEqual({ 'rs0-0': 'PRIMARY', 'rs0-1': 'SECONDARY', 'rs0-2': 'ARBITER' });
        const ev = await arbiter.expectAutoRestart();
        expect(ev).toMatchObject({ state: 'ARBITER', primaryAfter: 'rs0-0', newPrimaryElected: false });
      } finally {
        await c.stop();
      }
      expectRemoved(clusterDir);
      await expectNoProcesses(dir.path);
    } finally {
      await dir.cleanup();
    }
  });
});
