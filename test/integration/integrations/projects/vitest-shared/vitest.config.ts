// A project run by test/integration/integrations/vitest.test.ts in a temp copy: one global setup
// boots a 3-member set; two test files run in separate worker processes at the same time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./global-setup.ts'],
    include: ['checks/**/*.check.ts'],
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
