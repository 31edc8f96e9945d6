// One replica set for the whole run: started before the first test file, stopped after the last.
import { cluster } from 'mongo-topology';
import { setupTopology } from 'mongo-topology/vitest';

// Short election timeout and heartbeats: a crashed primary is replaced in about two seconds instead of ten.
export default setupTopology(
  cluster().replicaSet(3, { settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } }),
);
