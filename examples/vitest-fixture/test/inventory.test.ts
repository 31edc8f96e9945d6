import { cluster } from 'mongo-topology';
import { clusterTest } from 'mongo-topology/vitest';
import { expect } from 'vitest';

// A replica set of this file's own: started when a test first asks for `cluster` or `db`,
// stopped (and its files removed) after the file's last test.
const test = clusterTest(
  cluster().replicaSet(3, { settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } }),
);

test('a stepped-down primary hands over to another member', async ({ cluster, db }) => {
  await db.collection('items').insertOne({ sku: 'a-1' });
  const before = await cluster.primary();
  const { newPrimary } = await before.stepDown({ stepDownSecs: 30 });
  expect(newPrimary?.name).not.toBe(before.name);
  expect(await db.collection('items').countDocuments()).toBe(1);
});

test('the same cluster serves every test of the file', async ({ cluster }) => {
  expect(cluster.nodes).toHaveLength(3);
  expect(await (await cluster.primary()).state()).toBe('PRIMARY');
});
