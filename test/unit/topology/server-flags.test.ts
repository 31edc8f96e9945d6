import { describe, expect, it } from 'vitest';
import { parseServerArgs } from '../../../src/topology/server-flags.js';

describe('parseServerArgs', () => {
  it('turns flags into YAML keys, with both --name value and --name=value', () => {
    const parsed = parseServerArgs([
      '--slowms',
      '5',
      '--maxConns=200',
      '--quiet',
      '-vv',
      '--profile',
      '2',
      '--wiredTigerCacheSizeGB',
      '1.5',
      '--noscripting',
      '--wiredTigerIndexPrefixCompression',
      'false',
      '--timeStampFormat=iso8601-utc',
      '--tlsCAFile',
      '/etc/ca.pem',
    ]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.options.map((o) => [o.flag, o.key, o.value])).toEqual([
      ['--slowms', 'operationProfiling.slowOpThresholdMs', 5],
      ['--maxConns', 'net.maxIncomingConnections', 200],
      ['--quiet', 'systemLog.quiet', true],
      ['-vv', 'systemLog.verbosity', 2],
      ['--profile', 'operationProfiling.mode', 'all'],
      ['--wiredTigerCacheSizeGB', 'storage.wiredTiger.engineConfig.cacheSizeGB', 1.5],
      ['--noscripting', 'security.javascriptEnabled', false],
      ['--wiredTigerIndexPrefixCompression', 'storage.wiredTiger.indexConfig.prefixCompression', false],
      ['--timeStampFormat', 'systemLog.timeStampFormat', 'iso8601-utc'],
      ['--tlsCAFile', 'net.tls.CAFile', '/etc/ca.pem'],
    ]);
    expect(parsed.binaries).toEqual(['mongod']);
  });

  it('collects --setParameter and --notablescan as parameters, typing true/false and integers', () => {
    const parsed = parseServerArgs([
      '--setParameter',
      'enableTestCommands=true',
      '--setParameter=logLevel=2',
      '--setParameter',
      'authenticationMechanisms=SCRAM-SHA-256',
      '--notablescan',
    ]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.options).toEqual([]);
    expect(parsed.setParameters).toEqual({
      enableTestCommands: true,
      logLevel: 2,
      authenticationMechanisms: 'SCRAM-SHA-256',
      notablescan: true,
    });
  });

  it('knows which binary takes which flag', () => {
    expect(parseServerArgs(['--quiet']).binaries).toEqual(['mongod', 'mongos']);
    expect(parseServerArgs(['--oplogSize', '10']).binaries).toEqual(['mongod']);
    expect(parseServerArgs(['--localThreshold', '10']).binaries).toEqual(['mongos']);
    expect(parseServerArgs(['--localThreshold', '10', '--oplogSize', '10']).binaries).toEqual([]);
  });

  it('refuses flags mongo-topology manages, saying what to use instead', () => {
    const parsed = parseServerArgs([
      '--port',
      '27017',
      '--replSet',
      'x',
      '--bind_ip_all',
      '--dbpath=/d',
      '--keyFile',
      '/k',
      '--fork',
    ]);
    expect(parsed.problems).toEqual([
      '--port is managed by mongo-topology: ports are allocated by mongo-topology; give a member or router a fixed `port` instead',
      '--replSet is managed by mongo-topology: use .replicaSet()',
      '--bind_ip_all is managed by mongo-topology: every node listens on 127.0.0.1 only',
      '--dbpath is managed by mongo-topology: data lives under the cluster directory; use .dataDir()',
      '--keyFile is managed by mongo-topology: use .auth(); a keyFile is generated',
      '--fork is managed by mongo-topology: the supervisor runs every server in the foreground',
    ]);
    expect(parsed.options).toEqual([]);
  });

  it('reports unknown flags, bad values and malformed tokens', () => {
    expect(
      parseServerArgs([
        '--bogus',
        '--slowms',
        'fast',
        '--profile',
        '3',
        '--quiet=yes',
        'stray',
        '--setParameter',
        'novalue',
        '--maxConns',
      ]).problems,
    ).toEqual([
      '--bogus is not a server flag mongo-topology can write into a config file; use .setParameters() for server parameters',
      '--slowms needs an integer, got "fast"',
      '--profile must be one of 0, 1, 2; got "3"',
      '--quiet takes no value, got "yes"',
      '"stray" is not a flag (flags look like --name or --name=value)',
      '--setParameter needs name=value, got "novalue"',
      '--maxConns needs a value',
    ]);
  });
});
