import { cluster } from 'mongo-topology';
import { setupTopology } from 'mongo-topology/vitest';

// Binaries come from MONGO_TOPOLOGY_BIN_DIR (the simulator), cluster dirs go under MONGO_TOPOLOGY_TMP_DIR.
export default setupTopology(cluster().replicaSet(3, { settings: { electionTimeoutMillis: 1000 } }));
