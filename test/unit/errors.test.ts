import { describe, expect, it } from 'vitest';
import {
  BinaryResolutionError,
  ProcessStartError,
  StartupTimeoutError,
  TopologyConfigError,
  isMongoTopologyError,
} from '../../src/errors.js';

describe('errors', () => {
  it('puts the short message first, then command, log tail and log file', () => {
    const e = new ProcessStartError('Node rs0-1 (127.0.0.1:4000) exited with code 48 during boot', {
      node: 'rs0-1',
      port: 4000,
      exitCode: 48,
      command: ['/bin/mongod', '--config', '/tmp/x y/mongod.conf'],
      logTail: ['{"id":23024}', '{"id":20568}'],
      logFile: '/tmp/x/logs/rs0-1.log',
    });
    expect(e.message.split('\n')).toEqual([
      'Node rs0-1 (127.0.0.1:4000) exited with code 48 during boot',
      "Command: /bin/mongod --config '/tmp/x y/mongod.conf'",
      'Last log lines:',
      '  {"id":23024}',
      '  {"id":20568}',
      'Log file: /tmp/x/logs/rs0-1.log',
    ]);
    expect(e.shortMessage).toBe('Node rs0-1 (127.0.0.1:4000) exited with code 48 during boot');
    expect(e.name).toBe('ProcessStartError');
    expect(e.code).toBe('MT_START');
    expect(e.exitCode).toBe(48);
    expect(isMongoTopologyError(e)).toBe(true);
    expect(isMongoTopologyError(new Error('x'))).toBe(false);
  });

  it('lists every config problem and keeps the cause', () => {
    const cause = new Error('inner');
    const e = new TopologyConfigError('Invalid topology: 2 problems', {
      problems: [
        { path: 'members[1].priority', message: 'hidden members must have priority 0' },
        { path: 'mongos', message: 'mongos needs shards' },
      ],
      cause,
    });
    expect(e.message).toContain('  - members[1].priority: hidden members must have priority 0');
    expect(e.message).toContain('  - mongos: mongos needs shards');
    expect(e.problems).toHaveLength(2);
    expect(e.cause).toBe(cause);
  });

  it('names every place binary resolution tried', () => {
    const e = new BinaryResolutionError('No mongod found', {
      attempts: [
        { source: 'binDir', location: '/opt/m', reason: 'does not exist' },
        { source: 'PATH', location: 'mongod', reason: 'not on PATH' },
      ],
      hint: 'Set MONGO_TOPOLOGY_BIN_DIR or call .binDir(path).',
    });
    expect(e.message).toBe(
      'No mongod found\nTried:\n  - binDir /opt/m: does not exist\n  - PATH mongod: not on PATH\nSet MONGO_TOPOLOGY_BIN_DIR or call .binDir(path).',
    );
    expect(new StartupTimeoutError('t', { waitingFor: 'x', timeoutMs: 5 }).waitingFor).toBe('x');
  });
});
