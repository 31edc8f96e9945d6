import { describe, expect, it } from 'vitest';
import { cluster, ClusterSpec, TopologyConfigError, type MemberOptions } from '../../../src/index.js';

function callProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyConfigError);
    return (e as TopologyConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

const rs = (members: MemberOptions[]) => callProblems(() => cluster().replicaSet(members));
const voter: MemberOptions = {};
const nonVoter: MemberOptions = { votes: 0 };

describe('replica-set member rules (mongod MemberConfig / ReplSetConfig)', () => {
  it('at most 50 members', () => {
    const members = [...Array.from({ length: 7 }, () => voter), ...Array.from({ length: 44 }, () => nonVoter)];
    expect(rs(members)).toEqual(['replicaSet.members: a replica set has 1 to 50 members, got 51']);
    expect(rs(members.slice(0, 50))).toEqual([]);
  });

  it('at most 7 voters; non-voters (votes 0, priority 0 by default) do not count', () => {
    expect(rs(Array.from({ length: 8 }, () => voter))).toEqual([
      'replicaSet.members: at most 7 members may vote, got 8; give the others votes: 0 and priority 0',
    ]);
    expect(rs([...Array.from({ length: 7 }, () => voter), nonVoter, nonVoter, nonVoter])).toEqual([]);
  });

  it('at least one electable member', () => {
    const none =
      'replicaSet.members: no member can become primary: at least one member must hold data, vote, not be hidden and have priority > 0';
    expect(rs([{ priority: 0 }, { priority: 0 }, { priority: 0 }])).toEqual([none]);
    expect(rs([{ arbiterOnly: true }])).toEqual([none]);
    expect(rs([{ hidden: true }, { votes: 0 }, { arbiterOnly: true }])).toEqual([none]);
    expect(rs([{ priority: 0 }, { priority: 0.5 }, { arbiterOnly: true }])).toEqual([]);
  });

  it('hidden members need priority 0; an unset priority becomes 0', () => {
    expect(rs([{}, {}, { hidden: true, priority: 1 }])).toEqual([
      'replicaSet.members[2].priority: hidden members must have priority 0 (mongod rejects the config)',
    ]);
    expect(rs([{}, {}, { hidden: true }])).toEqual([]);
    expect(rs([{}, {}, { hidden: true, priority: 0 }])).toEqual([]);
  });

  it('delayed members need priority 0, and warn unless hidden', () => {
    expect(rs([{}, {}, { secondaryDelaySecs: 60, hidden: true, priority: 2 }])).toEqual([
      'replicaSet.members[2].priority: hidden, delayed members must have priority 0 (mongod rejects the config)',
    ]);
    expect(rs([{}, {}, { secondaryDelaySecs: 60, priority: 2 }])).toEqual([
      'replicaSet.members[2].priority: delayed members must have priority 0 (mongod rejects the config)',
    ]);
    const spec = cluster().replicaSet([{}, {}, { secondaryDelaySecs: 60 }]);
    expect(spec.warnings).toEqual([
      {
        path: 'replicaSet.members[2]',
        message: 'a delayed member that is not hidden can serve stale reads; set hidden: true',
      },
    ]);
    expect(cluster().replicaSet([{}, {}, { secondaryDelaySecs: 60, hidden: true }]).warnings).toEqual([]);
  });

  it('secondaryDelaySecs is a whole number of seconds up to a year', () => {
    expect(rs([{}, {}, { secondaryDelaySecs: 1.5, hidden: true }])[0]).toMatch(
      /^replicaSet.members\[2\].secondaryDelaySecs: must be an integer/,
    );
    expect(rs([{}, {}, { secondaryDelaySecs: 365 * 24 * 3600 + 1, hidden: true }])).toHaveLength(1);
    expect(rs([{}, {}, { secondaryDelaySecs: -1, hidden: true }])).toHaveLength(1);
  });

  it('members that do not build indexes or do not vote need priority 0', () => {
    expect(rs([{}, {}, { buildIndexes: false, priority: 1 }])).toEqual([
      'replicaSet.members[2].priority: buildIndexes false members must have priority 0 (mongod rejects the config)',
    ]);
    expect(rs([{}, {}, { votes: 0, priority: 1 }])).toEqual([
      'replicaSet.members[2].priority: non-voting (votes 0) members must have priority 0 (mongod rejects the config)',
    ]);
    expect(rs([{}, {}, { buildIndexes: false }])).toEqual([]);
  });

  it('arbiters: priority 0, must vote, no tags, no delay', () => {
    expect(
      rs([{}, {}, { arbiterOnly: true, priority: 1, votes: 0, tags: { dc: 'a' }, secondaryDelaySecs: 5 }]),
    ).toEqual([
      'replicaSet.members[2].priority: arbiters must have priority 0',
      'replicaSet.members[2].votes: arbiters must vote (votes 1)',
      'replicaSet.members[2].tags: arbiters cannot have tags',
      'replicaSet.members[2].secondaryDelaySecs: arbiters hold no data and cannot be delayed',
    ]);
  });

  it('value ranges and types', () => {
    expect(rs([{ priority: -1 }, { priority: 1001 }, { votes: 2 as 1 }, { hidden: 'yes' as never }, {}])).toEqual([
      'replicaSet.members[0].priority: must be a number from 0 to 1000, got -1',
      'replicaSet.members[1].priority: must be a number from 0 to 1000, got 1001',
      'replicaSet.members[2].votes: must be 0 or 1, got 2',
      'replicaSet.members[3].hidden: must be true or false, got yes',
    ]);
    expect(rs([{ tags: { dc: 1 as never } }])).toEqual([
      'replicaSet.members[0].tags.dc: tag names must be non-empty and tag values strings',
    ]);
    expect(rs([{ priorty: 2 } as never])).toEqual([
      'replicaSet.members[0].priorty: unknown option; known options are priority, votes, hidden, arbiterOnly, secondaryDelaySecs, tags, buildIndexes, args, setParameters, port',
    ]);
  });

  it('an even number of voters is a warning, not an error', () => {
    expect(
      cluster()
        .replicaSet(2)
        .warnings.map((w) => w.path),
    ).toEqual(['replicaSet.members']);
    expect(cluster().replicaSet(4).warnings[0].message).toMatch(/^4 voting members/);
    expect(cluster().replicaSet([{}, {}, { arbiterOnly: true }]).warnings).toEqual([]);
    expect(cluster().replicaSet([{}, {}, {}, { votes: 0 }]).warnings).toEqual([]);
    expect(cluster().replicaSet(2).validate().problems).toEqual([]);
  });

  it('replica-set settings are checked, unknown keys included', () => {
    expect(
      callProblems(() =>
        cluster().replicaSet(1, {
          settings: {
            electionTimeoutMillis: -5,
            heartbeatIntervalMillis: 1.5,
            catchUpTimeoutMillis: -2,
            chainingAllowed: 'no' as never,
            getLastErrorModes: { two: { dc: 0 } },
            electionTimeout: 5,
          } as never,
        }),
      ),
    ).toEqual([
      'replicaSet.settings.electionTimeout: unknown option; known options are electionTimeoutMillis, heartbeatIntervalMillis, heartbeatTimeoutSecs, chainingAllowed, catchUpTimeoutMillis, catchUpTakeoverDelayMillis, getLastErrorModes',
      'replicaSet.settings.electionTimeoutMillis: must be a positive integer, got -5',
      'replicaSet.settings.heartbeatIntervalMillis: must be a positive integer, got 1.5',
      'replicaSet.settings.catchUpTimeoutMillis: must be an integer >= -1, got -2',
      'replicaSet.settings.chainingAllowed: must be true or false',
      'replicaSet.settings.getLastErrorModes.two: must map tag names to positive integers',
    ]);
  });
});

describe('config server rules', () => {
  it('no arbiters, no delayed members, always building indexes', () => {
    expect(callProblems(() => cluster().configServers([{}, { buildIndexes: false }, { arbiterOnly: true }]))).toEqual([
      'configServers.members[1].buildIndexes: config server members must build indexes',
      'configServers.members[2].arbiterOnly: config server sets cannot have arbiters',
    ]);
  });
});

describe('rules across builder calls (validate() and plan())', () => {
  const paths = (spec: { validate(): { problems: readonly { path: string }[] } }) =>
    spec.validate().problems.map((p) => p.path);

  it('mongos without shards, config servers without shards', () => {
    expect(cluster().mongos(2).validate().problems).toEqual([
      { path: 'mongos', message: 'routers need a sharded cluster: add .shards(n), or remove .mongos()' },
    ]);
    expect(paths(cluster().replicaSet(3).configServers(3))).toEqual(['configServers']);
    expect(paths(cluster().shards(1).mongos(2).configServers(3))).toEqual([]);
  });

  it('a sharded definition without routers (e.g. edited cluster.json) is a problem', () => {
    const def = { ...cluster().shards(1).definition, mongos: [] };
    expect(new ClusterSpec(def).validate().problems).toEqual([
      { path: 'mongos', message: 'a sharded cluster needs at least one router: use .mongos(1) or more' },
    ]);
  });

  it('a replica-set name does not apply to a sharded cluster', () => {
    expect(paths(cluster().replicaSet(3, { name: 'app' }).shards(2))).toEqual(['replicaSet.name']);
  });

  it('set and group names must be unique', () => {
    expect(
      cluster()
        .shards([{ name: 'a' }, { name: 'a' }])
        .validate().problems,
    ).toEqual([{ path: 'shards[1].name', message: 'replica set name "a" is used twice' }]);
    expect(paths(cluster().shards([{ name: 'configRS' }]))).toEqual(['shards[0].name']);
    expect(
      cluster()
        .shards([{ name: 'mongos' }])
        .validate().problems[0].message,
    ).toMatch(/routers' group/);
    expect(paths(cluster().shards([{ name: 'a' }, { name: 'a-0' }]))).toEqual(['name']);
  });

  it('fixed ports must be unique, and cannot sit in a member list shared by shards', () => {
    expect(
      cluster()
        .replicaSet([{ port: 30001 }, { port: 30001 }, {}])
        .validate().problems,
    ).toEqual([
      { path: 'replicaSet.members[1].port', message: 'port 30001 is also given to replicaSet.members[0].port' },
    ]);
    expect(
      paths(
        cluster()
          .shards(2)
          .replicaSet([{ port: 30001 }]),
      ),
    ).toContain('replicaSet.members');
    expect(
      paths(
        cluster()
          .shards(1)
          .replicaSet([{ port: 30001 }])
          .mongos([{ port: 30001 }]),
      ),
    ).toEqual(['mongos[0].port']);
  });

  it('a global flag must apply to some node; role scopes must name roles present', () => {
    expect(
      cluster()
        .shards(1)
        .args(['--oplogSize', '10'], { roles: ['mongos'] })
        .validate().problems,
    ).toEqual([{ path: 'args[0].args', message: '--oplogSize is a mongod option, but applies to no mongod here' }]);
    expect(
      cluster()
        .replicaSet(1)
        .args(['--quiet'], { roles: ['mongos'] })
        .validate().problems,
    ).toEqual([{ path: 'args[0].roles', message: 'no node of this topology has role mongos' }]);
    expect(paths(cluster().shards(1).args(['--oplogSize', '10', '--localThreshold', '5']))).toEqual([]);
    expect(paths(cluster().args(['--localThreshold', '5']))).toEqual(['args[0].args']);
  });

  it('a global parameter must be known by some node it applies to', () => {
    expect(
      cluster()
        .shards(1)
        .setParameters({ notablescan: true }, { roles: ['mongos'] })
        .validate().problems,
    ).toEqual([
      {
        path: 'setParameters[0].parameters.notablescan',
        message: 'mongos does not know setParameter notablescan; only mongod does',
      },
    ]);
    expect(paths(cluster().shards(1).setParameters({ notablescan: true }))).toEqual([]);
  });
});

describe('per-version server parameters and flags', () => {
  it('a parameter the chosen versions do not know is a problem', () => {
    const spec = cluster()
      .replicaSet(1)
      .version('4.4')
      .setParameters({ shutdownTimeoutMillisForSignaledShutdown: 100 });
    expect(spec.validate().problems).toEqual([
      {
        path: 'setParameters[0].parameters.shutdownTimeoutMillisForSignaledShutdown',
        message:
          'mongod 4.4 does not know setParameter shutdownTimeoutMillisForSignaledShutdown: it exists in 5.0 and later (mongos uses mongosShutdownTimeoutMillisForSignaledShutdown)',
      },
    ]);
    expect(spec.version('8.0').validate().problems).toEqual([]);
    expect(spec.version('>=4.4').validate().problems).toEqual([]);
    expect(spec.version('stable').validate().problems).toEqual([]);
  });

  it('the exact server version decides when known', () => {
    const spec = cluster().replicaSet(1).setParameters({ shutdownTimeoutMillisForSignaledShutdown: 100 });
    expect(spec.validate().problems).toEqual([]);
    expect(spec.validate({ exact: '4.4.29' }).problems).toHaveLength(1);
    expect(spec.validate({ exact: '5.0.0' }).problems).toEqual([]);
    expect(spec.validate({ exact: '8.2.0-rc1' }).problems).toEqual([]);
  });

  it('per-node parameters and removed parameters are checked too, with hints', () => {
    const spec = cluster().replicaSet([{ setParameters: { internalQueryExecMaxBlockingSortBytes: 1 } }]);
    expect(spec.validate().problems).toEqual([
      {
        path: 'replicaSet.members[0].setParameters.internalQueryExecMaxBlockingSortBytes',
        message:
          'no supported mongod version knows setParameter internalQueryExecMaxBlockingSortBytes: it exists in versions before 4.4 (renamed internalQueryMaxBlockingSortMemoryUsageBytes in 4.4)',
      },
    ]);
    const router = cluster()
      .shards(1)
      .mongos([{ setParameters: { mongosShutdownTimeoutMillisForSignaledShutdown: 1 } }]);
    expect(router.validate({ exact: '4.4.0' }).problems.map((p) => p.path)).toEqual([
      'mongos[0].setParameters.mongosShutdownTimeoutMillisForSignaledShutdown',
    ]);
  });

  it('unknown parameter names are passed through with a warning; feature flags without one', () => {
    const spec = cluster().setParameters({ someNewKnob: 1, featureFlagSomething: true });
    expect(spec.validate().problems).toEqual([]);
    expect(spec.warnings).toEqual([
      {
        path: 'setParameters[0].parameters.someNewKnob',
        message:
          'mongo-topology does not know setParameter someNewKnob; the server refuses to start (exit code 2) if it does not either',
      },
    ]);
  });

  it('a flag removed in the chosen version is a problem', () => {
    const spec = cluster().args(['--nojournal']);
    expect(spec.version('6.0').validate().problems).toEqual([]);
    expect(spec.version('7.0').validate().problems).toEqual([
      {
        path: 'args[0].args',
        message:
          '--nojournal is not accepted by server 7.0: it exists in versions before 6.1 (journaling cannot be turned off from 6.1 on)',
      },
    ]);
  });
});
