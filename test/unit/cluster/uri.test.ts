import { describe, expect, it } from 'vitest';
import { cluster, plan } from '../../../src/index.js';
import { layoutFromPlan } from '../../../src/cluster/layout.js';
import { clusterUri, nodeUri } from '../../../src/cluster/uri.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

async function layoutOf(spec: ReturnType<typeof cluster>) {
  const p = await plan(spec, {
    clusterDir: '/tmp/mt-uri',
    ports: new FakePorts(41000),
    randomBytes: seededRandomBytes(3),
    serverVersion: '8.0.4',
  });
  return layoutFromPlan(p, { mongod: '/bin/mongod', mongos: '/bin/mongos' }, '8.0.4', 'in-process');
}

describe('URIs', () => {
  it('a standalone connects directly', async () => {
    expect(clusterUri(await layoutOf(cluster()))).toBe('mongodb://127.0.0.1:41000/?directConnection=true');
  });

  it('a replica set names the set and leaves hidden members out', async () => {
    const l = await layoutOf(cluster().replicaSet([{}, { hidden: true }, { arbiterOnly: true }], { name: 'app' }));
    expect(clusterUri(l)).toBe('mongodb://127.0.0.1:41000,127.0.0.1:41002/?replicaSet=app');
    expect(nodeUri(l, l.nodes[1])).toBe('mongodb://127.0.0.1:41001/?directConnection=true');
  });

  it('a sharded cluster lists its routers', async () => {
    const l = await layoutOf(cluster().shards(1).mongos(2));
    const routers = l.nodes.filter((n) => n.role === 'mongos').map((n) => n.address);
    expect(clusterUri(l)).toBe(`mongodb://${routers.join(',')}/`);
  });

  it('with auth: the user (percent-encoded) and authSource, except on arbiters, which hold no users', async () => {
    const l = await layoutOf(
      cluster()
        .replicaSet([{}, { arbiterOnly: true }])
        .auth({ username: 'a@b', password: 'p:w/d%' }),
    );
    expect(clusterUri(l)).toBe(
      'mongodb://a%40b:p%3Aw%2Fd%25@127.0.0.1:41000,127.0.0.1:41001/?replicaSet=rs0&authSource=admin',
    );
    expect(nodeUri(l, l.nodes[0])).toBe(
      'mongodb://a%40b:p%3Aw%2Fd%25@127.0.0.1:41000/?directConnection=true&authSource=admin',
    );
    expect(nodeUri(l, l.nodes[1])).toBe('mongodb://127.0.0.1:41001/?directConnection=true');
  });
});
