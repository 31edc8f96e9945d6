// Config contents → spec: every key is the builder method of the same name, relative paths are
// the config file's, and every problem of a file is reported at once with its key path.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterSpec, TopologyConfigError, cluster } from '../../../../src/index.js';
import { configToSpec } from '../../../../src/integrations/config/to-spec.js';
import { TopologySpec } from '../../../../src/topology/builder.js';

const origin = { dir: '/projects/app', source: '/projects/app/mongo-topology.config.yaml' };

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyConfigError);
    expect((e as Error).message).toContain(origin.source);
    return [...(e as TopologyConfigError).problems];
  }
  throw new Error('expected a TopologyConfigError');
}

describe('configToSpec', () => {
  it('applies each key as the builder method of the same name', () => {
    const { spec, start } = configToSpec(
      {
        name: 'app',
        version: '8.0',
        enterprise: true,
        replicaSet: { members: [{ priority: 2 }, {}, {}], name: 'main', settings: { electionTimeoutMillis: 1000 } },
        auth: { username: 'app', password: 's3cret' },
        args: ['--slowms', '5'],
        setParameters: { enableTestCommands: true },
        storage: { cacheSizeGB: 0.5 },
        timeouts: { startupMs: 90_000 },
        supervision: { startRetries: 5 },
        keepData: true,
      },
      new TopologySpec(),
      origin,
    );
    const expected = new TopologySpec()
      .name('app')
      .version('8.0', { enterprise: true })
      .replicaSet([{ priority: 2 }, {}, {}], { name: 'main', settings: { electionTimeoutMillis: 1000 } })
      .auth({ username: 'app', password: 's3cret' })
      .args(['--slowms', '5'])
      .setParameters({ enableTestCommands: true })
      .storage({ cacheSizeGB: 0.5 })
      .timeouts({ startupMs: 90_000 })
      .supervision({ startRetries: 5 })
      .keepData(true);
    expect(spec.definition).toEqual(expected.definition);
    expect(start).toEqual({});
  });

  it('takes counts and short forms: replicaSet: 3, shards: 2, mongos: 2, auth: true', () => {
    const { spec } = configToSpec(
      { shards: 2, replicaSet: 3, configServers: 3, mongos: 2, auth: true },
      new TopologySpec(),
      origin,
    );
    expect(spec.definition).toEqual(
      new TopologySpec().replicaSet(3).shards(2).configServers(3).mongos(2).auth().definition,
    );
  });

  it('enterprise: false needs no version, enterprise: true needs one', () => {
    expect(configToSpec({ enterprise: false }, new TopologySpec(), origin).spec.definition).toEqual(
      new TopologySpec().definition,
    );
    expect(configToSpec({ version: '8.0', enterprise: false }, new TopologySpec(), origin).spec.definition).toEqual(
      new TopologySpec().version('8.0').definition,
    );
  });

  it('resolves relative paths against the config file, start options included', () => {
    const { spec, start } = configToSpec(
      {
        binDir: 'bin',
        dataDir: '../data',
        start: { tmpDir: 'tmp', keep: true, startupTimeoutMs: 5000, reaper: false, env: { A: 'b' } },
      },
      new TopologySpec(),
      origin,
    );
    expect(spec.definition.binDir).toBe(resolve('/projects/app/bin'));
    expect(spec.definition.dataDir).toBe(resolve('/projects/data'));
    expect(start).toEqual({
      tmpDir: '/projects/app/tmp',
      keep: true,
      startupTimeoutMs: 5000,
      reaper: false,
      env: { A: 'b' },
    });
  });

  it('derives from the base: a ClusterSpec base gives a ClusterSpec (with start())', () => {
    const fromData = configToSpec({ replicaSet: 3 }, cluster(), origin).spec;
    expect(fromData).toBeInstanceOf(ClusterSpec);
    expect(typeof fromData.start).toBe('function');
    const fromSpec = configToSpec(new TopologySpec().replicaSet(3), cluster(), origin).spec;
    expect(fromSpec).toBeInstanceOf(ClusterSpec);
    expect(fromSpec.definition).toEqual(fromData.definition);
    const wrapped = configToSpec({ topology: cluster().replicaSet(2), start: { keep: true } }, cluster(), origin);
    expect(wrapped.spec.definition).toEqual(cluster().replicaSet(2).definition);
    expect(wrapped.start).toEqual({ keep: true });
  });

  it('reports every problem of the file at once, each with its key path', () => {
    const problems = problemsOf(() =>
      configToSpec(
        { replicaSets: 3, replicaSet: 0, storage: { cacheSizeGB: -1 }, keepData: 'yes', start: { timeoutMs: 5 } },
        new TopologySpec(),
        origin,
      ),
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('replicaSets');
    expect(paths.some((p) => p.startsWith('replicaSet') && p !== 'replicaSets')).toBe(true);
    expect(paths.some((p) => p.startsWith('storage'))).toBe(true);
    expect(paths).toContain('keepData');
    expect(paths).toContain('start.timeoutMs');
    expect(problems.find((p) => p.path === 'replicaSets')!.message).toMatch(/unknown key; known keys: name, version/);
  });

  it('reports rules across keys that validate() checks', () => {
    const problems = problemsOf(() => configToSpec({ replicaSet: 3, mongos: 1 }, new TopologySpec(), origin));
    expect(problems).toContainEqual({
      path: 'mongos',
      message: 'routers need a sharded cluster: add .shards(n), or remove .mongos()',
    });
  });

  it('refuses what is not a config', () => {
    expect(problemsOf(() => configToSpec([1, 2], new TopologySpec(), origin))[0].message).toMatch(
      /must be an object of topology keys .* got an array/,
    );
    expect(problemsOf(() => configToSpec('replicaSet: 3', new TopologySpec(), origin))[0].path).toBe('(root)');
    expect(
      problemsOf(() => configToSpec({ topology: { replicaSet: 3 } }, new TopologySpec(), origin))[0].message,
    ).toMatch(/must be a spec made with cluster\(\)/);
    expect(
      problemsOf(() => configToSpec({ topology: cluster(), replicaSet: 3 }, new TopologySpec(), origin))[0].message,
    ).toMatch(/either a spec or topology keys, not both \(also set: replicaSet\)/);
    expect(
      problemsOf(() => configToSpec({ replicaSet: { members: 3, priority: 1 } }, new TopologySpec(), origin))[0],
    ).toEqual({ path: 'replicaSet', message: 'unknown keys priority; known: members, name, settings' });
    expect(problemsOf(() => configToSpec({ enterprise: true }, new TopologySpec(), origin))[0].path).toBe('enterprise');
    expect(problemsOf(() => configToSpec({ start: { env: { A: 1 } } }, new TopologySpec(), origin))[0]).toEqual({
      path: 'start.env',
      message: 'must be an object of string values',
    });
  });
});
