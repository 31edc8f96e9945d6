import { describe, expect, it } from 'vitest';
import { cluster, plan, TopologyConfigError } from '../../../src/index.js';
import { supervisorModel } from '../../../src/config/supervisor-model.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

const DIR = '/tmp/mt-model';
const BIN = { mongod: '/opt/m/bin/mongod', mongos: '/opt/m/bin/mongos' };

describe('supervisor model', () => {
  it('one program per node: binary --config file, supervised the way the design asks', async () => {
    const p = await plan(cluster().replicaSet(3).timeouts({ stopMs: 10_500 }), {
      clusterDir: DIR,
      ports: new FakePorts(46000),
      randomBytes: seededRandomBytes(),
    });
    const model = supervisorModel(p, BIN);
    expect(model.programs.map((x) => x.name)).toEqual(['rs0-0', 'rs0-1', 'rs0-2']);
    expect(model.programs[1]).toEqual({
      name: 'rs0-1',
      command: ['/opt/m/bin/mongod', '--config', `${DIR}/conf/rs0-1/mongod.conf`],
      directory: DIR,
      priority: 200,
      autostart: false,
      autorestart: 'unexpected',
      startsecs: 1,
      startretries: 3,
      stopsignal: 'INT',
      stopwaitsecs: 11,
      stopasgroup: true,
      killasgroup: true,
      redirectStderr: true,
      stdoutLogfile: `${DIR}/logs/rs0-1.log`,
      stdoutLogfileMaxbytes: 10 * 1024 * 1024,
      stdoutLogfileBackups: 2,
      ready: { kind: 'log-id', id: 23016 },
      dependsOn: [],
      extensions: { x_role: 'replset', x_replica_set: 'rs0', x_address: '127.0.0.1:46001' },
      file: `${DIR}/conf/rs0-1/program.ini`,
    });
  });

  it('the main file: supervisord, a loopback control endpoint with a secret, the include and the groups', async () => {
    const p = await plan(
      cluster()
        .shards(2)
        .mongos(2)
        .supervision({ logMaxBytes: 50 * 1024 * 1024, logBackups: 10 }),
      {
        clusterDir: DIR,
        ports: new FakePorts(47000),
        randomBytes: seededRandomBytes(),
      },
    );
    const { main, programs } = supervisorModel(p, BIN);
    expect(main.supervisord).toEqual({
      logfile: `${DIR}/supervisor.log`,
      logfileMaxbytes: 50 * 1024 * 1024,
      logfileBackups: 10,
      loglevel: 'info',
      pidfile: `${DIR}/supervisor.pid`,
      childlogdir: `${DIR}/logs`,
      nodaemon: true,
      identifier: 'mongo-topology-cluster',
      umask: 0o022,
    });
    expect(main.inetHttpServer).toEqual({
      host: '127.0.0.1',
      port: p.supervisor.port,
      username: 'mongo-topology',
      password: p.supervisor.password,
    });
    expect(main.supervisorctl.serverurl).toBe(`http://127.0.0.1:${p.supervisor.port}`);
    expect(main.include).toEqual(['conf/*/program.ini']);
    expect(main.groups).toEqual([
      { name: 'config', programs: ['config-0'], priority: 100 },
      { name: 'shard0', programs: ['shard0-0'], priority: 200 },
      { name: 'shard1', programs: ['shard1-0'], priority: 200 },
      { name: 'mongos', programs: ['mongos-0', 'mongos-1'], priority: 300 },
    ]);
    const router = programs.find((x) => x.name === 'mongos-1')!;
    expect(router.command).toEqual(['/opt/m/bin/mongos', '--config', `${DIR}/conf/mongos-1/mongos.conf`]);
    expect(router.dependsOn).toEqual(['config-0']);
    expect(router.priority).toBe(300);
    expect(router.extensions).toEqual({
      x_role: 'mongos',
      x_address: p.nodes.find((n) => n.name === 'mongos-1')!.address,
    });
    expect(programs.find((x) => x.name === 'config-0')!.priority).toBe(100);
  });

  it('needs absolute binary paths, and mongos for routers', async () => {
    const p = await plan(cluster().shards(1), {
      clusterDir: DIR,
      ports: new FakePorts(),
      randomBytes: seededRandomBytes(),
    });
    const err = (() => {
      try {
        supervisorModel(p, { mongod: 'bin/mongod' });
      } catch (e) {
        return e as TopologyConfigError;
      }
    })();
    expect(err).toBeInstanceOf(TopologyConfigError);
    expect(err!.problems.map((x) => x.path)).toEqual(['binaries.mongod', 'binaries.mongos']);
    const single = await plan(cluster(), { clusterDir: DIR, ports: new FakePorts(), randomBytes: seededRandomBytes() });
    expect(supervisorModel(single, { mongod: '/m/mongod' }).programs).toHaveLength(1);
    expect(supervisorModel(single, { mongod: '/m/mongod' }).main.groups).toEqual([]);
  });
});
