// Replica-set formation across separate processes, discovery by the driver, majority writes and
// secondary reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { makeTempDir, removeDir, startSet, type SimSet } from '../../helpers/simulator.js';

let dir: string;
let set: SimSet;

beforeAll(async () => {
  dir = makeTempDir();
  set = await startSet({ dir, members: 3 });
});

afterAll(async () => {
  await set?.killAll();
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

describe('three-member set', () => {
  it('is discovered by the driver through ?replicaSet= and replicates majority writes', async () => {
    const c = set.client();
    await c.connect();
    const coll = c.db('app').collection<any>('things');
    await coll.insertMany(
      Array.from({ length: 20 }, (_, i) => ({ _id: i })),
      { writeConcern: { w: 'majority' } },
    );
    const sec = set.client('&readPreference=secondary');
    await sec.connect();
    const docs = await sec.db('app').collection('things').find({}).toArray();
    expect(docs).toHaveLength(20);
    await sec.close();
    await c.close();
  });
});
