// The same project with the zero-code global setup: 'mongo-topology/vitest' reads mongo-topology.config.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['mongo-topology/vitest'],
    include: ['checks/**/*.check.ts'],
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
