import { describe, expect, it } from 'vitest';
import { cluster, plan } from '../../../src/index.js';
import { electableMembers, layoutFromPlan, membersOf, namespecOf } from '../../../src/cluster/layout.js';
import { stopTiers } from '../../../src/cluster/teardown.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

const DIR = '/tmp/mt-layout';

describe('layout', () => {
  it('names every node by its supervisor namespec and command line', async () => {
    const p = await plan(cluster().shards(2).configServers(1).mongos(1), {
      clusterDir: DIR,
      ports: new FakePorts(42000),
      randomBytes: seededRandomBytes(1),
    });
    const l = layoutFromPlan(p, { mongod: '/opt/m/mongod', mongos: '/opt/m/mongos' }, '8.0.4', 'daemon');
    expect(l.nodes.map((n) => n.namespec)).toEqual([
      'config:config-0',
      'shard0:shard0-0',
      'shard1:shard1-0',
      'mongos:mongos-0',
    ]);
    expect(l.nodes[3].command).toEqual(['/opt/m/mongos', '--config', `${DIR}/conf/mongos-0/mongos.conf`]);
    expect(l.nodes[0].dataDir).toBe(`${DIR}/data/config-0`);
    expect(l.nodes[3].dataDir).toBeUndefined();
    expect(l.supervisor).toMatchObject({ mode: 'daemon', url: p.supervisor.url, password: p.supervisor.password });
    expect(namespecOf({ name: 'standalone' })).toBe('standalone');
    // Routers stop first, config servers last.
    expect(stopTiers(l).map((t) => t.map((n) => n.name))).toEqual([
      ['mongos-0'],
      ['shard0-0', 'shard1-0'],
      ['config-0'],
    ]);
  });

  it('marks hidden members and arbiters; electable members exclude them', async () => {
    const p = await plan(cluster().replicaSet([{}, { hidden: true }, { arbiterOnly: true }, { priority: 0 }]), {
      clusterDir: DIR,
      ports: new FakePorts(43000),
    });
    const l = layoutFromPlan(p, { mongod: '/opt/m/mongod' }, '8.0.4', 'in-process');
    const set = l.replicaSets[0];
    expect(membersOf(l, set).map((n) => [n.name, n.hidden, n.arbiter])).toEqual([
      ['rs0-0', false, false],
      ['rs0-1', true, false],
      ['rs0-2', false, true],
      ['rs0-3', false, false],
    ]);
    expect(electableMembers(l, set).map((n) => n.name)).toEqual(['rs0-0']);
    expect(l.auth).toBeUndefined();
  });
});
