import { cluster } from 'mongo-topology';

await using c = await cluster()
  .replicaSet(3, { settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } })
  .start();
const orders = c.client().db('shop').collection('orders');

// A planned step-down: the old primary stays up as a secondary and another member takes over.
const before = await c.primary();
const { newPrimary } = await before.stepDown({ stepDownSecs: 10 });
console.log(`stepped down ${before.name}, new primary ${newPrimary?.name}`);

// Take a secondary away, keep writing with a majority of the set, then bring it back healthy.
const [secondary] = await c.secondaries();
await secondary.stop();
await orders.insertOne({ sku: 'a1' }, { writeConcern: { w: 'majority' } });
await secondary.start(); // resolves once it is SECONDARY again
console.log(`${secondary.name} back as ${await secondary.state()}`);

// restart(): the supervisor's stop then start, resolved once the node is healthy in its set again.
await secondary.restart();

// A crash (SIGKILL) is not: the supervisor restarts it at once; expectAutoRestart proves it.
const evidence = await (await c.primary()).expectAutoRestart();
console.log(`respawned in ${evidence.respawnMs} ms, ready in ${evidence.readyMs} ms`);
console.log(`orders: ${await orders.countDocuments()}`);
