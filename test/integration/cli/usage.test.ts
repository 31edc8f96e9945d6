// Bad command lines through the built CLI (a sample of each kind: commander's own checks, value
// parsers, the builder's validation, config files; test/unit/cli covers every flag's rules): exit 2 with a message saying what was wrong (and no
// stack trace), nothing started and nothing written; help and version exit 0; the exit codes are
// documented in --help.

import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliTestDir, cliOk, requireBuiltCli, runCli } from '../../helpers/cli.js';

let dir: CliTestDir;
beforeAll(() => {
  requireBuiltCli();
  dir = new CliTestDir();
});
afterAll(async () => {
  // Usage errors write nothing; failed boots leave no cluster behind.
  let left: string[] = [];
  try {
    left = readdirSync(join(dir.home, 'clusters'));
  } catch {
    // Never created.
  }
  expect(left).toEqual([]);
  await dir.cleanup();
});

describe('usage errors', { timeout: 60_000 }, () => {
  it.concurrent.each([
    [['up', '--bogus'], "unknown option '--bogus'"],
    [['up', '--replset', 'three'], "option '--replset <members>' argument 'three' is invalid. must be an integer >= 1"],
    [['up', '--mongos', '2'], 'mongos: routers need a sharded cluster'],
    [['up', '--version', 'banana'], 'version'],
    [['up', '--set-parameter', 'novalue'], 'must be name=value'],
    [['up', '--config', 'missing.yaml'], 'Cannot read the config file'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['kill'], "missing required argument 'node'"],
    [['kill', 'rs0-0', '--signal', 'SIGBOGUS'], 'unknown signal SIGBOGUS'],
    [['exec', '--replset', '2'], "missing required argument 'command'"],
    [['down', 'x', '--all'], 'give a cluster name or --all, not both'],
    [['down', '--timeout-ms', 'soon'], "argument 'soon' is invalid"],
  ])('%j', async (args, message) => {
    const r = await runCli(dir, args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).toMatch(/error:/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.concurrent('a bad config file names the problem and its path', async () => {
    const file = dir.file('topology.yaml', 'replicaSet:\n  members: 3\n  name: config\nshards: 2\nwat: 1\n');
    const r = await runCli(dir, ['up', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has unknown options');
    expect(r.stderr).toContain('wat: unknown option');
    const bad = dir.file('bad.json', '{ "replicaSet": { "members": [{ "priority": 2000 }] } }');
    const r2 = await runCli(dir, ['up', '--config', bad]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/replicaSet\.members\[0\]\.priority/);
  });

  it.concurrent('a failed boot exits 1 with its typed error in one line, the log tail and a hint', async () => {
    const r = await runCli(dir, ['up', '-d', '--name', 'crash'], { MONGOSIM_CRASH_AT_STARTUP: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: Node standalone \(127\.0\.0\.1:\d+\) failed to start: fatal assertion/);
    expect(r.stderr).toContain('[MT_START_EXITED]');
    expect(r.stderr).toContain('aborting after fassert() failure');
    expect(r.stderr).toMatch(/hint: its log: \S+\/logs\/standalone\.log/);
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const empty = join(dir.path, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const nb = await runCli(dir, ['up', '-d', '--bin-dir', empty]);
    expect(nb.code).toBe(1);
    expect(nb.stderr).toContain('[MT_BINARY_NOT_FOUND]');
    expect(nb.stderr).toMatch(/hint: /);
    expect(nb.stderr).not.toMatch(/\n\s+at /);
    // DEBUG adds the stack (and the library's debug output).
    const debug = await runCli(dir, ['up', '-d', '--bin-dir', empty], { DEBUG: 'mongo-topology*' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/BinaryResolutionError: [\s\S]*\n\s+at /);
  });

  it.concurrent('help and version exit 0; the exit codes are in --help', async () => {
    const help = await cliOk(dir, ['--help']);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toMatch(/2\s+usage error/);
    expect(help.stdout).toMatch(/128\+n/);
    const upHelp = await cliOk(dir, ['up', '--help']);
    for (const flag of [
      '--detach',
      '--replset',
      '--shards',
      '--config-servers',
      '--mongos',
      '--version',
      '--bin-dir',
      '--auth',
      '--config',
      '--keep-data',
    ])
      expect(upHelp.stdout).toContain(flag);
    expect((await cliOk(dir, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
