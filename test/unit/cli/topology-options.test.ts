// Flags and config files to a spec (src/cli/topology-options.ts): every builder option has a flag,
// flags override the file (args and setParameters add), relative paths in a file are relative to
// it, and bad input is a TopologyConfigError naming the problem.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  mergeFlags,
  readConfigFile,
  scalar,
  specFromFlags,
  specFromOptions,
} from '../../../src/cli/topology-options.js';
import { CLI_SUPERVISION, TopologyConfigError, cluster } from '../../../src/index.js';

let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function file(name: string, text: string): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'mt-cli-unit-'));
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('specFromFlags', () => {
  it("defaults: a standalone with the base spec's settings (the CLI passes 50 MiB x 10 logs)", () => {
    const d = specFromFlags({}, cluster().supervision(CLI_SUPERVISION)).definition;
    expect(d.replicaSet).toBeUndefined();
    expect(d.supervision).toEqual(CLI_SUPERVISION);
  });

  it('maps every flag onto the builder', () => {
    const d = specFromFlags(
      {
        name: 'dev',
        replset: 3,
        arbiters: 1,
        replsetSetting: [['electionTimeoutMillis', '2000']],
        shards: 2,
        configServers: 3,
        mongos: 2,
        version: '8.0',
        enterprise: true,
        binDir: 'bin',
        username: 'u',
        password: 'p',
        role: ['readWrite@app', 'clusterMonitor'],
        serverArg: ['--slowms=5'],
        mongodArg: ['--notablescan'],
        mongosArg: ['--maxConns=100'],
        setParameter: [['enableTestCommands', 'true']],
        cacheSizeGb: 1,
        oplogSizeMb: 128,
        dataDir: 'data',
        keepData: true,
        startupTimeoutMs: 5000,
        stopTimeoutMs: 1000,
        startSecs: 2,
        startRetries: 5,
        logMaxBytes: 1024,
        logBackups: 1,
      },
      cluster(),
    ).definition;
    expect(d.name).toBe('dev');
    expect(d.replicaSet).toEqual({
      members: [{}, {}, { arbiterOnly: true }],
      settings: { electionTimeoutMillis: 2000 },
    });
    expect(d.shards).toHaveLength(2);
    expect(d.configServers?.members).toHaveLength(3);
    expect(d.mongos).toHaveLength(2);
    expect(d.version).toBe('8.0');
    expect(d.enterprise).toBe(true);
    expect(d.binDir).toBe(join(process.cwd(), 'bin'));
    expect(d.auth).toEqual({
      username: 'u',
      password: 'p',
      roles: [{ role: 'readWrite', db: 'app' }, 'clusterMonitor'],
    });
    expect(d.args).toEqual([
      { args: ['--slowms=5'] },
      { args: ['--notablescan'], roles: ['mongod'] },
      { args: ['--maxConns=100'], roles: ['mongos'] },
    ]);
    expect(d.setParameters).toEqual([{ parameters: { enableTestCommands: true } }]);
    expect(d.storage).toEqual({ cacheSizeGB: 1, oplogSizeMB: 128 });
    expect(d.dataDir).toBe(join(process.cwd(), 'data'));
    expect(d.keepData).toBe(true);
    expect(d.timeouts).toEqual({ startupMs: 5000, stopMs: 1000 });
    expect(d.supervision).toEqual({ startSecs: 2, startRetries: 5, logMaxBytes: 1024, logBackups: 1 });
  });

  it('--replset-name alone makes a one-member set of that name', () => {
    expect(specFromFlags({ replsetName: 'app' }, cluster()).definition.replicaSet).toEqual({
      name: 'app',
      members: [{}],
      settings: {},
    });
  });

  it('--auth alone: user admin with a generated password', () => {
    expect(specFromFlags({ auth: true }, cluster()).definition.auth).toEqual({ username: 'admin', roles: ['root'] });
  });

  it('reads YAML and JSON files; flags override, args and parameters add', () => {
    const yaml = file(
      'topology.yaml',
      [
        'name: fromfile',
        'replicaSet:',
        '  members: [{ priority: 2 }, {}, {}]',
        '  settings: { heartbeatIntervalMillis: 500 }',
        'binDir: ./bin',
        'args: ["--slowms=10"]',
        'setParameters: { notablescan: true }',
        'timeouts: { startupMs: 9000 }',
      ].join('\n'),
    );
    const d = specFromFlags(
      {
        config: yaml,
        name: 'flag',
        replsetSetting: [['electionTimeoutMillis', '3000']],
        serverArg: ['--quiet'],
        setParameter: [['ttlMonitorEnabled', 'false']],
        stopTimeoutMs: 2000,
      },
      cluster(),
    ).definition;
    expect(d.name).toBe('flag');
    expect(d.replicaSet?.members).toEqual([{ priority: 2 }, {}, {}]);
    expect(d.replicaSet?.settings).toEqual({ heartbeatIntervalMillis: 500, electionTimeoutMillis: 3000 });
    expect(d.binDir).toBe(join(tmp!, 'bin'));
    expect(d.args).toEqual([{ args: ['--slowms=10'] }, { args: ['--quiet'] }]);
    expect(d.setParameters).toEqual([
      { parameters: { notablescan: true } },
      { parameters: { ttlMonitorEnabled: false } },
    ]);
    expect(d.timeouts).toEqual({ startupMs: 9000, stopMs: 2000 });

    const json = file('t.json', JSON.stringify({ shards: 2, configServers: 1, mongos: [{ args: ['--maxConns=5'] }] }));
    const s = specFromFlags({ config: json, replset: 3 }, cluster()).definition;
    expect(s.shards).toHaveLength(2);
    expect(s.replicaSet?.members).toHaveLength(3);
    expect(s.mongos).toEqual([{ args: ['--maxConns=5'] }]);
  });

  it('bad input is a TopologyConfigError that names it', () => {
    expect(() => readConfigFile(file('x.yaml', 'replicaSet: 3\nbogus: 1\n'))).toThrow(/bogus: unknown option/);
    expect(() => readConfigFile(file('y.yaml', '- 1\n- 2\n'))).toThrow(/must hold an object/);
    expect(() => readConfigFile(file('z.json', '{ nope'))).toThrow(/Cannot parse the config file/);
    expect(() => readConfigFile(join(tmpdir(), 'mt-no-such-file.yaml'))).toThrow(/Cannot read the config file/);
    expect(() => mergeFlags({}, { enterprise: true })).toThrow(TopologyConfigError);
    expect(() => mergeFlags({}, { replset: 2, arbiters: 2 })).toThrow(/arbiters leave no data-bearing member/);
    expect(() => specFromOptions({ mongos: 2 }, cluster())).toThrow(/routers need a sharded cluster/);
    expect(() => specFromOptions({ replicaSet: { members: [{ priority: -1 }] } }, cluster())).toThrow(/priority/);
    expect(() => specFromFlags({ serverArg: ['--port=1'] }, cluster())).toThrow(TopologyConfigError);
    expect(() => specFromFlags({ version: 'banana' }, cluster())).toThrow(/version/);
    expect(() => specFromFlags({ replsetName: 'config' }, cluster())).toThrow(/reserved/);
  });

  it('parameter values are read like YAML scalars', () => {
    expect([scalar('true'), scalar('false'), scalar('5'), scalar('-1.5'), scalar('abc'), scalar('1e3')]).toEqual([
      true,
      false,
      5,
      -1.5,
      'abc',
      '1e3',
    ]);
  });
});
