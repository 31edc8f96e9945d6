import { describe, expect, it } from 'vitest';
import { pollUntil, settleAll, withTimeout } from '../../../src/common/async.js';
import { StartupTimeoutError } from '../../../src/errors.js';

describe('settleAll', () => {
  it('waits for every promise before throwing one aggregate error', async () => {
    let finished = false;
    const slow = new Promise<number>((r) =>
      setTimeout(() => {
        finished = true;
        r(1);
      }, 30),
    );
    const err = await settleAll([Promise.reject(new Error('a')), slow, Promise.reject(new Error('b'))], 'steps').catch(
      (e: unknown) => e,
    );
    expect(finished).toBe(true);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as Error).message).toBe('2 of 3 steps failed:\n  - a\n  - b');
  });

  it('rethrows a single failure as is and returns values in order', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.reject(new Error('only'))], 'x')).rejects.toThrow(/^only$/);
    await expect(settleAll([Promise.resolve(1), Promise.resolve(2)], 'x')).resolves.toEqual([1, 2]);
  });
});

describe('pollUntil', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    await expect(
      pollUntil(() => (++n >= 3 ? n : undefined), { what: 'n', timeoutMs: 1000, intervalMs: 1 }),
    ).resolves.toBe(3);
  });

  it('says what it waited for and keeps the last error', async () => {
    const err = await pollUntil(
      () => {
        throw new Error('refused');
      },
      { what: 'port 1 to accept', timeoutMs: 30, intervalMs: 5 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupTimeoutError);
    expect((err as StartupTimeoutError).shortMessage).toBe('Timed out after 30ms waiting for port 1 to accept');
    expect(((err as Error).cause as Error).message).toBe('refused');
  });
});

describe('withTimeout', () => {
  it('rejects naming the wait', async () => {
    await expect(withTimeout(new Promise(() => {}), 10, 'log id 23016')).rejects.toThrow(
      'Timed out after 10ms waiting for log id 23016',
    );
    await expect(withTimeout(Promise.resolve(5), 10, 'x')).resolves.toBe(5);
  });
});
