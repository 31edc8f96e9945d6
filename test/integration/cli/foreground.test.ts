// The CLI commands that own their cluster for as long as they run: `exec` passes its command's exit
// code through (128+n for a death by signal n, 127 for a command that does not exist) and tears the
// cluster down; `up` in the foreground, under a pseudo-terminal, draws a spinner tree, and Ctrl-C
// tears everything down and exits 130; a sharded topology boots through `exec --shards 2`.

import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliTestDir, SGR, ptyMissing, requireBuiltCli, runCli, startCli, startCliInPty } from '../../helpers/cli.js';
import { findProcesses } from '../../helpers/leaks.js';
import { readdirSync } from 'node:fs';

let dir: CliTestDir | undefined;
beforeAll(requireBuiltCli);
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

/** A script that checks MONGODB_URI answers (raw TCP to the first host) and exits with the code asked for. */
const SCRIPT = `
import { connect } from 'node:net';
const uri = process.env.MONGODB_URI;
const [host, port] = new URL(uri).host.split(',')[0].split(':');
const socket = connect(Number(port), host);
socket.on('connect', () => {
  socket.end();
  console.log('connected to', uri);
  if (process.argv[2] === 'signal') process.kill(process.pid, 'SIGTERM');
  else process.exit(Number(process.argv[2]));
});
socket.on('error', (e) => { console.error(e.message); process.exit(99); });
`;

function clustersLeft(d: CliTestDir): string[] {
  try {
    return readdirSync(join(d.home, 'clusters'));
  } catch {
    return [];
  }
}

describe('mongo-topology exec', { timeout: 120_000 }, () => {
  it('runs the command with MONGODB_URI, passes its exit code through and tears down', async () => {
    dir = new CliTestDir();
    const script = dir.file('script.mjs', SCRIPT);
    const three = await runCli(dir, ['exec', '--', process.execPath, script, '3']);
    expect(three.code).toBe(3);
    expect(three.stdout).toMatch(/^connected to mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true\n$/);
    expect(three.stderr).toContain('exited with 3; stopping');
    expect(clustersLeft(dir)).toEqual([]);
    expect(findProcesses(dir.path)).toEqual([]);

    // Died by SIGTERM: 128 + 15. Options after the command are the command's.
    const signalled = await runCli(dir, ['exec', '-q', '--replset', '1', '--', process.execPath, script, 'signal']);
    expect(signalled.code).toBe(143);
    expect(signalled.stderr).toBe('');
    expect(signalled.stdout).toMatch(/replicaSet=rs0/);

    // SIGTERM to exec (a CI runner cancelling the job) goes to the command; its exit code comes back.
    const waiting = startCli(dir, [
      'exec',
      '-q',
      '--',
      process.execPath,
      '-e',
      "process.on('SIGTERM', () => process.exit(7)); console.log('waiting'); setInterval(() => {}, 1000)",
    ]);
    await waiting.waitForOutput(/waiting/);
    waiting.child.kill('SIGTERM');
    const cancelled = await waiting.result();
    expect(cancelled.code).toBe(7);
    expect(clustersLeft(dir)).toEqual([]);

    const missing = await runCli(dir, ['exec', '-q', '--', 'mongo-topology-no-such-command']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('Cannot run mongo-topology-no-such-command: command not found');
    expect(clustersLeft(dir)).toEqual([]);
  });

  it('boots a sharded cluster (2 shards, 1 config server, 1 router)', async () => {
    dir = new CliTestDir();
    const script = dir.file(
      'shards.mjs',
      `
import { MongoClient } from ${JSON.stringify(join(process.cwd(), 'node_modules', 'mongodb', 'lib', 'index.js'))};
const c = new MongoClient(process.env.MONGODB_URI);
const { shards } = await c.db('admin').command({ listShards: 1 });
console.log(JSON.stringify(shards.map((s) => s._id)));
await c.close();
`,
    );
    const r = await runCli(dir, ['exec', '--shards', '2', '--', process.execPath, script]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['shard0', 'shard1']);
    expect(r.stderr).toMatch(/✔ Shards added \(2\/2\)/);
    expect(r.stderr).toMatch(/✔ mongos-0 listening on/);
    expect(clustersLeft(dir)).toEqual([]);
  });
});

describe('mongo-topology up (foreground)', { timeout: 120_000 }, () => {
  it('`down` from another process stops it through its owner (SIGTERM: exit 143); nothing is left', async () => {
    dir = new CliTestDir();
    const up = startCli(dir, ['up', '--replset', '2', '--name', 'fg']);
    await up.waitForOutput(/Ctrl-C to stop/);
    expect(up.stdout).toMatch(/^mongodb:\/\/\S+replicaSet=rs0\n$/);
    expect(up.stderr).toMatch(/rs0-0\s+replset\s+127\.0\.0\.1:\d+\s+\w+\s+\d+/);
    // A second terminal sees it, and `down` asks its owner to stop it.
    const ls = await runCli(dir, ['ls']);
    expect(ls.stdout).toMatch(/fg\s+running\s+replicaSet\s+2\s+in-process/);
    const down = await runCli(dir, ['down', 'fg']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toBe('fg\tstopped by its owner\n');
    const r = await up.result();
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('SIGTERM: stopping fg');
    expect(r.stderr).toContain('fg stopped and removed');
    expect(clustersLeft(dir)).toEqual([]);
  });

  const noPty = ptyMissing();
  it.skipIf(noPty !== undefined)(
    `under a terminal: spinner tree, colours, Ctrl-C exits 130 after teardown; up -d outlives its terminal${noPty ? ` (skipped: ${noPty})` : ''}`,
    async () => {
      dir = new CliTestDir();
      const up = startCliInPty(dir, ['up', '--replset', '1', '--name', 'tty']);
      await up.waitForOutput(/Ctrl-C to stop/);
      const clusterDir = join(dir.home, 'clusters', 'tty');
      expect(findProcesses(clusterDir).length).toBeGreaterThan(0);
      // The default renderer redraws in place (cursor up, erase line) and colours its icons.
      expect(up.stdout).toContain('\u001b[?25l');
      // eslint-disable-next-line no-control-regex -- terminal escapes are what is checked
      expect(up.stdout).toMatch(/\u001b\[\d*A|\u001b\[2K/);
      expect(up.stdout).toMatch(SGR);
      expect(up.stdout).toMatch(/mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=rs0/);
      // Ctrl-C typed into the terminal: SIGINT to the CLI's process group.
      up.child.stdin!.write('\u0003');
      const r = await up.result();
      expect(r.code, r.stdout).toBe(130);
      expect(r.stdout).toContain('tty stopped and removed');
      expect(findProcesses(dir.path)).toEqual([]);
      expect(clustersLeft(dir)).toEqual([]);

      // up -d from a terminal that then closes (the session gets SIGHUP): the cluster lives on.
      // NO_COLOR: still a terminal, no colours.
      const bg = startCliInPty(dir, ['up', '-d', '--name', 'bg'], { NO_COLOR: '1' });
      const b = await bg.result();
      expect(b.code, b.stdout).toBe(0);
      expect(b.stdout).toContain('Ready in');
      expect(b.stdout).toMatch(/mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true/);
      expect(b.stdout).not.toMatch(SGR);
      const ls = JSON.parse((await runCli(dir, ['ls', '--json'])).stdout);
      expect(ls).toEqual([expect.objectContaining({ name: 'bg', status: 'running', alive: true })]);
      expect((await runCli(dir, ['down', 'bg'])).code).toBe(0);
    },
  );
});
