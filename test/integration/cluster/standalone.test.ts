// Standalone clusters, without and with access control: boot, write and read through `uri`, fault
// hooks on the only node, stop (idempotent, `await using`), a kept directory, nothing left behind.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyConfigError, cluster, type ClusterEvent } from '../../../src/index.js';
import { SIM_BIN_DIR, clusterTestDir } from '../../helpers/cluster.js';
import { expectNoProcesses, expectRemoved, findProcesses } from '../../helpers/leaks.js';
import type { TestDir } from '../../helpers/supervisor.js';

let dir: TestDir | undefined;
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

describe('standalone', { timeout: 120_000 }, () => {
  it('boots, serves writes and reads through its URI, survives a kill, and stops leaving nothing', async () => {
    dir = clusterTestDir();
    const events: ClusterEvent[] = [];
    const c = await cluster()
      .binDir(SIM_BIN_DIR)
      .start({ tmpDir: dir.path, onEvent: (e) => events.push(e) });
    const node = c.node('standalone');
    // A reaper watches this process for the cluster (and exits when the cluster is stopped).
    expect(findProcesses('reaperMain').filter((p) => p.argv.join(' ').includes(c.clusterDir))).toHaveLength(1);
    expect(c.kind).toBe('standalone');
    expect(c.uri).toBe(`mongodb://${node.address}/?directConnection=true`);
    expect(c.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(events.map((e) => e.type)).toEqual([
      ...events.filter((e) => e.type === 'binaryProgress').map(() => 'binaryProgress'),
      'binaryResolved',
      'planned',
      'supervisorStarted',
      'nodeStarting',
      'nodeReady',
      'clusterReady',
    ]);
    const client = new MongoClient(c.uri);
    try {
      await client.db('app').collection('t').insertOne({ a: 1 });
      expect(await client.db('app').collection('t').countDocuments()).toBe(1);
      // The boot's own check write left no database behind.
      const dbs = (await client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
      expect(dbs).not.toContain('mongo_topology');

      const ev = await node.expectAutoRestart();
      expect(ev).toMatchObject({ node: 'standalone', state: 'STANDALONE', newPrimaryElected: false });
      expect(ev.newPid).not.toBe(ev.oldPid);
      expect(await client.db('app').collection('t').countDocuments()).toBe(1);
      expect(await node.restart()).toBe('STANDALONE');
      expect(await c.client().db('app').collection('t').countDocuments()).toBe(1);
    } finally {
      await client.close();
    }
    await expect(c.primary()).rejects.toThrow(TopologyConfigError);
    expect(() => c.shard(0)).toThrow(/sharded cluster/);
    const clusterDir = c.clusterDir;
    const stopped = await c.stop();
    expect(await c.stop()).toBe(stopped);
    expect(stopped).toMatchObject({ kept: false, clusterDir });
    expect(stopped.logFiles.standalone).toBe(join(clusterDir, 'logs', 'standalone.log'));
    expect('kill' in stopped).toBe(false);
    expectRemoved(clusterDir);
    await expectNoProcesses(dir.path);
    // A stopped cluster's handles refuse to work.
    await expect(node.kill()).rejects.toThrow(/is stopped/);
    expect(() => c.client()).toThrow(/is stopped/);
  });

  it('with auth: the user is created through the localhost exception and the URI authenticates', async () => {
    dir = clusterTestDir();
    const events: ClusterEvent[] = [];
    await using c = await cluster()
      .binDir(SIM_BIN_DIR)
      .auth({ username: 'app', password: 'p@ss:word/1' })
      .start({ tmpDir: dir.path, onEvent: (e) => events.push(e) });
    expect(c.uri).toBe(`mongodb://app:p%40ss%3Aword%2F1@${c.nodes[0].address}/?directConnection=true&authSource=admin`);
    expect(events.find((e) => e.type === 'userCreated')).toMatchObject({ username: 'app', node: 'standalone' });
    await c.client().db('app').collection('t').insertOne({ a: 1 });
    expect(await c.client().db('app').collection('t').countDocuments()).toBe(1);
    const anonymous = new MongoClient(`mongodb://${c.nodes[0].address}/?directConnection=true`);
    try {
      const err = await anonymous
        .db('app')
        .collection('t')
        .findOne({})
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).code).toBe(13);
    } finally {
      await anonymous.close();
    }
    const ev = await c.node('standalone').expectAutoRestart();
    expect(ev.state).toBe('STANDALONE');
    expect(await c.client().db('app').collection('t').countDocuments()).toBe(1);
  });

  it('keeps its directory when asked, with cluster.json saying it stopped', async () => {
    dir = clusterTestDir();
    const c = await cluster().binDir(SIM_BIN_DIR).keepData().start({ tmpDir: dir.path, reaper: false });
    expect(findProcesses('reaperMain').filter((p) => p.argv.join(' ').includes(c.clusterDir))).toEqual([]);
    await c.client().db('app').collection('t').insertOne({ kept: true });
    const stopped = await c.stop();
    expect(stopped.kept).toBe(true);
    expect(existsSync(stopped.logFiles.standalone)).toBe(true);
    expect(existsSync(stopped.dataDirs.standalone)).toBe(true);
    expect(JSON.parse(readFileSync(stopped.stateFile, 'utf8')).state).toBe('stopped');
    await expectNoProcesses(dir.path);
  });

  it('reuses an existing directory without removing what it did not write', async () => {
    dir = clusterTestDir();
    const own = join(dir.path, 'mine');
    const c1 = await cluster().binDir(SIM_BIN_DIR).dataDir(own).keepData().start();
    const running = await cluster()
      .binDir(SIM_BIN_DIR)
      .dataDir(own)
      .start()
      .catch((e: unknown) => e);
    expect(running).toBeInstanceOf(TopologyConfigError);
    expect((running as Error).message).toMatch(/already running/);
    await c1.stop();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(own, 'notes.txt'), 'keep me');
    const c2 = await cluster().binDir(SIM_BIN_DIR).dataDir(own).start();
    expect(await c2.client().db('app').collection('t').countDocuments()).toBe(0);
    await c2.stop();
    expect(existsSync(join(own, 'notes.txt'))).toBe(true);
    expect(existsSync(join(own, 'data'))).toBe(false);
    expect(existsSync(join(own, 'cluster.json'))).toBe(false);
  });
});
