// A project run by test/integration/integrations/jest.test.ts in a temp copy: the global setup
// made in code (createGlobalSetup); binaries from MONGO_TOPOLOGY_BIN_DIR, cluster dirs under MONGO_TOPOLOGY_TMP_DIR.
import { cluster } from 'mongo-topology';
import { createGlobalSetup } from 'mongo-topology/jest-global-setup';

export default createGlobalSetup(
  cluster().replicaSet(3, { settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } }),
);
