// The official `mongodb` driver against a simulated three-member set: discovery through
// ?replicaSet=, majority writes, secondary reads, and failover after SIGKILL of the primary with a
// retryable write landing on the new primary within electionTimeoutMillis + 2 s, losing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';

const ELECTION_TIMEOUT_MS = 1000;
let dir: string;
let set: SimSet;

beforeAll(async () => {
  dir = makeTempDir();
  set = await startSet({
    dir,
    members: 3,
    settings: { electionTimeoutMillis: ELECTION_TIMEOUT_MS, heartbeatIntervalMillis: 500 },
  });
});

afterAll(async () => {
  await set?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('mongodb driver', () => {
  it('discovers the set, writes with w:majority, reads from a secondary, and survives SIGKILL of the primary', async () => {
    const client = new MongoClient(set.uri, { serverSelectionTimeoutMS: 20_000 });
    const events: string[] = [];
    client.on('serverDescriptionChanged', (e) => events.push(`${e.address}:${e.newDescription.type}`));
    await client.connect();
    const admin = client.db('admin');
    const hello = await admin.command({ hello: 1 });
    expect(hello.setName).toBe('rs0');
    expect(hello.hosts.sort()).toEqual([...set.hosts].sort());
    const primaryHost = hello.primary as string;
    const p = set.hosts.indexOf(primaryHost);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(events.some((e) => e === `${primaryHost}:RSPrimary`)).toBe(true);

    const coll = client.db('conf').collection<{ _id: number; v: string }>('acked');
    const acked: number[] = [];
    for (let i = 0; i < 100; i++) {
      await coll.insertOne({ _id: i, v: `v${i}` }, { writeConcern: { w: 'majority' } });
      acked.push(i);
    }

    const secondaryClient = new MongoClient(`${set.uri}&readPreference=secondary`, {
      serverSelectionTimeoutMS: 20_000,
      monitorCommands: true,
    });
    const findTargets: string[] = [];
    secondaryClient.on('commandStarted', (e) => {
      if (e.commandName === 'find') findTargets.push(e.address);
    });
    const fromSecondary = await secondaryClient
      .db('conf')
      .collection('acked')
      .find({}, { readConcern: { level: 'majority' } })
      .toArray();
    expect(fromSecondary).toHaveLength(100);
    expect(findTargets).toHaveLength(1);
    expect(findTargets[0]).not.toBe(primaryHost);
    expect(set.hosts).toContain(findTargets[0]);
    await secondaryClient.close();

    set.nodes[p].kill('SIGKILL');
    const killedAt = Date.now();
    await coll.insertOne({ _id: 100, v: 'after failover' }, { writeConcern: { w: 'majority' } });
    const tookMs = Date.now() - killedAt;
    acked.push(100);
    expect(tookMs).toBeLessThan(ELECTION_TIMEOUT_MS * 1.15 + 2000);
    const newHello = await admin.command({ hello: 1 });
    expect(newHello.primary).not.toBe(primaryHost);

    const all = await coll.find({}).sort({ _id: 1 }).toArray();
    expect(all.map((d) => d._id)).toEqual(acked);
    await client.close();
  });
});
