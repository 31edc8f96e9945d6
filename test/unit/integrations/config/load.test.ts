// Finding and reading config files: which file wins, each format, and a clear TopologyConfigError
// (naming the file, and the line for YAML) for everything that is wrong.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TopologyConfigError, cluster, loadConfig } from '../../../../src/index.js';
import { findConfigFile, loadConfigFile } from '../../../../src/integrations/config/load.js';
import { TopologySpec } from '../../../../src/topology/builder.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

async function loadError(options: Parameters<typeof loadConfigFile>[1]): Promise<TopologyConfigError> {
  const e = await loadConfigFile(new TopologySpec(), { env: {}, cwd: dir, ...options }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TopologyConfigError);
  return e as TopologyConfigError;
}

describe('loadConfig', () => {
  it('resolves undefined when no file is named and none is found', async () => {
    expect(await loadConfig({ cwd: dir, env: {} })).toBeUndefined();
    expect(findConfigFile(dir)).toBeUndefined();
  });

  it('reads YAML, with paths relative to the file, into a spec that can start', async () => {
    const file = write(
      'mongo-topology.config.yaml',
      'replicaSet: 3\nbinDir: ./bin\nstart:\n  startupTimeoutMs: 90000\n',
    );
    const loaded = (await loadConfig({ cwd: dir, env: {} }))!;
    expect(loaded.file).toBe(file);
    expect(loaded.spec.definition).toEqual(cluster().replicaSet(3).binDir(join(dir, 'bin')).definition);
    expect(typeof loaded.spec.start).toBe('function');
    expect(loaded.start).toEqual({ startupTimeoutMs: 90_000 });
  });

  it('reads JSON', async () => {
    write('mongo-topology.config.json', JSON.stringify({ shards: 2, replicaSet: 3 }));
    const loaded = (await loadConfigFile(new TopologySpec(), { cwd: dir, env: {} }))!;
    expect(loaded.spec.definition).toEqual(new TopologySpec().replicaSet(3).shards(2).definition);
  });

  it('imports JavaScript modules: a default-exported config, or a function returning one', async () => {
    write('a.mjs', 'export default { replicaSet: 2, start: { keep: true } };\n');
    write('b.mjs', 'export default async () => ({ replicaSet: 5 });\n');
    const a = (await loadConfigFile(new TopologySpec(), { cwd: dir, file: 'a.mjs', env: {} }))!;
    expect(a.spec.definition.replicaSet?.members).toHaveLength(2);
    expect(a.start).toEqual({ keep: true });
    const b = (await loadConfigFile(new TopologySpec(), { cwd: dir, file: 'b.mjs', env: {} }))!;
    expect(b.spec.definition.replicaSet?.members).toHaveLength(5);
  });

  it('uses a given module loader for TypeScript and JavaScript (vitest passes its own)', async () => {
    const file = write('mongo-topology.config.ts', 'this is not read by the fake loader');
    const seen: string[] = [];
    const loaded = (await loadConfigFile(new TopologySpec(), {
      cwd: dir,
      env: {},
      importModule: async (f) => {
        seen.push(f);
        return { default: new TopologySpec().replicaSet(3) };
      },
    }))!;
    expect(seen).toEqual([file]);
    expect(loaded.spec.definition.replicaSet?.members).toHaveLength(3);
  });

  it('says which Node runs TypeScript when this one cannot', async () => {
    write('mongo-topology.config.ts', 'export default {};');
    const e = await loadError({
      importModule: () =>
        Promise.reject(
          Object.assign(new TypeError('Unknown file extension ".ts"'), { code: 'ERR_UNKNOWN_FILE_EXTENSION' }),
        ),
    });
    expect(e.message).toMatch(
      /Node .* does not run TypeScript\. Use Node 22\.18 or later, or a \.js, \.mjs, \.json or \.yaml config/,
    );
  });

  it('takes the file from MONGO_TOPOLOGY_CONFIG, relative to cwd, when none is named', async () => {
    write('custom.yml', 'replicaSet: 1\n');
    write('mongo-topology.config.json', '{}');
    const loaded = (await loadConfigFile(new TopologySpec(), {
      cwd: dir,
      env: { MONGO_TOPOLOGY_CONFIG: 'custom.yml' },
    }))!;
    expect(loaded.file).toBe(join(dir, 'custom.yml'));
    const e = await loadError({ env: { MONGO_TOPOLOGY_CONFIG: 'missing.yml' } });
    expect(e.message).toBe(
      `The mongo-topology config file ${join(dir, 'missing.yml')} (from MONGO_TOPOLOGY_CONFIG) does not exist`,
    );
  });

  it('refuses several config files in one directory', async () => {
    write('mongo-topology.config.json', '{}');
    write('mongo-topology.config.yaml', '{}');
    const e = await loadError({});
    expect(e.message).toMatch(
      /Several mongo-topology config files in .*: mongo-topology\.config\.json, mongo-topology\.config\.yaml/,
    );
  });

  it('names the file and the problem for unreadable contents', async () => {
    write('bad.json', '{ "replicaSet": 3, }');
    expect((await loadError({ file: 'bad.json' })).message).toMatch(/bad\.json is not valid JSON/);
    write('bad.yaml', 'replicaSet: 3\nshards: [1, 2\n');
    const y = await loadError({ file: 'bad.yaml' });
    expect(y.message).toMatch(/bad\.yaml is not valid YAML/);
    expect(y.problems[0].path).toMatch(/bad\.yaml:\d+$/);
    write('none.mjs', 'export const replicaSet = 3;\n');
    expect((await loadError({ file: 'none.mjs' })).message).toMatch(/none\.mjs has no default export/);
    write('throws.mjs', 'export default () => { throw new Error("boom"); };\n');
    expect((await loadError({ file: 'throws.mjs' })).message).toMatch(
      /The config function of .*throws\.mjs threw: boom/,
    );
    write('config.toml', 'replicaSet = 3\n');
    expect((await loadError({ file: 'config.toml' })).message).toMatch(/Unsupported config file .*config\.toml/);
    write('invalid.yaml', 'replicaSet: -1\n');
    const v = await loadError({ file: 'invalid.yaml' });
    expect(v.message).toContain(`Invalid mongo-topology config in ${join(dir, 'invalid.yaml')}`);
    expect(v.problems[0].path).toMatch(/^replicaSet/);
  });
});
