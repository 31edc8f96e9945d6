// `up -d` and the commands that drive a detached cluster, through the built CLI as a child process:
// only the URI on stdout, plain progress (no terminal codes) on stderr, then ls, status --json, env,
// kill (the node comes back), logs, stop and start, a refused duplicate name, down; and prune after a cluster's
// supervisor and servers were killed. Nothing is left behind: no process, no directory.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliTestDir, SGR, cliOk, requireBuiltCli, runCli, startCli } from '../../helpers/cli.js';
import { findProcesses } from '../../helpers/leaks.js';

let dir: CliTestDir | undefined;
beforeAll(requireBuiltCli);
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

describe('mongo-topology up -d', { timeout: 120_000 }, () => {
  it('prints only the URI, and the cluster is driven by ls, status, env, kill, logs, stop, start and down', async () => {
    dir = new CliTestDir();
    const up = await cliOk(dir, ['up', '-d', '--replset', '3', '--name', 'dev']);
    expect(up.stdout).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/\?replicaSet=rs0\n$/);
    const uri = up.stdout.trim();
    // Not a terminal: plain lines, one per finished step, no escape codes.
    expect(up.stderr).toMatch(/✔ 3 nodes planned in .*\/home\/clusters\/dev/);
    expect(up.stderr).toMatch(/✔ Ready in \d+\.\ds/);
    expect(up.stderr).not.toMatch(SGR);
    expect(up.stderr).not.toContain('\u001b[');

    // The URI connects: a majority write through it.
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 15_000 });
    try {
      await client
        .db('app')
        .collection('t')
        .insertOne({ a: 1 }, { writeConcern: { w: 'majority' } });
    } finally {
      await client.close();
    }

    const ls = JSON.parse((await cliOk(dir, ['ls', '--json'])).stdout);
    expect(ls).toEqual([
      expect.objectContaining({ name: 'dev', status: 'running', kind: 'replicaSet', uri, nodes: 3 }),
    ]);
    const lsText = (await cliOk(dir, ['ls'])).stdout;
    expect(lsText).toMatch(/^NAME\s+STATUS/);
    expect(lsText).toMatch(/dev\s+running\s+replicaSet\s+3\s+daemon/);

    const status = JSON.parse((await cliOk(dir, ['status', 'dev', '--json'])).stdout);
    expect(status).toMatchObject({ name: 'dev', kind: 'replicaSet', uri, supervisor: { mode: 'daemon' } });
    expect(status.nodes.map((n: any) => [n.name, n.member])).toEqual([
      ['rs0-0', 'PRIMARY'],
      ['rs0-1', 'SECONDARY'],
      ['rs0-2', 'SECONDARY'],
    ]);
    for (const n of status.nodes) expect(n.pid).toBeGreaterThan(0);

    const env = (await cliOk(dir, ['env'])).stdout;
    expect(env).toContain(`export MONGODB_URI='${uri}'\n`);
    expect(env).toContain(`export MONGO_TOPOLOGY_CLUSTER=dev\n`);
    expect(JSON.parse((await cliOk(dir, ['env', 'dev', '--json'])).stdout)).toMatchObject({ MONGODB_URI: uri });

    // kill: the supervisor starts the node again under a new pid and it rejoins as a secondary.
    // logs -f follows the node across its restart, until Ctrl-C (exit 130).
    const follow = startCli(dir, ['logs', 'rs0-1', '-f', '-n', '1']);
    await follow.waitForOutput(/\n/);
    const before = status.nodes[1].pid;
    const killed = JSON.parse((await cliOk(dir, ['kill', 'rs0-1', '--name', 'dev', '--wait', '--json'])).stdout);
    expect(killed).toMatchObject({ node: 'rs0-1', signal: 'SIGKILL', pid: before, state: 'SECONDARY' });
    expect(killed.newPid).not.toBe(before);
    const after = JSON.parse((await cliOk(dir, ['status', '--json'])).stdout);
    expect(after.nodes[1]).toMatchObject({ pid: killed.newPid, process: expect.stringMatching(/RUNNING|STARTING/) });
    expect(after.nodes[1].restartCount).toBe(1);
    // The restarted process's "Waiting for connections" (log id 23016) streams in.
    await follow.waitForOutput(/"id":23016/);
    follow.child.kill('SIGINT');
    const followed = await follow.result();
    expect(followed.code).toBe(130);
    expect(followed.stdout.trimEnd().split('\n').length).toBeGreaterThan(10);

    // logs: the last lines of the node's log (its JSON log, from both processes).
    const logs = (await cliOk(dir, ['logs', 'rs0-1', '-n', '5'])).stdout.trimEnd().split('\n');
    expect(logs).toHaveLength(5);
    for (const l of logs) expect(() => JSON.parse(l)).not.toThrow();
    const all = (await cliOk(dir, ['logs', 'rs0-1', '-n', '100000'])).stdout;
    expect(all.match(/"id":23016/g)?.length).toBe(2);
    const badNode = await runCli(dir, ['logs', 'rs9-9']);
    expect(badNode.code).toBe(1);
    expect(badNode.stderr).toContain('No node named "rs9-9" in cluster dev; nodes: rs0-0, rs0-1, rs0-2');

    // stop leaves the node down (no restart); start brings it back healthy.
    expect((await cliOk(dir, ['stop', 'rs0-2', '--json'])).stdout).toMatch(/"state": "STOPPED"/);
    const stopped = JSON.parse((await cliOk(dir, ['status', '--json'])).stdout);
    expect(stopped.nodes[2]).toMatchObject({ process: 'STOPPED', pid: 0, member: 'DOWN' });
    expect((await cliOk(dir, ['start', 'rs0-2'])).stdout).toMatch(/^rs0-2: SECONDARY \(pid \d+\)\n$/);

    // A second cluster of the same name is refused and leaves the first alone.
    const dup = await runCli(dir, ['up', '-d', '--name', 'dev']);
    expect(dup.code).toBe(1);
    expect(dup.stdout).toBe('');
    expect(dup.stderr).toContain('A cluster named "dev" already exists');
    expect(dup.stderr).toContain('mongo-topology down dev');

    const down = await cliOk(dir, ['down', 'dev']);
    expect(down.stdout).toBe('dev\tstopped\n');
    expect(findProcesses(dir.path)).toEqual([]);
    expect(readdirSync(join(dir.home, 'clusters'))).toEqual([]);
    expect((await cliOk(dir, ['ls', '--json'])).stdout.trim()).toBe('[]');
    const gone = await runCli(dir, ['status', 'dev']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No cluster named "dev"');
  });

  it('prune removes a cluster whose supervisor and servers were killed', async () => {
    dir = new CliTestDir();
    const up = await cliOk(dir, ['up', '-d', '--name', 'victim', '-q']);
    expect(up.stderr).toBe('');
    const clusterDir = join(dir.home, 'clusters', 'victim');
    const procs = findProcesses(clusterDir);
    // The supervisor daemon and the standalone mongod.
    expect(procs.length).toBe(2);
    // The supervisor first: killed with SIGKILL, it cannot stop its servers, which live on.
    const sup = procs.find((p) => p.argv.includes('supervisord'))!;
    process.kill(sup.pid, 'SIGKILL');
    const ls = JSON.parse((await cliOk(dir, ['ls', '--json'])).stdout);
    expect(ls).toEqual([expect.objectContaining({ name: 'victim', status: 'gone', alive: false })]);
    const status = await runCli(dir, ['status', 'victim']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('Cluster victim is gone');
    expect(status.stderr).toContain('mongo-topology prune');

    const pruned = JSON.parse((await cliOk(dir, ['prune', '--json'])).stdout);
    expect(pruned).toEqual([
      expect.objectContaining({ name: 'victim', status: 'gone', killedPids: [procs.find((p) => p !== sup)!.pid] }),
    ]);
    expect(existsSync(clusterDir)).toBe(false);
    expect(findProcesses(dir.path)).toEqual([]);
    expect((await cliOk(dir, ['prune'])).stderr).toContain('nothing to prune');
  });
});
