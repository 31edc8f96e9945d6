import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheEntryKey,
  defaultCacheDir,
  readCacheEntry,
  resolveCacheDir,
  writeManifest,
  type CacheManifest,
} from '../../../src/binaries/cache.js';
import { expectRemoved } from '../../helpers/leaks.js';

describe('cache location', () => {
  it('defaults to the per-user cache dir of each platform', () => {
    expect(defaultCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/mongo-topology');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/mongo-topology');
    expect(defaultCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/mongo-topology');
    expect(defaultCacheDir({ LOCALAPPDATA: '/lad' }, 'win32', '/h')).toBe(join('/lad', 'mongo-topology', 'Cache'));
  });

  it('prefers the option, then MONGO_TOPOLOGY_CACHE_DIR, and is always absolute', () => {
    const env = { MONGO_TOPOLOGY_CACHE_DIR: '/env/cache', XDG_CACHE_HOME: '/xdg' };
    expect(resolveCacheDir('/opt/c', env)).toBe('/opt/c');
    expect(resolveCacheDir(undefined, env)).toBe('/env/cache');
    expect(resolveCacheDir(undefined, { XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/mongo-topology');
    expect(resolveCacheDir('rel/c', {})).toBe(resolve('rel/c'));
  });
});

describe('cache keys', () => {
  it('name the resolved version and the platform build', () => {
    expect(cacheEntryKey({ version: '8.0.4', target: 'ubuntu2404', arch: 'x86_64', enterprise: false })).toBe(
      '8.0.4-community-ubuntu2404-x86_64',
    );
    expect(cacheEntryKey({ version: '8.0.4', target: 'ubuntu2404', arch: 'x86_64', enterprise: true })).toBe(
      '8.0.4-enterprise-ubuntu2404-x86_64',
    );
    expect(cacheEntryKey({ version: '7.0.14', target: 'macos', arch: 'arm64', enterprise: false })).toBe(
      '7.0.14-community-macos-arm64',
    );
    expect(cacheEntryKey({ version: '8.0.0-rc9', target: 'windows/x', arch: 'x86_64', enterprise: false })).toBe(
      '8.0.0-rc9-community-windows_x-x86_64',
    );
  });
});

describe('readCacheEntry', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'mt-bin-cache-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
    expectRemoved(tmp);
  });

  const manifest = (over: Partial<CacheManifest> = {}): CacheManifest => ({
    schema: 1,
    version: '8.0.4',
    target: 'ubuntu2404',
    arch: 'x86_64',
    enterprise: false,
    url: 'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz',
    downloadedFrom: 'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz',
    sha256: 'a'.repeat(64),
    files: { mongod: { path: 'bin/mongod', size: 4 }, mongos: { path: 'bin/mongos', size: 4 } },
    createdAt: '2025-01-01T00:00:00.000Z',
    ...over,
  });

  async function entry(
    m: CacheManifest,
    files: Record<string, string> = { 'bin/mongod': 'abcd', 'bin/mongos': 'efgh' },
  ) {
    await mkdir(join(tmp, 'bin'), { recursive: true });
    for (const [p, content] of Object.entries(files)) await writeFile(join(tmp, p), content);
    await writeManifest(tmp, m);
  }

  it('is not cached without a manifest, even if binaries are there', async () => {
    await mkdir(join(tmp, 'bin'));
    await writeFile(join(tmp, 'bin', 'mongod'), 'abcd');
    expect(await readCacheEntry(tmp, { version: '8.0.4' })).toEqual({ ok: false, reason: 'not cached' });
  });

  it('accepts a complete entry of the wanted release and build', async () => {
    await entry(manifest());
    expect(await readCacheEntry(tmp, { version: '8.0.4', sha256: 'a'.repeat(64) })).toMatchObject({ ok: true });
  });

  it('refuses an entry whose archive differs from what the version list names now', async () => {
    await entry(manifest());
    expect(await readCacheEntry(tmp, { version: '8.0.4', sha256: 'b'.repeat(64) })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the version list now says bbbb'),
    });
  });

  it('refuses an entry whose binaries were truncated or removed', async () => {
    await entry(manifest(), { 'bin/mongod': 'ab', 'bin/mongos': 'efgh' });
    expect(await readCacheEntry(tmp, { version: '8.0.4' })).toMatchObject({
      ok: false,
      reason: 'bin/mongod is 2 bytes, expected 4',
    });
    await rm(join(tmp, 'bin', 'mongos'));
    await writeFile(join(tmp, 'bin', 'mongod'), 'abcd');
    expect(await readCacheEntry(tmp, { version: '8.0.4' })).toMatchObject({
      ok: false,
      reason: 'bin/mongos is missing',
    });
  });

  it('refuses another version or an unknown manifest format', async () => {
    await entry(manifest());
    expect(await readCacheEntry(tmp, { version: '8.0.3' })).toMatchObject({
      ok: false,
      reason: 'holds 8.0.4, not 8.0.3',
    });
    await writeManifest(tmp, { ...manifest(), schema: 2 } as unknown as CacheManifest);
    expect(await readCacheEntry(tmp, { version: '8.0.4' })).toMatchObject({
      ok: false,
      reason: 'manifest has an unknown format',
    });
  });
});
