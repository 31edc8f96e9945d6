import { describe, expect, it } from 'vitest';
import { classifyStartFailure, evidenceLines, logIdOf, parseLogLine } from '../../../src/cluster/log-lines.js';

const line = (s: string, id: number, msg: string, attr?: object, c = 'NETWORK') =>
  JSON.stringify({
    t: { $date: '2026-01-01T00:00:00.000+00:00' },
    s,
    c,
    id,
    ctx: 'initandlisten',
    msg,
    ...(attr ? { attr } : {}),
  });
const inUse = { error: { code: 9001, codeName: 'SocketException', errmsg: 'Address already in use' } };

describe('log lines', () => {
  it('reads the id of a logv2 line without parsing all of it, and nothing else', () => {
    expect(logIdOf(line('I', 23016, 'Waiting for connections', { port: 1, ssl: 'off' }))).toBe(23016);
    expect(logIdOf('{"t":{"$date":"x"},"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener"')).toBe(23016);
    expect(logIdOf('about to fork child process')).toBeUndefined();
    expect(parseLogLine('{not json')).toBeUndefined();
    expect(parseLogLine(line('I', 21331, 'Transition to primary complete'))).toMatchObject({ id: 21331 });
  });

  it('recognises a port in use from 23024/20568, from the text, or from exit code 48 alone', () => {
    const failure = classifyStartFailure([
      line('I', 4615611, 'MongoDB starting'),
      line('E', 23024, 'Failed to set up listener', inUse),
      line('E', 20568, 'Error setting up listener', inUse, 'CONTROL'),
      line('I', 23138, 'Shutting down', { exitCode: 48 }, 'CONTROL'),
    ]);
    expect(failure).toMatchObject({
      kind: 'address-in-use',
      detail: 'SocketException: Address already in use',
      exitCode: 48,
    });
    expect(failure.hint).toMatch(/port/);
    expect(classifyStartFailure(['listen(): Address already in use']).kind).toBe('address-in-use');
    expect(classifyStartFailure([line('I', 23138, 'Shutting down', { exitCode: 48 })]).kind).toBe('address-in-use');
    expect(classifyStartFailure([line('E', 22856, 'Error setting up listener', inUse)]).kind).toBe('address-in-use');
  });

  it('recognises fatal assertions, startup exceptions, key files, missing libraries and bad options', () => {
    expect(
      classifyStartFailure([
        line('F', 23089, 'Fatal assertion', { msgid: 40000 }, 'ASSERT'),
        line('F', 23090, '\n\n***aborting after fassert() failure\n\n', {}, 'ASSERT'),
      ]),
    ).toMatchObject({ kind: 'fatal-assertion', detail: 'fassert 40000' });
    expect(
      classifyStartFailure([
        line(
          'E',
          20557,
          'DBException in initAndListen, terminating',
          { error: 'DBPathInUse: Unable to lock the lock file' },
          'CONTROL',
        ),
        line('I', 23138, 'Shutting down', { exitCode: 100 }, 'CONTROL'),
      ]),
    ).toMatchObject({ kind: 'startup-exception', detail: 'DBPathInUse: Unable to lock the lock file', exitCode: 100 });
    expect(
      classifyStartFailure([
        line('E', 20575, 'Error creating service context', {
          error: 'Location5579201: Unable to acquire security key[s]',
        }),
      ]),
    ).toMatchObject({ kind: 'key-file' });
    expect(
      classifyStartFailure([
        'mongod: error while loading shared libraries: libcrypto.so.1.1: cannot open shared object file',
      ]).kind,
    ).toBe('missing-library');
    expect(classifyStartFailure(["Error parsing command line: unrecognised option '--foo'"]).kind).toBe('bad-options');
    expect(classifyStartFailure(['something else'])).toEqual({ kind: 'exited' });
  });

  it('shows E/F entries as evidence when there are any, else the last raw lines', () => {
    const info = Array.from({ length: 30 }, (_, i) => line('I', 1, `m${i}`));
    expect(evidenceLines(info)).toHaveLength(20);
    expect(evidenceLines([...info, line('E', 2, 'bad'), 'raw stderr text'])).toEqual([
      line('E', 2, 'bad'),
      'raw stderr text',
    ]);
  });
});
