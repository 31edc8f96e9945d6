// The simulated mongos as a process: --version, its option rules (--configdb, YAML sharding.configDB,
// --port 0, mongod-only options refused) with mongos's messages and exit codes, the wait for the
// config server set (no listener, warning 23834 every 2 s, until the config primary has created
// config.version), hello as a router, the uptime reporter's config.mongos document, a port in use,
// the signalled shutdown with quiesce, and routing that survives the death of a config member.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { pollUntil } from '../../../src/common/async.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import {
  makeTempDir,
  removeDir,
  runMongod,
  SimNode,
  startMongos,
  startNode,
  startSet,
  startShardedCluster,
  type SimCluster,
  type SimSet,
} from '../../helpers/simulator.js';

let dir: string;
const opened: MongoClient[] = [];

/** A client that afterEach closes. */
function track(c: MongoClient): MongoClient {
  opened.push(c);
  return c;
}
const toStop: Array<SimNode | SimSet | SimCluster> = [];

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

function mongos(args: string[], env: Record<string, string> = {}) {
  return runMongod(args, { binary: 'mongos', env, cwd: dir });
}

describe('command line', () => {
  it('prints its version as mongos', async () => {
    const r = await mongos(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mongos version v8\.0\.4\nBuild Info: \{\n {4}"version": "8\.0\.4",/);
    const old = await mongos(['--version'], { MONGOSIM_VERSION: '7.0.2' });
    expect(old.stdout.split('\n')[0]).toBe('mongos version v7.0.2');
  });

  it('exits 2 without --configdb, with a host list that is not a replica set, or a mongod-only option', async () => {
    let r = await mongos(['--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^BadValue: error: no args for --configdb\ntry '.*mongos --help' for more information\n$/);
    r = await mongos(['--configdb', '127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('BadValue: configdb supports only replica set connection string');
    r = await mongos(['--configdb', '127.0.0.1:1,127.0.0.1:2']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('FailedToParse: invalid url [127.0.0.1:1,127.0.0.1:2]');
    r = await mongos(['--configdb', 'cfg/127.0.0.1:1', '--dbpath', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("Error parsing command line: unrecognised option '--dbpath'");
  });

  it('refuses --port 0 when emulating a version before 7.1', async () => {
    const r = await mongos(['--configdb', 'cfg/127.0.0.1:1', '--port', '0'], { MONGOSIM_VERSION: '7.0.2' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('BadValue: error: port number must be between 1 and 65535');
  });

  it('exits 48 when its port is in use, before waiting for the config servers', async () => {
    const other = await startNode({ dir: join(dir, 'other') });
    toStop.push(other);
    const r = await mongos(['--configdb', 'cfg/127.0.0.1:1', '--port', String(other.port), '--bind_ip', '127.0.0.1']);
    expect(r.code).toBe(48);
    expect(r.stdout).toContain('"id":22856');
    expect(r.stdout).toContain('Address already in use');
  });
});

describe('startup', () => {
  it('waits for the config server set, retrying every 2 s, then listens and answers as a router', async () => {
    const cfg = await startNode({ dir: join(dir, 'cfg'), replSet: 'cfg', args: ['--configsvr'] });
    toStop.push(cfg);
    const router = new SimNode({ dir: join(dir, 'mongos'), binary: 'mongos', args: ['--configdb', `cfg/${cfg.host}`] });
    toStop.push(router);
    // Not initiated: no config primary, so no listener, and the warning repeats.
    const warnings = await pollUntil(
      () => {
        const w = router.lines.filter((l) => l.id === 23834);
        return w.length >= 2 ? w : undefined;
      },
      { what: 'two "Error loading global settings" warnings', timeoutMs: 20_000 },
    );
    expect(router.lines.some((l) => l.id === 23016)).toBe(false);
    expect(warnings[0]).toMatchObject({
      s: 'W',
      c: 'SHARDING',
      ctx: 'mongosMain',
      msg: 'Error loading global settings from config server. Sleeping for 2 seconds and retrying',
    });
    expect(warnings[0].attr!.error.errmsg).toMatch(/^Error loading clusterID :: caused by :: /);
    const gap = Date.parse(warnings[1].t.$date) - Date.parse(warnings[0].t.$date);
    expect(gap).toBeGreaterThanOrEqual(1900);
    expect(router.lines.find((l) => l.id === 24132)?.msg).toBe(
      'Running a sharded cluster with fewer than 3 config servers should only be done for testing purposes and is not recommended for production.',
    );
    expect(router.lines.find((l) => l.id === 23403)?.ctx).toBe('mongosMain');

    await cfg.command({ replSetInitiate: { _id: 'cfg', configsvr: true, members: [{ _id: 0, host: cfg.host }] } });
    await router.ready();
    expect(router.lines.find((l) => l.id === 23016)?.ctx).toBe('listener');
    // 8423405 follows the listener's 23016 line.
    await router.waitForLog((l) => l.id === 8423405 && l.msg === 'mongos startup complete', 10_000, 'log 8423405');

    const hello = await router.command({ hello: 1, helloOk: true });
    expect(hello).toMatchObject({
      isWritablePrimary: true,
      msg: 'isdbgrid',
      helloOk: true,
      maxWireVersion: 25,
      minWireVersion: 0,
      ok: 1,
    });
    expect(Object.keys(hello).slice(0, 3)).toEqual(['isWritablePrimary', 'msg', 'topologyVersion']);
    expect(hello.setName).toBeUndefined();
    expect(hello.$clusterTime.clusterTime._bsontype).toBe('Timestamp');
    expect(hello.operationTime._bsontype).toBe('Timestamp');
    const legacy = await router.command({ isMaster: 1 });
    expect(legacy.ismaster).toBe(true);
    expect(legacy.isWritablePrimary).toBeUndefined();

    // The uptime reporter's document in config.mongos.
    const ping = await pollUntil(
      async () => (await track(router.client()).db('config').collection('mongos').find({}).toArray())[0],
      { what: 'the router in config.mongos', timeoutMs: 15_000 },
    );
    expect(ping).toMatchObject({ mongoVersion: '8.0.4', waiting: true });
    expect(ping._id).toMatch(/:\d+$/);
    expect(ping.ping).toBeInstanceOf(Date);
    expect(ping.created).toBeInstanceOf(Date);
  });

  it('takes sharding.configDB from a YAML config file', async () => {
    const cfg = await startSet({ dir: join(dir, 'cfg'), name: 'cfg', configsvr: true, members: 1 });
    toStop.push(cfg);
    const file = join(dir, 'mongos.conf');
    writeFileSync(file, `sharding:\n  configDB: ${cfg.connectionString}\nnet:\n  bindIp: 127.0.0.1\n  port: 0\n`);
    const router = await startNode({ dir: join(dir, 'mongos'), binary: 'mongos', args: ['--config', file] });
    toStop.push(router);
    const opts = await router.command({ getCmdLineOpts: 1 });
    expect(opts.parsed.sharding.configDB).toBe(cfg.connectionString);
  });
});

describe('shutdown', () => {
  it('quiesces on SIGTERM: hello answers ShutdownInProgress, then it exits 0', async () => {
    const cfg = await startSet({ dir: join(dir, 'cfg'), name: 'cfg', configsvr: true, members: 1 });
    toStop.push(cfg);
    const router = await startMongos({
      dir: join(dir, 'mongos'),
      configdb: cfg.connectionString,
      args: ['--setParameter', 'mongosShutdownTimeoutMillisForSignaledShutdown=3000'],
    });
    toStop.push(router);
    const c = new MongoClient(`mongodb://${router.host}/?directConnection=true`);
    await c.db('admin').command({ ping: 1 });
    router.kill('SIGTERM');
    await router.waitForLog((l) => l.id === 4695701, 10_000, 'quiesce mode');
    const e = await c
      .db('admin')
      .command({ hello: 1 })
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 91, message: 'Mongos is in quiesce mode and will shut down' });
    await c.close(true);
    expect(await router.exited).toEqual({ code: 0, signal: null });
    const ids = router.lines.map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining([23377, 4695701, 4695702, 8314101, 8423406, 23138]));
    expect(router.lines.find((l) => l.id === 4695701)!.attr).toEqual({ quiesceTimeMillis: 3000 });
  });
});

describe('config server member death', () => {
  it('keeps routing while the config set loses its primary and elects another', async () => {
    const cluster = await startShardedCluster({ dir, shards: 1, configMembers: 3 });
    toStop.push(cluster);
    const c = cluster.client();
    try {
      await c.db('admin').command({ shardCollection: 'k.c', key: { a: 'hashed' } });
      await c
        .db('k')
        .collection('c')
        .insertMany(Array.from({ length: 10 }, (_, a) => ({ a })));
      const cfgPrimary = await cluster.config.waitForPrimary();
      cluster.config.nodes[cfgPrimary].kill('SIGKILL');
      await cluster.config.nodes[cfgPrimary].exited;
      // Routing uses the cached catalog: reads and writes go on without the config primary.
      expect(await c.db('k').collection('c').countDocuments()).toBe(10);
      await c.db('k').collection('c').insertOne({ a: 100 });
      expect(await c.db('k').collection('c').findOne({ a: 100 })).toMatchObject({ a: 100 });
      // Metadata reads find the other config members, and the set elects a new primary.
      await cluster.config.waitForPrimary(30_000, [cfgPrimary]);
      const { shards } = await c.db('admin').command({ listShards: 1 });
      expect(shards).toHaveLength(1);
      await c.db('admin').command({ shardCollection: 'k.d', key: { a: 1 } });
      await c.db('k').collection('d').insertOne({ a: 1 });
      expect(await c.db('k').collection('d').countDocuments()).toBe(1);
    } finally {
      await c.close();
    }
  });
});
