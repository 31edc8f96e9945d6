import { describe, expect, it } from 'vitest';
import {
  cluster,
  ClusterSpec,
  TopologyConfigError,
  type ClusterDefinition,
  type MemberOptions,
} from '../../../src/index.js';
import { DEFAULT_DEFINITION, MAX_MONGOS, MAX_SHARDS, TopologySpec } from '../../../src/topology/builder.js';
import { resolveShape } from '../../../src/topology/shape.js';

/** Runs `fn`, expects a TopologyConfigError, and returns its problems. */
function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyConfigError);
    return [...(e as TopologyConfigError).problems];
  }
  throw new Error('expected a TopologyConfigError');
}

function isDeepFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  return Object.isFrozen(v) && Object.values(v).every(isDeepFrozen);
}

describe('cluster() defaults', () => {
  it('is a standalone with small test-friendly settings', () => {
    const spec = cluster();
    expect(spec).toBeInstanceOf(ClusterSpec);
    expect(spec.definition).toEqual({
      name: 'cluster',
      args: [],
      setParameters: [],
      storage: { cacheSizeGB: 0.25 },
      keepData: false,
      timeouts: { startupMs: 60_000, stopMs: 30_000 },
      supervision: { startSecs: 1, startRetries: 3, logMaxBytes: 10 * 1024 * 1024, logBackups: 2 },
    });
    expect(resolveShape(spec.definition).kind).toBe('standalone');
    expect(spec.validate()).toEqual({ problems: [], warnings: [] });
  });

  it('is frozen all the way down, and so is every derived spec', () => {
    const spec = cluster();
    expect(Object.isFrozen(spec)).toBe(true);
    expect(isDeepFrozen(spec.definition)).toBe(true);
    const derived = spec
      .replicaSet([{ tags: { dc: 'a' }, args: ['--slowms', '5'] }, {}, {}])
      .shards([{ name: 'eu' }])
      .setParameters({ enableTestCommands: true })
      .auth({ roles: [{ role: 'root', db: 'admin' }] });
    expect(Object.isFrozen(derived)).toBe(true);
    expect(isDeepFrozen(derived.definition)).toBe(true);
    expect(() => {
      (derived.definition.replicaSet!.members[0].tags as Record<string, string>).dc = 'b';
    }).toThrow(TypeError);
  });

  it('cluster().shards(2) is two one-member shards, a one-member config server set and one mongos', () => {
    const shape = resolveShape(cluster().shards(2).definition);
    expect(shape.kind).toBe('sharded');
    expect(shape.sets.map((s) => [s.name, s.role, s.members.length])).toEqual([
      ['configRS', 'configsvr', 1],
      ['shard0', 'shardsvr', 1],
      ['shard1', 'shardsvr', 1],
    ]);
    expect(shape.mongos).toHaveLength(1);
  });
});

describe('immutability', () => {
  it('returns a new spec from every method and leaves the receiver unchanged', () => {
    const base = cluster().replicaSet(3);
    const before = JSON.stringify(base);
    const calls: ((s: ClusterSpec) => ClusterSpec)[] = [
      (s) => s.standalone(),
      (s) => s.replicaSet(5),
      (s) => s.shards(2),
      (s) => s.shards(2).configServers(3),
      (s) => s.shards(2).mongos(2),
      (s) => s.version('8.0'),
      (s) => s.binDir('/opt/mongodb/bin'),
      (s) => s.auth(),
      (s) => s.args(['--quiet']),
      (s) => s.setParameters({ enableTestCommands: true }),
      (s) => s.storage({ cacheSizeGB: 1 }),
      (s) => s.name('other'),
      (s) => s.dataDir('/tmp/x'),
      (s) => s.keepData(),
      (s) => s.timeouts({ startupMs: 1000 }),
      (s) => s.supervision({ logBackups: 5 }),
    ];
    for (const call of calls) {
      const next = call(base);
      expect(next).not.toBe(base);
      expect(JSON.stringify(next)).not.toBe(before);
    }
    expect(JSON.stringify(base)).toBe(before);
  });

  it('lets a shared base be varied per test', () => {
    const base = cluster().replicaSet(3).version('8.0');
    const a = base.auth({ username: 'a', password: 'pa' });
    const b = base.storage({ cacheSizeGB: 2 });
    expect(a.definition.auth?.username).toBe('a');
    expect(a.definition.storage.cacheSizeGB).toBe(0.25);
    expect(b.definition.auth).toBeUndefined();
    expect(b.definition.storage.cacheSizeGB).toBe(2);
    expect(a.definition.replicaSet).toBe(base.definition.replicaSet);
  });

  it("copies the caller's objects, so later changes to them never reach the spec", () => {
    const members: MemberOptions[] = [{ priority: 2, tags: { dc: 'a' } }, {}];
    const args = ['--slowms', '5'];
    const params: Record<string, boolean> = { enableTestCommands: true };
    const spec = cluster().replicaSet(members).args(args).setParameters(params);
    members[0] = { priority: 0 };
    (members[1] as { priority?: number }).priority = 7;
    args.push('--quiet');
    params.notablescan = true;
    expect(spec.definition.replicaSet!.members).toEqual([{ priority: 2, tags: { dc: 'a' } }, {}]);
    expect(spec.definition.args[0].args).toEqual(['--slowms', '5']);
    expect(spec.definition.setParameters[0].parameters).toEqual({ enableTestCommands: true });
  });

  it('serializes to its definition', () => {
    const spec = cluster().replicaSet(2).name('x');
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec.definition);
    expect(spec.toJSON()).toBe(spec.definition);
  });
});

