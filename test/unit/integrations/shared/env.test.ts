// The variables a global setup exports to test workers, and putting them back in teardown.

import { describe, expect, it } from 'vitest';
import { STATE_FILE_ENV, exportToEnv } from '../../../../src/integrations/shared/env.js';
import type { ProvidedTopology } from '../../../../src/integrations/shared/provided.js';

const provided = { uri: 'mongodb://127.0.0.1:1/?replicaSet=rs0', stateFile: '/tmp/c/cluster.json' } as ProvidedTopology;

describe('exportToEnv', () => {
  it('sets the URI under both names and the state file, and restores what was there', () => {
    const env: NodeJS.ProcessEnv = { MONGODB_URI: 'mongodb://before', OTHER: 'x' };
    const restore = exportToEnv(provided, env);
    expect(env).toEqual({
      MONGODB_URI: provided.uri,
      MONGO_URI: provided.uri,
      [STATE_FILE_ENV]: provided.stateFile,
      OTHER: 'x',
    });
    restore();
    expect(env).toEqual({ MONGODB_URI: 'mongodb://before', OTHER: 'x' });
  });

  it('leaves alone a value someone else set since', () => {
    const env: NodeJS.ProcessEnv = {};
    const restore = exportToEnv(provided, env);
    env.MONGO_URI = 'mongodb://later';
    restore();
    expect(env).toEqual({ MONGO_URI: 'mongodb://later' });
  });
});
