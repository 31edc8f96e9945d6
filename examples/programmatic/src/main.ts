import { cluster } from 'mongo-topology';

// `await using` stops the cluster and removes its files when the scope ends, even on a throw.
await using c = await cluster()
  .replicaSet(3, { settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } })
  .start();

const users = c.client().db('app').collection('users');
await users.insertOne({ name: 'ada' });

const primary = await c.primary();
const evidence = await primary.expectAutoRestart(); // kill it, prove it came back
console.log(
  `${primary.name}: pid ${evidence.oldPid} -> ${evidence.newPid}, new primary elected: ${evidence.newPrimaryElected}`,
);
console.log(`users: ${await users.countDocuments()}`);
