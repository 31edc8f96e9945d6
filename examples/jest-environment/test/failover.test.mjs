// An ES module test file (jest runs these with --experimental-vm-modules).
/** @import { JestTopologyGlobal } from 'mongo-topology/jest-environment' */
import { expect, test } from '@jest/globals';

/** @type {JestTopologyGlobal} */
const topology = globalThis.__MONGO_TOPOLOGY__;

test('the primary comes back after a crash', async () => {
  const cluster = await topology.attach(); // detached after this file
  const primary = await cluster.primary();
  const evidence = await primary.expectAutoRestart();
  expect(evidence.newPid).not.toBe(evidence.oldPid);
  expect(process.env.MONGODB_URI).toBe(topology.uri);
});
