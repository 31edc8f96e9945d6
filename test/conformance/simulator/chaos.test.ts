// Chaos: 20 rounds of SIGKILL of a random member (primary or not) while a driver keeps writing with
// w:"majority", each victim restarted on its port and dbPath. The set must re-elect every time and
// every acknowledged write — inserts and the acknowledged $inc count — must be there at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError } from 'mongodb';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';
import { pollUntil } from '../../../src/common/async.js';

const ROUNDS = 20;
let dir: string;
let set: SimSet;

beforeAll(async () => {
  dir = makeTempDir();
  // Small timeouts, as test tools configure them, so 20 failovers fit in well under a minute.
  set = await startSet({ dir, members: 3, settings: { electionTimeoutMillis: 500, heartbeatIntervalMillis: 200 } });
});

afterAll(async () => {
  await set?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('chaos', () => {
  it(`re-elects through ${ROUNDS} random SIGKILLs and loses no acknowledged majority write`, async () => {
    const client = new MongoClient(set.uri, { serverSelectionTimeoutMS: 15_000, retryWrites: true });
    await client.connect();
    const docs = client.db('chaos').collection<{ _id: number; round: number }>('docs');
    const counter = client.db('chaos').collection<{ _id: string; n: number }>('counter');
    await counter.insertOne({ _id: 'c', n: 0 }, { writeConcern: { w: 'majority' } });

    const acked = new Set<number>();
    let incAcked = 0;
    let incAttempted = 0;
    let round = 0;
    let stop = false;
    const unexpected: unknown[] = [];
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await docs.insertOne({ _id: i, round }, { writeConcern: { w: 'majority', wtimeout: 10_000 } });
          acked.add(i);
        } catch (e) {
          // Network errors and timeouts mean "unknown outcome"; a duplicate key would mean a retry was applied twice.
          if (e instanceof MongoServerError && e.code === 11000) unexpected.push(e);
        }
        incAttempted++;
        try {
          const r = await counter.updateOne(
            { _id: 'c' },
            { $inc: { n: 1 } },
            { writeConcern: { w: 'majority', wtimeout: 10_000 } },
          );
          if (r.modifiedCount === 1) incAcked++;
        } catch {
          // Unknown outcome: the increment may or may not have happened.
        }
      }
    })();

    const electedIn: number[] = [];
    for (round = 1; round <= ROUNDS; round++) {
      const before = acked.size;
      const victim = Math.floor(Math.random() * 3);
      const wasPrimary =
        (await set.nodes[victim].command({ hello: 1 }, 'admin', 1500).catch(() => ({ isWritablePrimary: false })))
          .isWritablePrimary === true;
      set.nodes[victim].kill('SIGKILL');
      await set.nodes[victim].exited;
      const t0 = Date.now();
      if (wasPrimary) {
        await set.waitForPrimary(15_000, [victim]);
        electedIn.push(Date.now() - t0);
      }
      await set.restart(victim);
      // The writer must make progress after each round (so a primary exists again).
      await pollUntil(() => acked.size > before, {
        what: `acknowledged writes after round ${round}`,
        timeoutMs: 20_000,
        intervalMs: 50,
      });
    }
    stop = true;
    await writer;
    expect(unexpected).toEqual([]);

    await set.waitForPrimary(20_000);
    await set.waitForHealthy(30_000);
    const present = new Set((await docs.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
    const missing = [...acked].filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    const n = (await counter.findOne({ _id: 'c' }))!.n;
    expect(n).toBeGreaterThanOrEqual(incAcked);
    expect(n).toBeLessThanOrEqual(incAttempted);
    expect(acked.size).toBeGreaterThan(ROUNDS);
    // Every member ends up with the same data.
    for (const node of set.nodes) {
      const c = node.client();
      await pollUntil(
        async () =>
          (await c.db('chaos').collection('docs').countDocuments({}, { readPreference: 'secondaryPreferred' })) ===
          present.size,
        {
          what: `${node.host} to hold all ${present.size} documents`,
          timeoutMs: 20_000,
        },
      );
      await c.close();
    }
    await client.close();
    console.log(
      `chaos: ${ROUNDS} rounds, ${acked.size} acknowledged inserts, ${electedIn.length} primary kills, re-election ms ${electedIn.join(',')}`,
    );
  });
});
