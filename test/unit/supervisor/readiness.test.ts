import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../src/supervisor/logs/output-channel.js';
import { describeCheck, linePredicate, partialMatch, type ReadinessCheck } from '../../../src/supervisor/readiness.js';

const line = (text: string, channel: 'stdout' | 'stderr' = 'stdout'): LogLine => ({
  name: 'n',
  channel,
  pid: 1,
  text,
  time: 0,
});
const mongo = (id: number, attr: unknown) =>
  JSON.stringify({
    t: { $date: '2026-01-01T00:00:00Z' },
    s: 'I',
    c: 'NETWORK',
    id,
    ctx: 'listener',
    msg: 'Waiting for connections',
    attr,
  });

describe('readiness line predicates', () => {
  it.each<[ReadinessCheck, string, boolean]>([
    [{ kind: 'log', pattern: 'Waiting for conn' }, 'xx Waiting for connections', true],
    [{ kind: 'log', pattern: '^ready$' }, 'not ready', false],
    [{ kind: 'log', pattern: /READY/i }, 'ready!', true],
    [{ kind: 'log-id', id: 23016 }, mongo(23016, { port: 27017 }), true],
    [{ kind: 'log-id', id: 23016 }, mongo(23015, { port: 27017 }), false],
    [{ kind: 'log-id', id: 23016 }, 'id 23016 in plain text', false],
    [{ kind: 'log-id', id: 23016 }, '{"broken json', false],
    [{ kind: 'log-id', id: 23016, attr: { port: 27017 } }, mongo(23016, { port: 27017, ssl: 'off' }), true],
    [{ kind: 'log-id', id: 23016, attr: { port: 27018 } }, mongo(23016, { port: 27017 }), false],
    [{ kind: 'log-id', id: 23016, attr: (a: { port: number }) => a.port > 27000 }, mongo(23016, { port: 27017 }), true],
    [
      {
        kind: 'log-id',
        id: 23016,
        attr: () => {
          throw new Error('boom');
        },
      },
      mongo(23016, {}),
      false,
    ],
  ])('%j on %s → %s', (check, text, expected) => {
    expect(linePredicate(check)!(line(text))).toBe(expected);
  });

  it('a global RegExp matches every line afresh', () => {
    const p = linePredicate({ kind: 'log', pattern: /ok/g })!;
    expect([p(line('ok')), p(line('ok')), p(line('ok'))]).toEqual([true, true, true]);
  });

  it('looks at stdout by default, at stderr or both when asked', () => {
    expect(linePredicate({ kind: 'log', pattern: 'x' })!(line('x', 'stderr'))).toBe(false);
    expect(linePredicate({ kind: 'log', pattern: 'x', channel: 'stderr' })!(line('x', 'stderr'))).toBe(true);
    expect(linePredicate({ kind: 'log', pattern: 'x', channel: 'both' })!(line('x', 'stderr'))).toBe(true);
  });

  it('has no line predicate for polling checks', () => {
    expect(linePredicate({ kind: 'tcp', host: '127.0.0.1', port: 1 })).toBeUndefined();
  });

  it('describes checks for events and errors', () => {
    expect(describeCheck({ kind: 'log-id', id: 23016 })).toBe('log id 23016');
    expect(describeCheck({ kind: 'tcp', host: '127.0.0.1', port: 27017 })).toBe('tcp 127.0.0.1:27017');
    expect(describeCheck({ kind: 'command', argv: ['/bin/true', 'x'] })).toBe('command /bin/true x');
    expect(describeCheck({ kind: 'function', check: () => true, description: 'custom' })).toBe('custom');
  });

  it('partialMatch compares nested objects and arrays', () => {
    expect(partialMatch({ a: { b: 1, c: 2 }, d: [1, 2] }, { a: { b: 1 }, d: [1, 2] })).toBe(true);
    expect(partialMatch({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(partialMatch({ d: [1, 2, 3] }, { d: [1, 2] })).toBe(false);
    expect(partialMatch(undefined, { a: 1 })).toBe(false);
  });
});