describe('shape methods', () => {
  it('replicaSet(n) makes n default members; no argument makes one', () => {
    expect(cluster().replicaSet(3).definition.replicaSet).toEqual({ members: [{}, {}, {}], settings: {} });
    expect(cluster().replicaSet().definition.replicaSet!.members).toHaveLength(1);
  });

  it('replicaSet(list, { name, settings }) keeps every member option', () => {
    const members: MemberOptions[] = [
      { priority: 2, tags: { dc: 'east' } },
      { votes: 1, buildIndexes: true },
      { hidden: true, priority: 0, secondaryDelaySecs: 60 },
      { arbiterOnly: true },
    ];
    const spec = cluster().replicaSet(members, {
      name: 'app',
      settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500, chainingAllowed: false },
    });
    expect(spec.definition.replicaSet).toEqual({
      name: 'app',
      members,
      settings: { electionTimeoutMillis: 2000, heartbeatIntervalMillis: 500, chainingAllowed: false },
    });
    expect(resolveShape(spec.definition).sets[0].name).toBe('app');
  });

  it('standalone() removes every shape set before', () => {
    const spec = cluster().replicaSet(3).shards(2).configServers(3).mongos(2).standalone();
    expect(spec.definition).toEqual(DEFAULT_DEFINITION);
  });

  it('shards(n) uses the replicaSet() shape for every shard, in either call order', () => {
    const a = resolveShape(cluster().shards(2).replicaSet(3).definition);
    const b = resolveShape(cluster().replicaSet(3).shards(2).definition);
    expect(a).toEqual(b);
    expect(a.sets.filter((s) => s.role === 'shardsvr').map((s) => s.members.length)).toEqual([3, 3]);
  });

  it('shards(list) sets names, members and settings per shard', () => {
    const spec = cluster()
      .replicaSet(3, { settings: { electionTimeoutMillis: 1000 } })
      .shards([{ name: 'eu', members: 1 }, { members: [{ priority: 2 }, {}, {}] }, {}]);
    const shards = resolveShape(spec.definition).sets.filter((s) => s.role === 'shardsvr');
    expect(shards.map((s) => [s.name, s.members.length, s.settings])).toEqual([
      ['eu', 1, { electionTimeoutMillis: 1000 }],
      ['shard1', 3, { electionTimeoutMillis: 1000 }],
      ['shard2', 3, { electionTimeoutMillis: 1000 }],
    ]);
  });

  it('configServers(n | list, { name, settings }) shapes the config server set', () => {
    const spec = cluster()
      .shards(1)
      .configServers(3, { name: 'csrs', settings: { heartbeatTimeoutSecs: 5 } });
    const cfg = resolveShape(spec.definition).sets[0];
    expect([cfg.name, cfg.role, cfg.members.length, cfg.settings]).toEqual([
      'csrs',
      'configsvr',
      3,
      { heartbeatTimeoutSecs: 5 },
    ]);
    expect(
      resolveShape(
        cluster()
          .shards(1)
          .configServers([{ priority: 2 }, {}, {}]).definition,
      ).sets[0].members[0],
    ).toEqual({
      priority: 2,
    });
  });

  it('mongos(n | list) sets the routers', () => {
    expect(resolveShape(cluster().shards(1).mongos(3).definition).mongos).toHaveLength(3);
    const spec = cluster()
      .shards(1)
      .mongos([{ args: ['--maxConns', '10'] }, { port: 30000, setParameters: { logLevel: 1 } }]);
    expect(spec.definition.mongos).toEqual([
      { args: ['--maxConns', '10'] },
      { port: 30000, setParameters: { logLevel: 1 } },
    ]);
  });
});

