// Cluster roles of the simulated mongod: --configsvr / --shardsvr (and sharding.clusterRole) need a
// replica set, default ports 27019 / 27018 apply only when no port is given, hello shows the role,
// a config server set must be initiated with configsvr: true (and only config servers may join one),
// a stored config that no longer fits the node's role is a fatal assertion at startup, and sharding
// commands refuse nodes without the right role.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectId, Timestamp, type MongoClient } from 'mongodb';
import { pollUntil } from '../../../src/common/async.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import {
  makeTempDir,
  parseLogLines,
  removeDir,
  runMongod,
  SimNode,
  startNode,
  startSet,
  type SimSet,
} from '../../helpers/simulator.js';

let dir: string;
const opened: MongoClient[] = [];

/** A client that afterEach closes. */
function track(c: MongoClient): MongoClient {
  opened.push(c);
  return c;
}
const toStop: Array<SimNode | SimSet> = [];

beforeEach(() => {
  dir = makeTempDir();
});

afterEach(async () => {
  for (const c of opened.splice(0)) await c.close(true);
  await Promise.all(
    toStop.splice(0).map(async (x) => {
      if (x instanceof SimNode) {
        x.kill('SIGKILL');
        await x.exited;
      } else await x.killAll();
    }),
  );
  await expectNoProcesses(dir);
  removeDir(dir);
  expectRemoved(dir);
});

async function commandError(node: SimNode, cmd: Record<string, unknown>, db = 'admin') {
  return node.command(cmd, db).then(
    () => {
      throw new Error(`${JSON.stringify(cmd)} succeeded`);
    },
    (e: unknown) => e as { code: number; message: string },
  );
}

describe('options', () => {
  it('refuses a cluster role without --replSet', async () => {
    for (const role of ['shardsvr', 'configsvr']) {
      const r = await runMongod([`--${role}`, '--dbpath', dir, '--port', '0']);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(
        `BadValue: Cannot start a ${role} as a standalone server. Please use the option --replSet to start the node as a replica set.`,
      );
    }
  });

  it('uses 27019 / 27018 only when no port is given (command line and YAML)', async () => {
    // The bind is refused on purpose: the port shows in "MongoDB starting" without taking it.
    const env = { MONGOSIM_REFUSE_BIND: '1' };
    const port = async (args: string[]) => {
      const r = await runMongod(['--dbpath', dir, '--replSet', 'x', ...args], { env });
      expect(r.code).toBe(48);
      return parseLogLines(r.stdout).find((l) => l.id === 4615611)!.attr!.port as number;
    };
    expect(await port(['--configsvr'])).toBe(27019);
    expect(await port(['--shardsvr'])).toBe(27018);
    expect(await port(['--shardsvr', '--port', '31000'])).toBe(31000);
    const file = join(dir, 'mongod.conf');
    writeFileSync(file, 'sharding:\n  clusterRole: configsvr\n');
    expect(await port(['--config', file])).toBe(27019);
  });
});

