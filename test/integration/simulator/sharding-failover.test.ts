// A shard's primary dies under a simulated mongos: operations that need it fail with the router's
// errors (FailedToSatisfyReadPreference once host selection gives up, or the network error of a write
// already sent) only until the shard elects a new primary, reads with a secondary read preference go on
// meanwhile, and every write acknowledged with majority write concern is still there afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoServerError, type MongoClient } from 'mongodb';
import { pollUntil } from '../../../src/common/async.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startShardedCluster, type SimCluster } from '../../helpers/simulator.js';

let dir: string;
let cluster: SimCluster;
let client: MongoClient;

beforeAll(async () => {
  dir = makeTempDir();
  cluster = await startShardedCluster({
    dir,
    shards: 1,
    shardMembers: 3,
    settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 300 },
    // The router gives up looking for a primary after 500 ms instead of 15 s, so the gap is observable.
    mongosArgs: ['--setParameter', 'defaultFindReplicaSetHostTimeoutMS=500'],
  });
  client = cluster.client();
});

afterAll(async () => {
  await client?.close();
  await cluster?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe("a shard's primary dies", () => {
  it('fails operations on that shard only until it re-elects, and loses no majority-acknowledged write', async () => {
    const coll = client.db('fo').collection<{ _id: number }>('c');
    const acked: number[] = [];
    for (let i = 0; i < 50; i++) {
      await coll.insertOne({ _id: i }, { writeConcern: { w: 'majority' } });
      acked.push(i);
    }
    const shard = cluster.shards[0];
    const old = await shard.waitForPrimary();
    shard.nodes[old].kill('SIGKILL');
    await shard.nodes[old].exited;
    const killedAt = Date.now();

    // Reads that accept a secondary keep working through the outage.
    const fromSecondary = await coll.find({}, { readPreference: 'secondary' }).toArray();
    expect(fromSecondary.length).toBeGreaterThanOrEqual(50);

    const failures: number[] = [];
    let next = 1000;
    const recovered = await pollUntil(
      async () => {
        try {
          await coll.insertOne({ _id: next }, { writeConcern: { w: 'majority' } });
          acked.push(next++);
          return failures.length > 0 ? true : undefined;
        } catch (e) {
          if (!(e instanceof MongoServerError)) throw e;
          failures.push(e.code as number);
          next++;
          return undefined;
        }
      },
      { what: 'a write after the shard re-elected', timeoutMs: 40_000, intervalMs: 100 },
    );
    expect(recovered).toBe(true);
    // Host selection gave up (133), or the write had reached the dead primary (HostUnreachable).
    expect(failures.every((c) => [133, 6, 10107, 189, 11602, 91].includes(c))).toBe(true);
    expect(failures).toContain(133);
    const newPrimary = await shard.waitForPrimary(30_000, [old]);
    expect(newPrimary).not.toBe(old);
    expect(Date.now() - killedAt).toBeLessThan(40_000);

    // A few more writes, then everything acknowledged is there.
    for (let i = 0; i < 20; i++) {
      await coll.insertOne({ _id: next }, { writeConcern: { w: 'majority' } });
      acked.push(next++);
    }
    const stored = new Set((await coll.find({}).toArray()).map((d) => d._id));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(await coll.countDocuments({ _id: { $in: acked } })).toBe(acked.length);
  });
});