describe('knobs', () => {
  it('version(spec, { enterprise }) stores the spec and the edition', () => {
    expect(cluster().version('8.0').definition.version).toBe('8.0');
    const ent = cluster().version('7.0', { enterprise: true });
    expect(ent.definition).toMatchObject({ version: '7.0', enterprise: true });
    expect(ent.version('8.0').definition.enterprise).toBeUndefined();
    expect(cluster().version('stable').definition.version).toBe('stable');
    expect(cluster().version('>=7.0 <8.1').definition.version).toBe('>=7.0 <8.1');
  });

  it('binDir(path) and dataDir(path) resolve relative paths against the current directory', () => {
    expect(cluster().binDir('bin').definition.binDir).toBe(`${process.cwd()}/bin`);
    expect(cluster().dataDir('/var/tmp/c').definition.dataDir).toBe('/var/tmp/c');
  });

  it('auth() defaults to user admin with role root and no password; auth(false) turns it off', () => {
    expect(cluster().auth().definition.auth).toEqual({ username: 'admin', roles: ['root'] });
    const a = cluster().auth({ username: 'app', password: 'pw', roles: ['readWrite', { role: 'read', db: 'x' }] });
    expect(a.definition.auth).toEqual({
      username: 'app',
      password: 'pw',
      roles: ['readWrite', { role: 'read', db: 'x' }],
    });
    expect(a.auth(false).definition.auth).toBeUndefined();
  });

  it('args() and setParameters() add to what is there, with optional role scopes', () => {
    const spec = cluster()
      .args(['--quiet'])
      .args(['--maxConns=10'], { roles: ['mongos'] })
      .setParameters({ enableTestCommands: true })
      .setParameters({ notablescan: true }, { roles: ['mongod'] });
    expect(spec.definition.args).toEqual([{ args: ['--quiet'] }, { args: ['--maxConns=10'], roles: ['mongos'] }]);
    expect(spec.definition.setParameters).toEqual([
      { parameters: { enableTestCommands: true } },
      { parameters: { notablescan: true }, roles: ['mongod'] },
    ]);
  });

  it('storage(), timeouts() and supervision() merge over the current values', () => {
    const spec = cluster()
      .storage({ oplogSizeMB: 64 })
      .storage({ cacheSizeGB: 1 })
      .timeouts({ stopMs: 5000 })
      .timeouts({ startupMs: 1000 })
      .supervision({ logMaxBytes: 1024 })
      .supervision({ startSecs: 0 });
    expect(spec.definition.storage).toEqual({ cacheSizeGB: 1, oplogSizeMB: 64 });
    expect(spec.definition.timeouts).toEqual({ startupMs: 1000, stopMs: 5000 });
    expect(spec.definition.supervision).toEqual({ startSecs: 0, startRetries: 3, logMaxBytes: 1024, logBackups: 2 });
  });

  it('name(), keepData()', () => {
    expect(cluster().name('orders').definition.name).toBe('orders');
    expect(cluster().keepData().definition.keepData).toBe(true);
    expect(cluster().keepData().keepData(false).definition.keepData).toBe(false);
  });

  it('validate() and warnings report without throwing', () => {
    const spec = cluster().replicaSet(2);
    expect(spec.validate().problems).toEqual([]);
    expect(spec.warnings).toEqual([
      {
        path: 'replicaSet.members',
        message: '2 voting members: an even number of voters adds no fault tolerance; add an arbiter or remove a voter',
      },
    ]);
    expect(
      cluster()
        .mongos(1)
        .validate()
        .problems.map((p) => p.path),
    ).toEqual(['mongos']);
  });
});

