// Bad command lines through the built CLI: exit 2 with a message saying what was wrong (and no
// stack trace), nothing started and nothing written; help and version exit 0; the exit codes are
// documented in --help.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliTestDir, cliOk, requireBuiltCli, runCli } from '../../helpers/cli.js';

let dir: CliTestDir;
beforeAll(() => {
  requireBuiltCli();
  dir = new CliTestDir();
});
afterAll(async () => {
  expect(existsSync(dir.home)).toBe(false);
  await dir.cleanup();
});

describe('usage errors', { timeout: 60_000 }, () => {
  it.concurrent.each([
    [['up', '--bogus'], "unknown option '--bogus'"],
    [['up', '--replset', 'three'], "option '--replset <members>' argument 'three' is invalid. must be an integer >= 1"],
    [['up', '--replset', '0'], 'must be an integer >= 1'],
    [['up', '--mongos', '2'], 'mongos: routers need a sharded cluster'],
    [['up', '--replset', '3', '--arbiters', '3'], '--arbiters: 3 arbiters leave no data-bearing member of 3'],
    [['up', '--enterprise'], '--enterprise: needs --version'],
    [['up', '--version', 'banana'], 'version'],
    [['up', '--server-arg=--port=1234'], '--port'],
    [['up', '--set-parameter', 'novalue'], 'must be name=value'],
    [['up', '--config', 'missing.yaml'], 'Cannot read the config file'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['kill'], "missing required argument 'node'"],
    [['kill', 'rs0-0', '--signal', 'SIGBOGUS'], 'unknown signal SIGBOGUS'],
    [['exec', '--replset', '2'], "missing required argument 'command'"],
    [['down', 'x', '--all'], 'give a cluster name or --all, not both'],
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
