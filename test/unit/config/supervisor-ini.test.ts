// The rendered supervisor.ini and program files must mean to the supervisor module's parser (which
// reads INI exactly as supervisord 4.2.5 does) what the plan says.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cluster, plan, type ClusterPlan } from '../../../src/index.js';
import { renderCluster, SUPERVISOR_CONFIG_MODE } from '../../../src/config/render.js';
import { writeClusterFiles } from '../../../src/config/write.js';
import { loadSupervisorConfig, shlexSplit } from '../../../src/supervisor/config/index.js';
import type { ClusterSpec } from '../../../src/index.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

const BIN = { mongod: '/opt/mongo db/bin/mongod', mongos: '/opt/mongo db/bin/mongos' };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-ini-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function written(spec: ClusterSpec, clusterDir = join(dir, 'c')): Promise<ClusterPlan> {
  const p = await plan(spec, { clusterDir, ports: new FakePorts(48000), randomBytes: seededRandomBytes() });
  await writeClusterFiles(renderCluster(p, { serverVersion: '8.0.4', binaries: BIN }));
  return p;
}

describe('supervisor INI as the supervisor module reads it', () => {
  it('a sharded cluster: groups by tier and shard, in start order, each program as planned', async () => {
    const p = await written(cluster().shards(2).replicaSet(2).configServers(3).mongos(2).timeouts({ stopMs: 20_000 }));
    const config = loadSupervisorConfig(p.supervisor.configFile, { env: {} });
    expect(config.groups.map((g) => [g.name, g.priority, g.processes.map((x) => x.name)])).toEqual([
      ['config', 100, ['config-0', 'config-1', 'config-2']],
      ['shard0', 200, ['shard0-0', 'shard0-1']],
      ['shard1', 200, ['shard1-0', 'shard1-1']],
      ['mongos', 300, ['mongos-0', 'mongos-1']],
    ]);
    expect(config.files).toEqual([p.supervisor.configFile, ...p.nodes.map((n) => n.programFile).sort()]);
    for (const node of p.nodes) {
      const proc = config.groups.flatMap((g) => g.processes).find((x) => x.name === node.name)!;
      expect(shlexSplit(proc.command)).toEqual([
        node.binary === 'mongos' ? BIN.mongos : BIN.mongod,
        '--config',
        node.configFile,
      ]);
      expect(proc).toMatchObject({
        directory: p.clusterDir,
        autostart: false,
        autorestart: 'unexpected',
        startsecs: 1,
        startretries: 3,
        stopsignal: 2,
        stopwaitsecs: 20,
        stopasgroup: true,
        killasgroup: true,
        redirectStderr: true,
        stdoutLogfile: node.logFile,
        stdoutLogfileMaxbytes: 10 * 1024 * 1024,
        stdoutLogfileBackups: 2,
        ready: { kind: 'log-id', id: 23016 },
        dependsOn: node.role === 'mongos' ? ['config-0', 'config-1', 'config-2'] : [],
      });
      expect(proc.extensions).toMatchObject({ x_role: node.role, x_address: node.address });
    }
    expect(config.servers).toEqual([
      {
        kind: 'inet',
        host: '127.0.0.1',
        port: p.supervisor.port,
        username: 'mongo-topology',
        password: p.supervisor.password,
      },
    ]);
    expect(config.supervisorctl).toMatchObject({
      serverurl: p.supervisor.url,
      username: 'mongo-topology',
      password: p.supervisor.password,
    });
    expect(config.rpcinterfaces).toEqual(['supervisor']);
    expect(config.supervisord).toMatchObject({
      logfile: p.supervisor.logFile,
      pidfile: p.supervisor.pidFile,
      nodaemon: true,
      childlogdir: join(p.clusterDir, 'logs'),
      identifier: 'mongo-topology-cluster',
    });
    expect(config.warnings).toEqual([]);
    expect(statSync(p.supervisor.configFile).mode & 0o777).toBe(SUPERVISOR_CONFIG_MODE);
  });

  it('a standalone is one program in its own group', async () => {
    const p = await written(cluster());
    const config = loadSupervisorConfig(p.supervisor.configFile, { env: {} });
    expect(config.groups.map((g) => [g.name, g.processes.map((x) => x.name)])).toEqual([
      ['standalone', ['standalone']],
    ]);
  });

  it('paths with %, spaces, quotes and ; read back unchanged', async () => {
    const odd = join(dir, "100% it's a;dir");
    const p = await written(cluster().replicaSet(1), odd);
    const config = loadSupervisorConfig(p.supervisor.configFile, { env: {} });
    const proc = config.groups[0].processes[0];
    expect(shlexSplit(proc.command)).toEqual([BIN.mongod, '--config', p.nodes[0].configFile]);
    expect(proc.stdoutLogfile).toBe(p.nodes[0].logFile);
    expect(proc.directory).toBe(odd);
    expect(config.supervisord.logfile).toBe(p.supervisor.logFile);
  });

  it('log rotation and start settings come from supervision()', async () => {
    const p = await written(
      cluster().supervision({ logMaxBytes: 50 * 1024 * 1024, logBackups: 10, startSecs: 5, startRetries: 1 }),
    );
    const proc = loadSupervisorConfig(p.supervisor.configFile, { env: {} }).groups[0].processes[0];
    expect(proc).toMatchObject({
      stdoutLogfileMaxbytes: 50 * 1024 * 1024,
      stdoutLogfileBackups: 10,
      startsecs: 5,
      startretries: 1,
    });
  });
});
