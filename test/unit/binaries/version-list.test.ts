import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  archiveUrlFor,
  downloadSource,
  loadVersionList,
  MONGODB_VERSION_LIST_URL,
  pickVersion,
  selectArtifact,
  versionListFile,
  type VersionEntry,
} from '../../../src/binaries/version-list.js';
import { parseVersionSpec } from '../../../src/common/version-spec.js';
import { TopologyConfigError } from '../../../src/errors.js';
import { expectRemoved } from '../../helpers/leaks.js';

const dl = (version: string, target: string, arch = 'x86_64', edition = 'targeted') => ({
  edition,
  target,
  arch,
  archive: {
    url: `https://fastdl.mongodb.org/linux/mongodb-linux-${arch}-${target}-${version}.tgz`,
    sha256: `${target.length.toString(16).padStart(2, '0')}${'c'.repeat(62)}`,
  },
});
const release = (version: string, tags: { production?: boolean; continuous?: boolean } = { production: true }) => ({
  version,
  production_release: tags.production ?? false,
  continuous_release: tags.continuous ?? false,
  downloads: [dl(version, 'ubuntu2404'), dl(version, 'debian12'), dl(version, 'ubuntu2404', 'aarch64')],
});
const VERSIONS: VersionEntry[] = [
  release('8.2.1'),
  release('8.1.2', { continuous: true }),
  release('8.0.4'),
  release('8.0.3'),
  release('8.0.5-rc0', {}),
  release('7.0.14'),
  { version: '9.0.0', production_release: true, downloads: [] }, // announced, nothing to download
];

describe('pickVersion', () => {
  it.each([
    ['8.0', '8.0.4'],
    ['8.0.3', '8.0.3'],
    ['8.0.5-rc0', '8.0.5-rc0'],
    ['8', '8.2.1'], // a wide range takes production releases only
    ['8.1', '8.1.2'], // naming a rapid series takes it
    ['>=7 <8', '7.0.14'],
    ['latest', '8.2.1'],
    ['rapid', '8.2.1'],
    ['7.0', '7.0.14'],
  ])('%j resolves to %s', (spec, expected) => {
    expect(pickVersion(VERSIONS, parseVersionSpec(spec))?.version).toBe(expected);
  });

  it('takes a rapid release for "rapid" when it is the newest', () => {
    const withRapid = [...VERSIONS, release('8.3.0', { continuous: true })];
    expect(pickVersion(withRapid, parseVersionSpec('rapid'))?.version).toBe('8.3.0');
    expect(pickVersion(withRapid, parseVersionSpec('latest'))?.version).toBe('8.2.1');
  });

  it('finds nothing for a spec no release satisfies, or a release without downloads', () => {
    expect(pickVersion(VERSIONS, parseVersionSpec('6.0'))).toBeUndefined();
    expect(pickVersion(VERSIONS, parseVersionSpec('9.0.0'))).toBeUndefined();
  });

  it('never picks a release older than 4.4, even when the spec admits one', () => {
    const old = [release('4.4.0'), release('4.2.24'), release('4.0.28')];
    expect(pickVersion(old, parseVersionSpec('<4.4.1'))?.version).toBe('4.4.0');
    expect(pickVersion(old, parseVersionSpec('>=4.0 <4.4.1'))?.version).toBe('4.4.0');
    expect(pickVersion(old.slice(1), parseVersionSpec('<4.4.1'))).toBeUndefined();
    expect(pickVersion(old.slice(1), parseVersionSpec('>=4.0'))).toBeUndefined();
    expect(pickVersion([...old, release('8.0.4')], parseVersionSpec('4.2 || 8.0'))?.version).toBe('8.0.4');
  });
});

describe('mirror and version list URL', () => {
  it('rewrites MongoDB download hosts onto the mirror, keeping the path', () => {
    const url = 'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz';
    expect(archiveUrlFor(url, undefined)).toBe(url);
    expect(archiveUrlFor(url, 'http://127.0.0.1:8080/mongo')).toBe(
      'http://127.0.0.1:8080/mongo/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz',
    );
    expect(archiveUrlFor('https://downloads.mongodb.com/linux/x.tgz', 'https://m.example/')).toBe(
      'https://m.example/linux/x.tgz',
    );
    // A list that already points elsewhere (e.g. the mirror itself) is left alone.
    expect(archiveUrlFor('https://m.example/linux/x.tgz', 'https://other.example/')).toBe(
      'https://m.example/linux/x.tgz',
    );
  });

  it('takes option > MONGO_TOPOLOGY_DOWNLOAD_MIRROR > MongoDB, and versionListUrl over the mirror', () => {
    const env = { MONGO_TOPOLOGY_DOWNLOAD_MIRROR: 'https://env.example/m' };
    expect(downloadSource({}, {})).toEqual({ versionListUrl: MONGODB_VERSION_LIST_URL, mirror: undefined });
    expect(downloadSource({}, env)).toEqual({
      versionListUrl: 'https://env.example/m/full.json',
      mirror: 'https://env.example/m',
    });
    expect(downloadSource({ mirror: 'https://opt.example/' }, env).versionListUrl).toBe(
      'https://opt.example/full.json',
    );
    expect(downloadSource({ versionListUrl: 'https://l.example/v.json' }, env)).toEqual({
      versionListUrl: 'https://l.example/v.json',
      mirror: 'https://env.example/m',
    });
  });

  it('rejects a mirror that is not an http(s) URL', () => {
    expect(() => downloadSource({ mirror: 'ftp://x' }, {})).toThrow(TopologyConfigError);
    expect(() => downloadSource({}, { MONGO_TOPOLOGY_DOWNLOAD_MIRROR: 'not a url' })).toThrow(/Invalid mirror/);
  });
});