describe('misuse throws at the call, with paths', () => {
  it('rejects bad counts', () => {
    expect(problemsOf(() => cluster().replicaSet(0))).toEqual([
      { path: 'replicaSet.members', message: 'must be an integer from 1 to 50, got 0' },
    ]);
    expect(problemsOf(() => cluster().replicaSet(51))[0].path).toBe('replicaSet.members');
    expect(problemsOf(() => cluster().replicaSet(2.5))[0].path).toBe('replicaSet.members');
    expect(problemsOf(() => cluster().shards(0))[0].message).toBe(`must be an integer from 1 to ${MAX_SHARDS}, got 0`);
    expect(problemsOf(() => cluster().shards([]))[0].path).toBe('shards');
    expect(problemsOf(() => cluster().mongos(0))[0].message).toBe(`must be an integer from 1 to ${MAX_MONGOS}, got 0`);
    expect(problemsOf(() => cluster().configServers(0))[0].path).toBe('configServers.members');
  });

  it('a replica set of 8 default members has too many voters', () => {
    expect(problemsOf(() => cluster().replicaSet(8))).toEqual([
      {
        path: 'replicaSet.members',
        message: 'at most 7 members may vote, got 8; give the others votes: 0 and priority 0',
      },
    ]);
  });

  it('lists every problem of one call at once', () => {
    const problems = problemsOf(() =>
      cluster().replicaSet(
        [{ hidden: true, priority: 1 }, { arbiterOnly: true, tags: { a: 'b' } }, { votes: 2 as 1 }],
        {
          name: 'bad name',
          settings: { electionTimeoutMillis: 0, bogus: 1 } as never,
        },
      ),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'replicaSet.name',
      'replicaSet.settings.bogus',
      'replicaSet.settings.electionTimeoutMillis',
      'replicaSet.members[0].priority',
      'replicaSet.members[1].tags',
      'replicaSet.members[2].votes',
    ]);
  });

  it('the error message lists the problems under a first line naming the call', () => {
    try {
      cluster().shards([{ name: 'config' }, { members: 0 }]);
      expect.unreachable();
    } catch (e) {
      const err = e as TopologyConfigError;
      expect(err.message.split('\n')).toEqual([
        'Invalid topology (.shards()): 2 problems',
        '  - shards[0].name: shard name "config" is reserved by MongoDB',
        '  - shards[1].members: must be an integer from 1 to 50, got 0',
      ]);
      expect(err.code).toBe('MT_CONFIG');
    }
  });

  it('rejects config server arbiters and delayed members at the call', () => {
    expect(problemsOf(() => cluster().configServers([{}, {}, { arbiterOnly: true }])).map((p) => p.path)).toEqual([
      'configServers.members[2].arbiterOnly',
    ]);
    expect(
      problemsOf(() => cluster().configServers([{}, { secondaryDelaySecs: 10, hidden: true }, {}])).map((p) => p.path),
    ).toEqual(['configServers.members[1].secondaryDelaySecs']);
  });

  it('rejects bad router options', () => {
    expect(problemsOf(() => cluster().mongos([{ port: 80 }]))[0].path).toBe('mongos[0].port');
    expect(problemsOf(() => cluster().mongos([{ args: ['--oplogSize', '5'] }]))).toEqual([
      { path: 'mongos[0].args', message: '--oplogSize is not a mongos option' },
    ]);
    expect(problemsOf(() => cluster().mongos([{ setParameters: { notablescan: true } }]))[0].message).toBe(
      'mongos does not know setParameter notablescan; only mongod does',
    );
  });

  it('refuses a version spec that admits only servers older than 4.4, and nothing else', () => {
    for (const v of ['4.2', '4.2.24', '3.6.x', '<4.4', '>=4.0 <4.4']) {
      expect(problemsOf(() => cluster().replicaSet(3).version(v))).toEqual([
        {
          path: 'version',
          message: `"${v}" asks only for servers older than 4.4.0, which mongo-topology does not support (it needs the JSON log 4.4.0 introduced); ask for 4.4.0 or later`,
        },
      ]);
    }
    for (const v of ['4.4', '4.4.0', '4.4.0-rc1', '>=4.0', '4', '<4.4.1']) {
      expect(cluster().version(v).definition.version).toBe(v);
    }
  });

  it('rejects bad knobs', () => {
    expect(problemsOf(() => cluster().version('eight'))[0].path).toBe('version');
    expect(problemsOf(() => cluster().version('4.2'))[0].message).toMatch(/older than 4.4.0/);
    expect(problemsOf(() => cluster().version('8.0', { enterprise: 'yes' as never }))[0].path).toBe('enterprise');
    expect(problemsOf(() => cluster().binDir(''))[0].path).toBe('binDir');
    expect(problemsOf(() => cluster().dataDir('/tmp/a ;b'))[0].message).toMatch(/supervisord reads as a comment/);
    expect(problemsOf(() => cluster().dataDir('/tmp/a\nb'))[0].message).toMatch(/control characters/);
    expect(problemsOf(() => cluster().auth({ username: '' }))[0].path).toBe('auth.username');
    expect(problemsOf(() => cluster().auth({ roles: [] }))[0].path).toBe('auth.roles');
    expect(problemsOf(() => cluster().args(['--port', '27017']))[0].message).toMatch(/managed by mongo-topology/);
    expect(problemsOf(() => cluster().args(['--quiet'], { roles: ['router' as 'mongos'] }))[0].path).toBe(
      'args[0].roles',
    );
    expect(problemsOf(() => cluster().setParameters({ 'bad name': 1 }))[0].path).toBe(
      'setParameters[0].parameters.bad name',
    );
    expect(problemsOf(() => cluster().setParameters({ x: { a: 1 } as never }))[0].message).toMatch(/value must be/);
    expect(problemsOf(() => cluster().storage({ cacheSizeGB: 0.1 }))[0].path).toBe('storage.cacheSizeGB');
    expect(problemsOf(() => cluster().storage({ oplogSizeMB: 0 }))[0].path).toBe('storage.oplogSizeMB');
    expect(problemsOf(() => cluster().name('1abc'))[0].path).toBe('name');
    expect(problemsOf(() => cluster().timeouts({ stopMs: 500 }))[0].path).toBe('timeouts.stopMs');
    expect(problemsOf(() => cluster().timeouts({ startupMs: -1 }))[0].path).toBe('timeouts.startupMs');
    expect(problemsOf(() => cluster().supervision({ startRetries: -1 }))[0].path).toBe('supervision.startRetries');
    expect(problemsOf(() => cluster().supervision({ bogus: 1 } as never))[0].path).toBe('supervision.bogus');
  });
});

