// What jest's globalSetup leaves for its globalTeardown. Both run in jest's main process and realm
// (jest: "globals set in globalSetup are visible only in globalTeardown"), but each is loaded as its
// own module, possibly from two copies of the package, so the hand-over is a global under a
// registered symbol rather than module state.

import type { StartedCluster } from '../../cluster/started-cluster.js';

const KEY = Symbol.for('mongo-topology.jest.global-setup');

/** A cluster started by the jest global setup, and how to undo its environment variables. */
export interface JestSetupState {
  readonly cluster: StartedCluster;
  readonly restoreEnv: () => void;
}

type Holder = { [KEY]?: JestSetupState[] };

/** Records a cluster for the teardown. */
export function pushSetupState(state: JestSetupState): void {
  const g = globalThis as Holder;
  (g[KEY] ??= []).push(state);
}

/** Takes every recorded cluster (newest first), leaving none. */
export function takeSetupStates(): JestSetupState[] {
  const g = globalThis as Holder;
  const states = g[KEY] ?? [];
  delete g[KEY];
  return states.reverse();
}
