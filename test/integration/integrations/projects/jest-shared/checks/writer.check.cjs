// CommonJS: the cluster reaches the file through the environment only.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { expect, test } = require('@jest/globals');
const { MongoClient } = require('mongodb');

test('writes through MONGO_URI into its own database', async () => {
  const topology = globalThis.__MONGO_TOPOLOGY__;
  expect(process.env.MONGO_URI).toBe(topology.uri);
  expect(globalThis.__MONGO_URI__).toBe(topology.uri);
  const client = new MongoClient(process.env.MONGO_URI);
  try {
    const items = client.db(topology.databaseName).collection('items');
    await items.insertMany(Array.from({ length: 20 }, (_, i) => ({ i })));
    expect(await items.countDocuments()).toBe(20);
  } finally {
    await client.close();
  }
  const state = JSON.parse(readFileSync(process.env.MONGO_TOPOLOGY_STATE_FILE, 'utf8'));
  writeFileSync(
    join(process.env.MT_REPORT_DIR, 'writer.json'),
    JSON.stringify({
      pid: process.pid,
      ownerPid: state.owner.pid,
      stateFile: topology.stateFile,
      db: topology.databaseName,
      nodes: topology.nodes.map((n) => n.name),
    }),
  );
});
