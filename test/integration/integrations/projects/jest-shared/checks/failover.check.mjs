// An ES module (run with --experimental-vm-modules): imports mongo-topology itself, and attaches
// through the environment's global.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@jest/globals';
import { readStateFile } from 'mongo-topology';

test('kills the primary of the shared cluster and sees it come back', async () => {
  const topology = globalThis.__MONGO_TOPOLOGY__;
  const cluster = await topology.attach();
  const db = cluster.client().db(topology.databaseName);
  await db.collection('orders').insertOne({ n: 1 });
  const primary = await cluster.primary();
  const evidence = await primary.expectAutoRestart();
  expect(evidence.newPid).not.toBe(evidence.oldPid);
  await db.collection('orders').insertOne({ n: 2 });
  expect(await db.collection('orders').countDocuments()).toBe(2);
  writeFileSync(
    join(process.env.MT_REPORT_DIR, 'failover.json'),
    JSON.stringify({
      pid: process.pid,
      ownerPid: readStateFile(topology.stateFile).state.owner.pid,
      stateFile: topology.stateFile,
      db: topology.databaseName,
      killed: primary.name,
      oldPid: evidence.oldPid,
      newPid: evidence.newPid,
    }),
  );
});
