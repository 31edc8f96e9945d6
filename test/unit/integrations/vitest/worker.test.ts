// The test-file helpers of mongo-topology/vitest outside a run that provided a cluster: clear
// errors, not undefined values.

import { describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../../src/errors.js';
import { currentTestFile, injectTopology } from '../../../../src/integrations/vitest/index.js';

describe('vitest worker helpers', () => {
  it('injectTopology() says how to provide a cluster when none was', () => {
    expect(() => injectTopology()).toThrow(TopologyConfigError);
    expect(() => injectTopology()).toThrow(/No mongo-topology cluster was provided .* test\.globalSetup/);
  });

  it('currentTestFile() is the running file', () => {
    expect(currentTestFile()).toBe(import.meta.filename);
  });
});