describe('extension by subclass (how the package root adds start())', () => {
  class StartableSpec extends TopologySpec {
    start(): Promise<ClusterDefinition> {
      return Promise.resolve(this.definition);
    }
  }

  it('keeps the subclass, its methods and its type through every builder call', async () => {
    const spec = new StartableSpec()
      .replicaSet(3)
      .version('8.0')
      .auth()
      .storage({ cacheSizeGB: 1 })
      .standalone()
      .shards(1);
    expect(spec).toBeInstanceOf(StartableSpec);
    expect(Object.isFrozen(spec)).toBe(true);
    const started: ClusterDefinition = await spec.start();
    expect(started.shards).toHaveLength(1);
  });

  it("cluster() makes the root's ClusterSpec, a TopologySpec, all the way down a chain", () => {
    const spec = cluster().replicaSet(3).shards(2).auth();
    expect(spec).toBeInstanceOf(ClusterSpec);
    expect(spec).toBeInstanceOf(TopologySpec);
  });

  it('wraps a definition read back from JSON, copied and frozen', () => {
    const json = JSON.parse(JSON.stringify(cluster().replicaSet(3).auth())) as ClusterDefinition;
    const spec = new ClusterSpec(json);
    expect(spec.definition).toEqual(json);
    expect(spec.definition).not.toBe(json);
    expect(isDeepFrozen(spec.definition)).toBe(true);
    expect(Object.isFrozen(json)).toBe(false);
    expect(spec.replicaSet(1).definition.auth).toEqual({ username: 'admin', roles: ['root'] });
  });
});
