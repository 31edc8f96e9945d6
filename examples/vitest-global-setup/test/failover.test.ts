import { providedClusterTest } from 'mongo-topology/vitest';
import { expect } from 'vitest';

// `cluster`: node handles and fault hooks on the shared cluster; `db`: a database of this file's own.
const test = providedClusterTest();

test('writes go on after the primary crashes', async ({ cluster, db }) => {
  const orders = db.collection('orders');
  await orders.insertOne({ n: 1 });
  const primary = await cluster.primary();
  // SIGKILL, then wait for the supervisor's respawn, the node's health and a writable primary.
  const evidence = await primary.expectAutoRestart();
  expect(evidence.newPid).not.toBe(evidence.oldPid);
  await orders.insertOne({ n: 2 });
  expect(await orders.countDocuments()).toBe(2);
});
