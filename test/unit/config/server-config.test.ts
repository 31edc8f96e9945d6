import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cluster, plan, type ClusterPlan } from '../../../src/index.js';
import { ephemeralParameters, renderServerConfig, serverConfigDocument } from '../../../src/config/server-config.js';
import type { ClusterSpec } from '../../../src/index.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

const planOf = (spec: ClusterSpec, clusterDir = '/tmp/mt-conf'): Promise<ClusterPlan> =>
  plan(spec, { clusterDir, ports: new FakePorts(45000), randomBytes: seededRandomBytes() });

const node = (p: ClusterPlan, name: string) => p.nodes.find((n) => n.name === name)!;

describe('server config documents', () => {
  it('a replica-set member: loopback only, no unix socket, small cache, its set, quiet FTDC, short quiesce', async () => {
    const p = await planOf(cluster().replicaSet(2).storage({ oplogSizeMB: 128 }));
    expect(serverConfigDocument(p, node(p, 'rs0-1'), { serverVersion: '8.0.4' })).toEqual({
      net: { bindIp: '127.0.0.1', port: 45001, unixDomainSocket: { enabled: false } },
      storage: { dbPath: '/tmp/mt-conf/data/rs0-1', wiredTiger: { engineConfig: { cacheSizeGB: 0.25 } } },
      replication: { replSetName: 'rs0', oplogSizeMB: 128 },
      setParameter: { diagnosticDataCollectionEnabled: false, shutdownTimeoutMillisForSignaledShutdown: 100 },
    });
  });

  it('sets the shutdown quiesce only where the version knows it, under the name each binary knows', async () => {
    const p = await planOf(cluster().shards(1));
    expect(ephemeralParameters(node(p, 'shard0-0'), '4.4.29')).toEqual({ diagnosticDataCollectionEnabled: false });
    expect(ephemeralParameters(node(p, 'shard0-0'), '5.0.0')).toEqual({
      diagnosticDataCollectionEnabled: false,
      shutdownTimeoutMillisForSignaledShutdown: 100,
    });
    expect(ephemeralParameters(node(p, 'mongos-0'), '4.4.29')).toEqual({ diagnosticDataCollectionEnabled: false });
    expect(ephemeralParameters(node(p, 'mongos-0'), '7.0.12')).toEqual({
      diagnosticDataCollectionEnabled: false,
      mongosShutdownTimeoutMillisForSignaledShutdown: 100,
    });
  });

  it('config servers and shards carry their cluster role; routers their configDB and keyFile only', async () => {
    const p = await planOf(cluster().shards(1).configServers(2).auth());
    const cfg = serverConfigDocument(p, node(p, 'config-0'), { serverVersion: '8.0.4' });
    expect(cfg.sharding).toEqual({ clusterRole: 'configsvr' });
    expect(cfg.security).toEqual({ authorization: 'enabled', keyFile: '/tmp/mt-conf/keyfile' });
    expect(serverConfigDocument(p, node(p, 'shard0-0'), { serverVersion: '8.0.4' }).sharding).toEqual({
      clusterRole: 'shardsvr',
    });
    const router = serverConfigDocument(p, node(p, 'mongos-0'), { serverVersion: '8.0.4' });
    expect(router).toEqual({
      net: { bindIp: '127.0.0.1', port: 45003, unixDomainSocket: { enabled: false } },
      sharding: { configDB: 'configRS/127.0.0.1:45000,127.0.0.1:45001' },
      security: { keyFile: '/tmp/mt-conf/keyfile' },
      setParameter: { diagnosticDataCollectionEnabled: false, mongosShutdownTimeoutMillisForSignaledShutdown: 100 },
    });
  });

  it('a standalone with auth has authorization but no keyFile', async () => {
    const p = await planOf(cluster().auth());
    expect(serverConfigDocument(p, p.nodes[0], { serverVersion: '8.0.4' }).security).toEqual({
      authorization: 'enabled',
    });
  });

  it("merges the user's flags and parameters over the defaults", async () => {
    const p = await planOf(
      cluster()
        .replicaSet([
          { args: ['--wiredTigerCacheSizeGB', '1'], setParameters: { diagnosticDataCollectionEnabled: true } },
        ])
        .args(['--slowms', '5', '--setParameter', 'enableTestCommands=1'])
        .storage({ cacheSizeGB: 0.5 }),
    );
    expect(serverConfigDocument(p, p.nodes[0], { serverVersion: '8.0.4' })).toEqual({
      net: { bindIp: '127.0.0.1', port: 45000, unixDomainSocket: { enabled: false } },
      storage: { dbPath: '/tmp/mt-conf/data/rs0-0', wiredTiger: { engineConfig: { cacheSizeGB: 1 } } },
      replication: { replSetName: 'rs0' },
      operationProfiling: { slowOpThresholdMs: 5 },
      setParameter: {
        diagnosticDataCollectionEnabled: true,
        shutdownTimeoutMillisForSignaledShutdown: 100,
        enableTestCommands: 1,
      },
    });
  });

  it('leaves the WiredTiger cache out when the user picks another storage engine', async () => {
    const p = await planOf(cluster().args(['--storageEngine', 'inMemory']));
    expect(serverConfigDocument(p, p.nodes[0], { serverVersion: '8.0.4' }).storage).toEqual({
      dbPath: '/tmp/mt-conf/data/standalone',
      engine: 'inMemory',
    });
  });
});

describe('rendered YAML', () => {
  it('reads back as the same document, quoting what YAML would misread', async () => {
    const dir = "/tmp/odd dir: 'q' [x] {y} &z *w !t %p#1";
    const p = await planOf(
      cluster().replicaSet(1, { name: 'yes' }).setParameters({ authenticationMechanisms: 'SCRAM-SHA-256' }),
      dir,
    );
    const n = p.nodes[0];
    const text = renderServerConfig(p, n, { serverVersion: '8.0.4' });
    expect(parse(text)).toEqual(serverConfigDocument(p, n, { serverVersion: '8.0.4' }));
    expect(parse(text).replication.replSetName).toBe('yes');
    expect(text.split('\n')[0]).toBe(
      '# mongod.conf of node yes-0 (cluster "cluster", server 8.0.4), written by mongo-topology.',
    );
  });
});