describe('config servers', () => {
  it('say configsvr: 2 in hello and must be initiated with configsvr: true', async () => {
    const n = await startNode({ dir: join(dir, 'c'), replSet: 'cfg', args: ['--configsvr'] });
    toStop.push(n);
    expect((await n.command({ hello: 1 })).configsvr).toBe(2);
    const e = await commandError(n, { replSetInitiate: { _id: 'cfg', members: [{ _id: 0, host: n.host }] } });
    expect(e.code).toBe(93);
    expect(e.message).toBe('Nodes started with the --configsvr flag must have configsvr:true in their config');
  });

  it('only config servers may be initiated with configsvr: true', async () => {
    const n = await startNode({ dir: join(dir, 'p'), replSet: 'p' });
    toStop.push(n);
    const e = await commandError(n, {
      replSetInitiate: { _id: 'p', configsvr: true, members: [{ _id: 0, host: n.host }] },
    });
    expect(e.code).toBe(93);
    expect(e.message).toBe('Nodes being used for config servers must be started with the --configsvr flag');
  });

  it('a member without --configsvr refuses the config set config it hears about and stays uninitiated', async () => {
    const a = await startNode({ dir: join(dir, 'a'), replSet: 'cfg', args: ['--configsvr'] });
    const b = await startNode({ dir: join(dir, 'b'), replSet: 'cfg' });
    toStop.push(a, b);
    await a.command({
      replSetInitiate: {
        _id: 'cfg',
        configsvr: true,
        members: [
          { _id: 0, host: a.host },
          { _id: 1, host: b.host, priority: 0 },
        ],
        settings: { heartbeatIntervalMillis: 300 },
      },
    });
    const refused = await b.waitForLog((l) => l.id === 21391, 20_000, 'the refused config');
    expect(refused).toMatchObject({
      s: 'W',
      c: 'REPL',
      msg: 'Not persisting new configuration in heartbeat response to disk because it is invalid',
    });
    expect(refused.attr!.error).toEqual({
      code: 2,
      codeName: 'BadValue',
      errmsg: 'Nodes being used for config servers must be started with the --configsvr flag',
    });
    const hello = await b.command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: false, isreplicaset: true });
    expect(hello.setName).toBeUndefined();
  });

  it('a config server restarted without --configsvr stops with a fatal assertion (21415, 28544)', async () => {
    const set = await startSet({ dir: join(dir, 's'), name: 'cfg', configsvr: true, members: 1 });
    const node = set.nodes[0];
    await node.stop('SIGTERM');
    const r = await runMongod([
      '--dbpath',
      node.dbPath,
      '--replSet',
      'cfg',
      '--port',
      String(node.port),
      '--bind_ip',
      '127.0.0.1',
      '--nounixsocket',
    ]);
    expect(r.code).toBe(14);
    const lines = parseLogLines(r.stdout);
    const invalid = lines.find((l) => l.id === 21415)!;
    expect(invalid).toMatchObject({
      s: 'E',
      c: 'REPL',
      msg: 'Locally stored replica set configuration is invalid; See http://www.mongodb.org/dochub/core/recover-replica-set-from-invalid-config for information on how to recover from this',
    });
    expect(invalid.attr!.error.errmsg).toBe(
      'Nodes being used for config servers must be started with the --configsvr flag',
    );
    expect(lines.some((l) => l.id === 23089 && l.attr?.msgid === 28544)).toBe(true);
    expect(r.stdout).toContain('***aborting after fassert() failure');
  });

  it('the first primary creates config.version with the cluster id', async () => {
    const set = await startSet({ dir: join(dir, 'v'), name: 'cfg', configsvr: true, members: 1 });
    toStop.push(set);
    const doc = await pollUntil(
      async () => (await track(set.client()).db('config').collection('version').findOne({})) ?? undefined,
      {
        what: 'config.version',
        timeoutMs: 10_000,
      },
    );
    expect(Object.keys(doc)).toEqual(['_id', 'clusterId']);
    expect(doc._id).toBe(1);
    expect(doc.clusterId).toBeInstanceOf(ObjectId);
    const indexes = (await track(set.client()).db('config').collection('chunks').indexes()).map((i) => i.name);
    expect(indexes).toEqual(expect.arrayContaining(['uuid_1_min_1', 'uuid_1_shard_1_min_1', 'uuid_1_lastmod_1']));
  });
});

describe('shard servers', () => {
  it('report isImplicitDefaultMajorityWC and start at the last LTS feature compatibility version', async () => {
    const set = await startSet({ dir: join(dir, 'sh'), name: 'sh', shardsvr: true, members: 1 });
    toStop.push(set);
    const hello = await set.nodes[0].command({ hello: 1 });
    expect(hello.isImplicitDefaultMajorityWC).toBe(true);
    const fcv = await set.nodes[0].command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(fcv.featureCompatibilityVersion.version).toBe('7.0');
  });

  it('refuse versioned commands until addShard has given them an identity', async () => {
    const set = await startSet({ dir: join(dir, 'sh'), name: 'sh', shardsvr: true, members: 1 });
    toStop.push(set);
    const e = await commandError(
      set.nodes[0],
      {
        find: 'c',
        shardVersion: { e: new ObjectId(), t: new Timestamp({ t: 1, i: 1 }), v: new Timestamp({ t: 1, i: 0 }) },
      },
      'db',
    );
    expect(e.code).toBe(203);
    expect(e.message).toBe(
      'Cannot accept sharding commands if sharding state has not been initialized with a shardIdentity document',
    );
  });

  it('a node without --shardsvr refuses sharding commands, and a non-config node the config commands', async () => {
    const set = await startSet({ dir: join(dir, 'plain'), name: 'plain', members: 1 });
    toStop.push(set);
    let e = await commandError(set.nodes[0], { _flushRoutingTableCacheUpdates: 'db.c' });
    expect(e.code).toBe(32);
    expect(e.message).toBe('Cannot accept sharding commands if not started with --shardsvr');
    e = await commandError(set.nodes[0], { _configsvrAddShard: 'sh/127.0.0.1:1' });
    expect(e.code).toBe(20);
    expect(e.message).toBe('_configsvrAddShard can only be run on config servers');
    e = await commandError(set.nodes[0], {
      _addShard: 1,
      shardIdentity: { shardName: 'x', clusterId: new ObjectId(), configsvrConnectionString: 'c/h:1' },
    });
    expect(e.code).toBe(50876);
  });
});
