// `mongo-topology/jest-global-teardown`: jest's `globalTeardown` module. Stops every cluster the
// global setup of this jest process started and puts the environment variables back. (When jest
// is killed, no teardown runs: each cluster's reaper then stops it.)

import { settleAll } from '../../common/async.js';
import { takeSetupStates } from './state.js';

/** jest's `globalTeardown: 'mongo-topology/jest-global-teardown'`. */
export default async function globalTeardown(): Promise<void> {
  const states = takeSetupStates();
  for (const s of states) s.restoreEnv();
  await settleAll(
    states.map(async (s) => {
      await s.cluster.stop();
    }),
    'stopping the clusters of the jest global setup',
  );
}
