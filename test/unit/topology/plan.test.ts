import { describe, expect, it } from 'vitest';
import { cluster, plan, TopologyConfigError } from '../../../src/index.js';
import { findPortConflicts, reassignPort, releasePlanPorts } from '../../../src/topology/plan.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';
import { createServer } from 'node:net';

const DIR = '/tmp/mt-plan-test';

function opts(ports = new FakePorts(), extra: { serverVersion?: string } = {}) {
  return { clusterDir: DIR, ports, randomBytes: seededRandomBytes(7), ...extra };
}

describe('plan: node names, roles and layout', () => {
  it('a standalone is one node named standalone', async () => {
    const p = await plan(cluster(), opts());
    expect(p.kind).toBe('standalone');
    expect(p.nodes).toEqual([
      {
        name: 'standalone',
        role: 'standalone',
        binary: 'mongod',
        arbiter: false,
        host: '127.0.0.1',
        port: 40000,
        address: '127.0.0.1:40000',
        confDir: `${DIR}/conf/standalone`,
        configFile: `${DIR}/conf/standalone/mongod.conf`,
        programFile: `${DIR}/conf/standalone/program.ini`,
        dataDir: `${DIR}/data/standalone`,
        logFile: `${DIR}/logs/standalone.log`,
        serverOptions: {},
        setParameters: {},
        dependsOn: [],
      },
    ]);
    expect(p.replicaSets).toEqual([]);
    expect(p.groups).toEqual([]);
    expect(p.configDB).toBeUndefined();
    expect(p.supervisor).toEqual({
      configFile: `${DIR}/supervisor.ini`,
      logFile: `${DIR}/supervisor.log`,
      pidFile: `${DIR}/supervisor.pid`,
      host: '127.0.0.1',
      port: 40001,
      url: 'http://127.0.0.1:40001',
      username: 'mongo-topology',
      password: expect.stringMatching(/^[0-9a-f]{48}$/),
    });
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.nodes[0])).toBe(true);
  });

  it('a replica set names its members rs0-<i>, in one group, with its initiate document', async () => {
    const p = await plan(cluster().replicaSet(3), opts());
    expect(p.nodes.map((n) => [n.name, n.role, n.replicaSet, n.memberIndex, n.group, n.port])).toEqual([
      ['rs0-0', 'replset', 'rs0', 0, 'rs0', 40000],
      ['rs0-1', 'replset', 'rs0', 1, 'rs0', 40001],
      ['rs0-2', 'replset', 'rs0', 2, 'rs0', 40002],
    ]);
    expect(p.replicaSets).toEqual([
      {
        name: 'rs0',
        role: 'replset',
        members: ['rs0-0', 'rs0-1', 'rs0-2'],
        initialPrimary: 'rs0-0',
        config: {
          _id: 'rs0',
          version: 1,
          members: [
            { _id: 0, host: '127.0.0.1:40000', priority: 1, votes: 1 },
            { _id: 1, host: '127.0.0.1:40001', priority: 1, votes: 1 },
            { _id: 2, host: '127.0.0.1:40002', priority: 1, votes: 1 },
          ],
        },
        connectionString: 'rs0/127.0.0.1:40000,127.0.0.1:40001,127.0.0.1:40002',
      },
    ]);
    expect(p.groups).toEqual([{ name: 'rs0', nodes: ['rs0-0', 'rs0-1', 'rs0-2'], priority: 200 }]);
  });

  it('a sharded cluster: config-<i>, shard<k>-<i>, mongos-<i>; groups ordered config < shards < routers', async () => {
    const p = await plan(cluster().shards(2).replicaSet(2).configServers(3).mongos(2), opts());
    expect(p.nodes.map((n) => `${n.name}:${n.role}:${n.binary}:${n.replicaSet ?? '-'}:${n.group}`)).toEqual([
      'config-0:configsvr:mongod:configRS:config',
      'config-1:configsvr:mongod:configRS:config',
      'config-2:configsvr:mongod:configRS:config',
      'shard0-0:shardsvr:mongod:shard0:shard0',
      'shard0-1:shardsvr:mongod:shard0:shard0',
      'shard1-0:shardsvr:mongod:shard1:shard1',
      'shard1-1:shardsvr:mongod:shard1:shard1',
      'mongos-0:mongos:mongos:-:mongos',
      'mongos-1:mongos:mongos:-:mongos',
    ]);
    const router = p.nodes.find((n) => n.name === 'mongos-0')!;
    expect(router.dataDir).toBeUndefined();
    expect(router.configFile).toBe(`${DIR}/conf/mongos-0/mongos.conf`);
    expect(router.dependsOn).toEqual(['config-0', 'config-1', 'config-2']);
    expect(p.groups.map((g) => [g.name, g.priority])).toEqual([
      ['config', 100],
      ['shard0', 200],
      ['shard1', 200],
      ['mongos', 300],
    ]);
    expect(p.configDB).toBe('configRS/127.0.0.1:40000,127.0.0.1:40001,127.0.0.1:40002');
    expect(p.replicaSets[0].config.configsvr).toBe(true);
    expect(p.replicaSets[1].config.configsvr).toBeUndefined();
    expect(p.warnings.map((w) => w.path)).toEqual(['replicaSet.members']);
    // Every port is distinct, and the supervisor has its own.
    const ports = [...p.nodes.map((n) => n.port), p.supervisor.port];
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('named sets and shards name their nodes', async () => {
    const p = await plan(cluster().replicaSet(1, { name: 'app' }), opts());
    expect(p.nodes[0].name).toBe('app-0');
    const s = await plan(
      cluster()
        .shards([{ name: 'eu' }, { name: 'us' }])
        .configServers(1, { name: 'csrs' }),
      opts(),
    );
    expect(s.nodes.map((n) => n.name)).toEqual(['config-0', 'eu-0', 'us-0', 'mongos-0']);
    expect(s.configDB).toMatch(/^csrs\//);
  });
});

describe('plan: primaries and replica-set documents', () => {
  it('the initial primary is the highest priority member, else member 0', async () => {
    const tie = await plan(cluster().replicaSet([{ priority: 0 }, {}, {}]), opts());
    expect(tie.replicaSets[0].initialPrimary).toBe('rs0-1');
    const high = await plan(cluster().replicaSet([{}, { priority: 3 }, { priority: 2 }]), opts());
    expect(high.replicaSets[0].initialPrimary).toBe('rs0-1');
    const plain = await plan(cluster().replicaSet(3), opts());
    expect(plain.replicaSets[0].initialPrimary).toBe('rs0-0');
  });

  it('writes every member option, with priority 0 for hidden, delayed and arbiter members', async () => {
    const p = await plan(
      cluster().replicaSet(
        [
          { priority: 2, tags: { dc: 'east' } },
          { buildIndexes: false },
          { hidden: true, secondaryDelaySecs: 120 },
          { votes: 0 },
          { arbiterOnly: true },
        ],
        { settings: { electionTimeoutMillis: 2000, chainingAllowed: false } },
      ),
      opts(),
    );
    expect(p.replicaSets[0].config).toEqual({
      _id: 'rs0',
      version: 1,
      members: [
        { _id: 0, host: '127.0.0.1:40000', priority: 2, votes: 1, tags: { dc: 'east' } },
        { _id: 1, host: '127.0.0.1:40001', priority: 0, votes: 1, buildIndexes: false },
        { _id: 2, host: '127.0.0.1:40002', priority: 0, votes: 1, hidden: true, secondaryDelaySecs: 120 },
        { _id: 3, host: '127.0.0.1:40003', priority: 0, votes: 0 },
        { _id: 4, host: '127.0.0.1:40004', priority: 0, votes: 1, arbiterOnly: true },
      ],
      settings: { electionTimeoutMillis: 2000, chainingAllowed: false },
    });
    expect(p.nodes.map((n) => n.arbiter)).toEqual([false, false, false, false, true]);
  });

  it('writes slaveDelay for servers before 5.0', async () => {
    const spec = cluster().replicaSet([{}, {}, { hidden: true, secondaryDelaySecs: 5 }]);
    const old = await plan(spec, opts(new FakePorts(), { serverVersion: '4.4.29' }));
    expect(old.replicaSets[0].config.members[2]).toEqual({
      _id: 2,
      host: '127.0.0.1:40002',
      priority: 0,
      votes: 1,
      hidden: true,
      slaveDelay: 5,
    });
    const byRange = await plan(spec.version('4.4'), opts());
    expect(byRange.replicaSets[0].config.members[2].slaveDelay).toBe(5);
    const current = await plan(spec, opts(new FakePorts(), { serverVersion: '8.0.4' }));
    expect(current.replicaSets[0].config.members[2].secondaryDelaySecs).toBe(5);
    expect(current.serverVersion).toBe('8.0.4');
  });
});

describe('plan: server options, auth and secrets', () => {
  it("merges global and per-node flags and parameters, per node's binary", async () => {
    const p = await plan(
      cluster()
        .shards(1)
        .replicaSet([{ args: ['--slowms', '7'], setParameters: { logLevel: 2 } }])
        .args(['--slowms', '5', '--oplogSize', '64'])
        .args(['--maxConns=100'], { roles: ['mongos'] })
        .setParameters({ notablescan: true, enableTestCommands: true })
        .setParameters({ logLevel: 1 }, { roles: ['mongod'] }),
      opts(),
    );
    const shard = p.nodes.find((n) => n.name === 'shard0-0')!;
    const config = p.nodes.find((n) => n.name === 'config-0')!;
    const router = p.nodes.find((n) => n.name === 'mongos-0')!;
    expect(shard.serverOptions).toEqual({ 'operationProfiling.slowOpThresholdMs': 7, 'replication.oplogSizeMB': 64 });
    expect(shard.setParameters).toEqual({ notablescan: true, enableTestCommands: true, logLevel: 2 });
    expect(config.serverOptions).toEqual({ 'operationProfiling.slowOpThresholdMs': 5, 'replication.oplogSizeMB': 64 });
    expect(config.setParameters).toEqual({ notablescan: true, enableTestCommands: true, logLevel: 1 });
    expect(router.serverOptions).toEqual({
      'operationProfiling.slowOpThresholdMs': 5,
      'net.maxIncomingConnections': 100,
    });
    expect(router.setParameters).toEqual({ enableTestCommands: true });
  });

  it('auth: generated password and keyFile for sets, no keyFile for a standalone', async () => {
    const p = await plan(cluster().replicaSet(3).auth(), opts());
    expect(p.auth).toEqual({
      username: 'admin',
      password: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      roles: [{ role: 'root', db: 'admin' }],
      keyFile: `${DIR}/keyfile`,
      keyFileContents: expect.stringMatching(/^[A-Za-z0-9+/]{1008}$/),
    });
    const single = await plan(cluster().auth({ username: 'u', password: 'p', roles: ['readWrite'] }), opts());
    expect(single.auth).toEqual({ username: 'u', password: 'p', roles: [{ role: 'readWrite', db: 'admin' }] });
    expect((await plan(cluster().replicaSet(1), opts())).auth).toBeUndefined();
  });

  it('is deterministic for the same ports and randomness', async () => {
    const spec = cluster().shards(2).auth();
    const a = await plan(spec, opts());
    const b = await plan(spec, opts());
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('plan: errors and ports', () => {
  it('throws every cross-call problem at once, and needs a cluster directory', async () => {
    const err = await plan(cluster().mongos(1).configServers(1).name('x'), { ports: new FakePorts() }).catch((e) => e);
    expect(err).toBeInstanceOf(TopologyConfigError);
    expect((err as TopologyConfigError).problems.map((p) => p.path)).toEqual(['clusterDir', 'mongos', 'configServers']);
    const rel = await plan(cluster(), { clusterDir: 'relative/dir', ports: new FakePorts() }).catch((e) => e);
    expect((rel as TopologyConfigError).problems[0].message).toMatch(/absolute path/);
  });

  it('uses .dataDir() as the cluster directory', async () => {
    const p = await plan(cluster().dataDir('/var/tmp/dev'), {
      ports: new FakePorts(),
      randomBytes: seededRandomBytes(),
    });
    expect(p.clusterDir).toBe('/var/tmp/dev');
    expect(p.nodes[0].dataDir).toBe('/var/tmp/dev/data/standalone');
  });

  it('checks the server version it is planned for', async () => {
    const bad = await plan(cluster(), opts(new FakePorts(), { serverVersion: 'eight' })).catch((e) => e);
    expect((bad as TopologyConfigError).problems[0].path).toBe('serverVersion');
    const old = await plan(cluster(), opts(new FakePorts(), { serverVersion: '4.2.1' })).catch((e) => e);
    expect((old as TopologyConfigError).problems[0].message).toMatch(/older than 4.4.0/);
    const mismatch = await plan(cluster().version('7.0'), opts(new FakePorts(), { serverVersion: '8.0.4' })).catch(
      (e) => e,
    );
    expect((mismatch as TopologyConfigError).problems[0].message).toBe("server 8.0.4 does not match .version('7.0')");
    // as binary resolution judges it: a release candidate is not its release, but is the rc asked for
    const rc = await plan(cluster().version('8.0'), opts(new FakePorts(), { serverVersion: '8.0.0-rc9' })).catch(
      (e) => e,
    );
    expect((rc as TopologyConfigError).problems[0].message).toBe("server 8.0.0-rc9 does not match .version('8.0')");
    const exactRc = await plan(cluster().version('8.0.0-rc9'), opts(new FakePorts(), { serverVersion: '8.0.0-rc9' }));
    expect(exactRc.serverVersion).toBe('8.0.0-rc9');
    const vendor = await plan(cluster().version('7.0'), opts(new FakePorts(), { serverVersion: '7.0.14-8' }));
    expect(vendor.serverVersion).toBe('7.0.14-8');
    const unknownParam = await plan(
      cluster().setParameters({ shutdownTimeoutMillisForSignaledShutdown: 5 }),
      opts(new FakePorts(), { serverVersion: '4.4.29' }),
    ).catch((e) => e);
    expect((unknownParam as TopologyConfigError).problems[0].path).toBe(
      'setParameters[0].parameters.shutdownTimeoutMillisForSignaledShutdown',
    );
  });

  it('reserves fixed ports, and releases everything it took when one is busy', async () => {
    const ports = new FakePorts();
    const p = await plan(cluster().replicaSet([{ port: 31000 }, {}, {}]), opts(ports));
    expect(p.nodes.map((n) => n.port)).toEqual([31000, 40000, 40001]);
    await releasePlanPorts(p, { ports });
    expect(ports.held.size).toBe(0);

    const busy = new FakePorts();
    busy.busy.add(31001);
    const err = await plan(cluster().replicaSet([{ port: 31000 }, { port: 31001 }, {}]), opts(busy)).catch((e) => e);
    expect(err).toBeInstanceOf(TopologyConfigError);
    expect((err as TopologyConfigError).problems).toEqual([
      { path: 'rs0-1', message: 'fixed port 31001: port 31001 is in use' },
    ]);
    expect(busy.held.size).toBe(0);
    expect(busy.released).toEqual([31000]);
  });

  it('reassignPort moves one node and updates every document naming it', async () => {
    const ports = new FakePorts();
    const p = await plan(cluster().shards(1).configServers(2), opts(ports));
    const before = p.nodes.find((n) => n.name === 'config-1')!.port;
    const q = await reassignPort(p, 'config-1', { ports });
    const after = q.nodes.find((n) => n.name === 'config-1')!.port;
    expect(after).not.toBe(before);
    expect(ports.held.has(before)).toBe(false);
    expect(ports.held.has(after)).toBe(true);
    expect(q.replicaSets[0].config.members[1].host).toBe(`127.0.0.1:${after}`);
    expect(q.configDB).toBe(`configRS/127.0.0.1:${p.nodes[0].port},127.0.0.1:${after}`);
    // Nothing else changed, secrets included.
    expect(q.nodes.filter((n) => n.name !== 'config-1')).toEqual(p.nodes.filter((n) => n.name !== 'config-1'));
    expect(q.supervisor.password).toBe(p.supervisor.password);
    expect(p.nodes.find((n) => n.name === 'config-1')!.port).toBe(before);

    const s = await reassignPort(q, 'supervisor', { ports });
    expect(s.supervisor.port).not.toBe(q.supervisor.port);
    expect(s.supervisor.url).toBe(`http://127.0.0.1:${s.supervisor.port}`);

    // A plan read back from JSON can be re-planned too.
    const fromJson = JSON.parse(JSON.stringify(s)) as typeof s;
    const t = await reassignPort(fromJson, 'mongos-0', { ports });
    expect(t.nodes.find((n) => n.name === 'mongos-0')!.port).not.toBe(s.nodes.find((n) => n.name === 'mongos-0')!.port);
    expect(t.supervisor).toEqual(s.supervisor);

    await expect(reassignPort(p, 'nope', { ports })).rejects.toBeInstanceOf(TopologyConfigError);
  });

  it('findPortConflicts re-checks the ports at start', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const taken = (server.address() as { port: number }).port;
    try {
      const ports = new FakePorts(taken);
      const p = await plan(cluster().replicaSet(2), opts(ports));
      expect(p.nodes[0].port).toBe(taken);
      // The other ports were not checked by FakePorts, so only the one we hold is asserted.
      expect(await findPortConflicts(p)).toContainEqual({ owner: 'rs0-0', port: taken });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
