// Read by the zero-code global setup (vitest.config.zero.ts); vitest compiles it.
import { defineConfig } from 'mongo-topology';

export default defineConfig({
  replicaSet: { members: 3, settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500 } },
  start: { startupTimeoutMs: 90_000 },
});
