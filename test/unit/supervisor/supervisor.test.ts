// Supervisor construction validates programs and dependencies before anything starts (no process
// is spawned by these tests: nothing is started).
import { describe, expect, it } from 'vitest';
import { TopologyConfigError } from '../../../src/errors.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';

describe('Supervisor construction', () => {
  it.each([
    [{ programs: [{ name: 'a b', command: ['/bin/true'] }] }, "Invalid name: 'a b'"],
    [{ programs: [{ name: 'a', command: [] }] }, 'command is empty'],
    [{ programs: [{ name: 'a', command: ['/bin/true'], dependsOn: ['ghost'] }] }, 'unknown program or group ghost'],
    [
      {
        programs: [
          { name: 'a', command: ['/bin/true'], dependsOn: ['b'] },
          { name: 'b', command: ['/bin/true'], dependsOn: ['a'] },
        ],
      },
      'dependency cycle',
    ],
    [
      { programs: [{ name: 'a', command: ['/bin/true'] }], groups: [{ name: 'g', programs: ['a', 'zzz'] }] },
      'unknown program zzz',
    ],
  ] as const)('rejects %j with a typed error', (options, message) => {
    let err: unknown;
    try {
      new Supervisor(options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TopologyConfigError);
    expect((err as Error).message).toContain(message);
  });

  it('a supervisor that was never started closes cleanly, and faults RPCs after', async () => {
    const s = new Supervisor({ programs: [{ name: 'a', command: ['/bin/true'] }] });
    expect(s.state).toBe('RESTARTING');
    await s.close();
    expect(s.state).toBe('SHUTDOWN');
    expect(() => s.getAllProcessInfo()).toThrow(expect.objectContaining({ faultString: 'SHUTDOWN_STATE' }));
    expect(() => s.startSupervisor()).toThrow(expect.objectContaining({ faultString: 'SHUTDOWN_STATE' }));
  });
});
