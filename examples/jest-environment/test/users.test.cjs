// A CommonJS test file: the URI comes from the environment, no import of mongo-topology needed.
/** @import { JestTopologyGlobal } from 'mongo-topology/jest-environment' */
const { expect, test } = require('@jest/globals');
const { MongoClient } = require('mongodb');

/** @type {JestTopologyGlobal} */
const topology = globalThis.__MONGO_TOPOLOGY__;

test('inserts into a database of its own', async () => {
  const client = new MongoClient(process.env.MONGO_URI ?? '');
  try {
    // Named after this file; the environment drops it after the file.
    const users = client.db(topology.databaseName).collection('users');
    await users.insertOne({ name: 'ada' });
    expect(await users.countDocuments()).toBe(1);
  } finally {
    await client.close();
  }
});
