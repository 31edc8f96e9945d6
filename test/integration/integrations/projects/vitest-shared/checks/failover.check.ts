import { readStateFile } from 'mongo-topology';
import { attachProvided, providedClusterTest } from 'mongo-topology/vitest';
import { expect, inject } from 'vitest';
import { hang, report } from './report.js';

const test = providedClusterTest();

test.skipIf(hang)('kills the primary of the shared cluster and sees it come back', async ({ cluster, db }) => {
  await db.collection('orders').insertOne({ n: 1 });
  const primary = await cluster.primary();
  const evidence = await primary.expectAutoRestart();
  expect(evidence.newPid).not.toBe(evidence.oldPid);
  expect(evidence.state).toMatch(/PRIMARY|SECONDARY/);
  await db.collection('orders').insertOne({ n: 2 });
  expect(await db.collection('orders').countDocuments()).toBe(2);
  // A second attachment in the same worker sees the respawned node's new pid.
  await using again = await attachProvided();
  expect(await again.node(primary.name).pid()).toBe(evidence.newPid);
  const provided = inject('mongoTopology');
  report('failover', {
    ownerPid: readStateFile(provided.stateFile).state.owner.pid,
    stateFile: provided.stateFile,
    db: db.databaseName,
    killed: primary.name,
    oldPid: evidence.oldPid,
    newPid: evidence.newPid,
  });
});
