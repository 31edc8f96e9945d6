// `mongo-topology/vitest`: boot a topology in vitest's globalSetup and reach it from test files
// (provide/inject, attach for node handles, a database per file), or give a test file a topology
// of its own with a fixture. The package root never imports this module, so vitest stays optional.

import type { ProvidedTopology } from '../shared/provided.js';

export { setupTopology, setup, teardown, type SetupTopologyOptions, type TopologyGlobalSetup } from './global-setup.js';
export {
  injectTopology,
  attachProvided,
  useDatabase,
  currentTestFile,
  type UseDatabaseOptions,
  type FileDatabase,
} from './worker.js';
export {
  clusterTest,
  providedClusterTest,
  type ClusterTestOptions,
  type ProvidedClusterTestOptions,
} from './fixtures.js';
export { PROVIDE_KEY, type ProvidedTopology, type ProvidedNode } from '../shared/provided.js';
export { databaseName, type DatabaseNameOptions } from '../shared/database-name.js';
export { STATE_FILE_ENV, URI_ENVS } from '../shared/env.js';
export type { TopologySource } from '../shared/source.js';

declare module 'vitest' {
  interface ProvidedContext {
    /** The cluster mongo-topology's global setup started (`setupTopology()`). */
    mongoTopology: ProvidedTopology;
  }
}
