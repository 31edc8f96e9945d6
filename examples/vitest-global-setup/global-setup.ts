// One replica set for the whole run: started before the first test file, stopped after the last.
import { cluster } from 'mongo-topology';
import { setupTopology } from 'mongo-topology/vitest';

// A short election timeout: a crashed primary is replaced in about a second instead of ten.
export default setupTopology(cluster().replicaSet(3, { settings: { electionTimeoutMillis: 1000 } }));
