import { describe, expect, it } from 'vitest';
import { cluster, plan, TopologyConfigError } from '../../../src/index.js';
import { renderServerFiles } from '../../../src/config/render.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

const planOf = (spec: ReturnType<typeof cluster>, serverVersion?: string) =>
  plan(spec, {
    clusterDir: '/tmp/mt-render',
    ports: new FakePorts(),
    randomBytes: seededRandomBytes(),
    ...(serverVersion ? { serverVersion } : {}),
  });

function renderProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyConfigError);
    return (e as TopologyConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

describe('rendering against the resolved server version', () => {
  it('re-checks version rules a plan made before binary resolution could not', async () => {
    const p = await planOf(cluster().replicaSet(1).setParameters({ shutdownTimeoutMillisForSignaledShutdown: 50 }));
    expect(renderProblems(() => renderServerFiles(p, { serverVersion: '8.0.4' }))).toEqual([]);
    expect(renderProblems(() => renderServerFiles(p, { serverVersion: '4.4.29' }))).toEqual([
      'setParameters[0].parameters.shutdownTimeoutMillisForSignaledShutdown: mongod 4.4.29 does not know setParameter shutdownTimeoutMillisForSignaledShutdown: it exists in 5.0 and later (mongos uses mongosShutdownTimeoutMillisForSignaledShutdown)',
    ]);
  });

  it('refuses a version that is not one, too old, or not the one the plan was made for', async () => {
    const p = await planOf(cluster(), '8.0.4');
    expect(renderProblems(() => renderServerFiles(p, { serverVersion: 'latest' }))[0]).toMatch(
      /^serverVersion: "latest"/,
    );
    expect(renderProblems(() => renderServerFiles(p, { serverVersion: '4.2.0' }))[0]).toMatch(/4.4.0 or later/);
    expect(renderProblems(() => renderServerFiles(p, { serverVersion: '7.0.1' }))).toEqual([
      'serverVersion: the plan was made for server 8.0.4, not 7.0.1; plan again',
    ]);
  });

  it('writes the quiesce parameter only for versions that know it', async () => {
    const p = await planOf(cluster().replicaSet(1));
    const old = renderServerFiles(p, { serverVersion: '4.4.29' }).files[0].contents;
    const current = renderServerFiles(p, { serverVersion: '5.0.0' }).files[0].contents;
    expect(old).not.toContain('shutdownTimeoutMillisForSignaledShutdown');
    expect(current).toContain('shutdownTimeoutMillisForSignaledShutdown: 100');
  });

  it('lists the directories the nodes need', async () => {
    const p = await planOf(cluster().shards(1));
    expect(renderServerFiles(p, { serverVersion: '8.0.4' }).dirs).toEqual([
      '/tmp/mt-render/logs',
      '/tmp/mt-render/conf/config-0',
      '/tmp/mt-render/conf/shard0-0',
      '/tmp/mt-render/conf/mongos-0',
      '/tmp/mt-render/data/config-0',
      '/tmp/mt-render/data/shard0-0',
    ]);
  });
});