describe('selectArtifact (from a cached list, no network)', () => {
  const linuxUbuntu = { os: 'linux', arch: 'x64', distro: 'ubuntu2404' };
  let tmp: string;
  const url = 'http://127.0.0.1:9/full.json'; // nothing listens there: any fetch would fail the test
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'mt-bin-list-'));
    const file = versionListFile(tmp, url);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, gzipSync(JSON.stringify({ versions: VERSIONS })), { mode: 0o644 });
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
    expectRemoved(tmp);
  });

  const list = async () => {
    const l = await loadVersionList({ url, cacheDir: tmp, maxAgeMs: 60_000, offline: false, timeoutMs: 1000 });
    if (!l) throw new Error('no list');
    return l;
  };

  it('picks the build for the platform and distro, with its published sha256', async () => {
    const a = await selectArtifact(await list(), parseVersionSpec('8.0'), {
      platform: { os: 'linux', arch: 'x64', distro: 'debian12' },
      enterprise: false,
      mirror: 'http://mirror.test/m/',
    });
    expect(a).toEqual({
      version: '8.0.4',
      target: 'debian12',
      arch: 'x86_64',
      enterprise: false,
      url: 'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-debian12-8.0.4.tgz',
      fetchUrl: 'http://mirror.test/m/linux/mongodb-linux-x86_64-debian12-8.0.4.tgz',
      sha256: `08${'c'.repeat(62)}`,
      archiveName: 'mongodb-linux-x86_64-debian12-8.0.4.tgz',
    });
    const arm = await selectArtifact(await list(), parseVersionSpec('8.0.3'), {
      platform: { os: 'linux', arch: 'arm64', distro: 'ubuntu2404' },
      enterprise: false,
    });
    expect(arm).toMatchObject({ version: '8.0.3', arch: 'aarch64', target: 'ubuntu2404' });
  });

  it('says which builds exist when the platform has none', async () => {
    await expect(
      selectArtifact(await list(), parseVersionSpec('8.0'), {
        platform: { os: 'win32', arch: 'x64' },
        enterprise: false,
      }),
    ).rejects.toMatchObject({
      code: 'MT_PLATFORM_UNSUPPORTED',
      message: `No community build of MongoDB 8.0.4 for win32 x64 in ${url}`,
      details: { hint: expect.stringContaining('ubuntu2404 (x86_64), debian12 (x86_64), ubuntu2404 (aarch64)') },
    });
  });

  it('a spec that only releases older than 4.4 match is MT_VERSION_UNSUPPORTED, not a silent pick', async () => {
    const oldUrl = 'http://127.0.0.1:9/old/full.json';
    const file = versionListFile(tmp, oldUrl);
    await mkdir(dirname(file), { recursive: true });
    const versions = [release('4.2.24'), release('4.0.28'), release('8.0.4')];
    await writeFile(file, gzipSync(JSON.stringify({ versions })), { mode: 0o644 });
    const l = await loadVersionList({ url: oldUrl, cacheDir: tmp, maxAgeMs: 60_000, offline: false, timeoutMs: 1000 });
    await expect(
      selectArtifact(l!, parseVersionSpec('<4.4.1'), { platform: linuxUbuntu, enterprise: false }),
    ).rejects.toMatchObject({
      code: 'MT_VERSION_UNSUPPORTED',
      message: `Every MongoDB release in ${oldUrl} that matches <4.4.1 (newest production release in <4.4.1) is older than 4.4.0, the oldest server mongo-topology drives`,
      details: {
        reason: 'only releases older than 4.4.0 match <4.4.1',
        hint: expect.stringContaining('Ask for 4.4.0 or later'),
      },
    });
    // a spec nothing matches at all is still MT_VERSION_NOT_AVAILABLE
    await expect(
      selectArtifact(l!, parseVersionSpec('4.4'), { platform: linuxUbuntu, enterprise: false }),
    ).rejects.toMatchObject({ code: 'MT_VERSION_NOT_AVAILABLE' });
  });

  it('uses a stale list when the network fails, and says so', async () => {
    const events: unknown[] = [];
    const l = await loadVersionList({
      url,
      cacheDir: tmp,
      maxAgeMs: 0,
      offline: false,
      timeoutMs: 2000,
      onEvent: (e) => events.push(e),
    });
    expect(l?.versions).toHaveLength(VERSIONS.length);
    expect(events).toEqual([{ type: 'version-list', url, from: 'stale-cache' }]);
  });
});
