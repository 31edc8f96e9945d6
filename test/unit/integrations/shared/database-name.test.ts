// Per-file database names: valid for MongoDB (< 64 bytes, no forbidden characters, lower case so
// no two differ only in case), stable, and distinct per file and per worker.

import { describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../../src/errors.js';
import { MAX_DATABASE_NAME_BYTES, databaseName } from '../../../../src/integrations/shared/database-name.js';

const VALID = /^[a-z0-9_-]+$/;

describe('databaseName', () => {
  it('names the file and the worker, and is stable', () => {
    const name = databaseName('/repo/test/users.test.ts', { root: '/repo', workerId: 2 });
    expect(name).toMatch(/^t_test_users_w2_[0-9a-f]{8}$/);
    expect(databaseName('/repo/test/users.test.ts', { root: '/repo', workerId: 2 })).toBe(name);
  });

  it('differs per worker, per file, and for paths that sanitize or lower-case alike', () => {
    const names = new Set([
      databaseName('/repo/test/a-b.test.ts', { root: '/repo', workerId: 1 }),
      databaseName('/repo/test/a-b.test.ts', { root: '/repo', workerId: 2 }),
      databaseName('/repo/test/a_b.test.ts', { root: '/repo', workerId: 1 }),
      databaseName('/repo/test/A-B.test.ts', { root: '/repo', workerId: 1 }),
      databaseName('/repo/other/a-b.test.ts', { root: '/repo', workerId: 1 }),
    ]);
    expect(names.size).toBe(5);
    for (const n of names) expect(n).toMatch(VALID);
  });

  it('stays under 64 bytes and keeps the end of long paths', () => {
    const deep = `/repo/${'very-long-directory-name/'.repeat(10)}orders.spec.mjs`;
    const name = databaseName(deep, { root: '/repo', workerId: '12345678901234' });
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_DATABASE_NAME_BYTES);
    expect(name).toMatch(VALID);
    expect(name).toMatch(/_orders_w12345678_[0-9a-f]{8}$/);
  });

  it('replaces every character MongoDB forbids', () => {
    const name = databaseName('/repo/t/we$ird "na.me*<>:|?\\.test.cjs', { root: '/repo', workerId: 'x y' });
    expect(name).toMatch(VALID);
    expect(name).not.toMatch(/[/\\. "$*<>:|?]/);
  });

  it('reads the worker from vitest or jest when not given', () => {
    const fromEnv = databaseName('/repo/a.test.ts', { root: '/repo' });
    expect(fromEnv).toContain(`_w${process.env.VITEST_POOL_ID ?? process.env.JEST_WORKER_ID ?? '0'}_`);
  });

  it('takes a prefix, and refuses one MongoDB would reject', () => {
    expect(databaseName('/r/a.test.ts', { root: '/r', workerId: 1, prefix: 'ci-' })).toMatch(/^ci-a_w1_/);
    expect(() => databaseName('/r/a.test.ts', { prefix: 'bad.prefix' })).toThrow(TopologyConfigError);
    expect(() => databaseName('/r/a.test.ts', { prefix: 'x'.repeat(17) })).toThrow(/at most 16/);
  });
});
