// @ts-check
// The CI check `mongo-topology exec` runs: it gets the cluster's URI in MONGODB_URI, proves the
// replica set takes a majority write and reads it back, and exits non-zero if anything is off.
// (Your real test command goes here instead: `mongo-topology exec --replset 3 -- npm test`.)
import { MongoClient } from 'mongodb';

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.error('MONGODB_URI is not set: run me through `mongo-topology exec -- node check.mjs`');
  process.exit(2);
}

const client = new MongoClient(uri, { serverSelectionTimeoutMS: 15_000 });
try {
  const hello = await client.db('admin').command({ hello: 1 });
  const orders = client.db('ci').collection('orders');
  await orders.insertOne({ item: 'widget', qty: 2 }, { writeConcern: { w: 'majority' } });
  const found = await orders.findOne({ item: 'widget' }, { readConcern: { level: 'majority' } });
  if (found?.qty !== 2) throw new Error('the write was not read back');
  console.log(`ok: replica set ${hello.setName} with ${hello.hosts.length} members at ${uri}`);
} finally {
  await client.close();
}
