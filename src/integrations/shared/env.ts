// The environment variables a global setup sets for test workers (which start after it and inherit
// them): the URI under the two names applications commonly read, and the state file for attaching.

import type { ProvidedTopology } from './provided.js';

/** Names the cluster's cluster.json; set by the vitest and jest global setups. */
export const STATE_FILE_ENV = 'MONGO_TOPOLOGY_STATE_FILE';
/** The cluster's URI, under the names applications and drivers' examples read. */
export const URI_ENVS = ['MONGODB_URI', 'MONGO_URI'] as const;

/** Sets the variables in `env`; returns a function that puts back what was there before. */
export function exportToEnv(provided: ProvidedTopology, env: NodeJS.ProcessEnv = process.env): () => void {
  const values: Record<string, string> = { [STATE_FILE_ENV]: provided.stateFile };
  for (const name of URI_ENVS) values[name] = provided.uri;
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, env[k]]));
  Object.assign(env, values);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      // Only undo what is still ours: a later setup may have set its own value since.
      if (env[k] !== values[k]) continue;
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
  };
}
