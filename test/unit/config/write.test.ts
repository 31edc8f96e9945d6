import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cluster, plan } from '../../../src/index.js';
import { KEYFILE_MODE, renderServerFiles } from '../../../src/config/render.js';
import { writeClusterFiles, writeFileAtomic } from '../../../src/config/write.js';
import { FakePorts, seededRandomBytes } from '../../helpers/fake-ports.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mt-write-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o777;

describe('writing a cluster directory', () => {
  it('creates every node directory, writes each config, and the keyFile with mode 0400', async () => {
    const clusterDir = join(dir, 'c');
    const p = await plan(cluster().shards(1).auth(), {
      clusterDir,
      ports: new FakePorts(),
      randomBytes: seededRandomBytes(),
    });
    await writeClusterFiles(renderServerFiles(p, { serverVersion: '8.0.4' }));
    expect(readdirSync(clusterDir).sort()).toEqual(['conf', 'data', 'keyfile', 'logs']);
    expect(readdirSync(join(clusterDir, 'conf')).sort()).toEqual(['config-0', 'mongos-0', 'shard0-0']);
    expect(readdirSync(join(clusterDir, 'data')).sort()).toEqual(['config-0', 'shard0-0']);
    expect(readdirSync(join(clusterDir, 'conf', 'mongos-0'))).toEqual(['mongos.conf']);
    expect(mode(join(clusterDir, 'keyfile'))).toBe(KEYFILE_MODE);
    expect(mode(join(clusterDir, 'data', 'shard0-0'))).toBe(0o700);
    expect(mode(join(clusterDir, 'conf', 'shard0-0', 'mongod.conf'))).toBe(0o644);
    const key = readFileSync(join(clusterDir, 'keyfile'), 'utf8');
    expect(key).toMatch(/^[A-Za-z0-9+/]{1008}\n$/);
  });

  it('re-rendering replaces files in place, the read-only keyFile included, and leaves no temp files', async () => {
    const clusterDir = join(dir, 'c');
    const p = await plan(cluster().replicaSet(1).auth(), {
      clusterDir,
      ports: new FakePorts(),
      randomBytes: seededRandomBytes(1),
    });
    await writeClusterFiles(renderServerFiles(p, { serverVersion: '8.0.4' }));
    const q = await plan(cluster().replicaSet(1).auth(), {
      clusterDir,
      ports: new FakePorts(50000),
      randomBytes: seededRandomBytes(2),
    });
    await writeClusterFiles(renderServerFiles(q, { serverVersion: '8.0.4' }));
    expect(readFileSync(join(clusterDir, 'keyfile'), 'utf8')).toBe(`${q.auth!.keyFileContents}\n`);
    expect(readFileSync(q.nodes[0].configFile, 'utf8')).toContain('port: 50000');
    expect(readdirSync(clusterDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(q.nodes[0].confDir)).toEqual(['mongod.conf']);
  });

  it('writeFileAtomic removes its temp file when the rename fails', async () => {
    const target = join(dir, 'sub');
    // A directory in the way makes the rename fail.
    await writeClusterFiles({ dirs: [join(target, 'x')], files: [] });
    await expect(writeFileAtomic(target, 'data', 0o644)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['sub']);
  });
});
