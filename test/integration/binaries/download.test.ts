// Downloads against a local mirror (127.0.0.1, port 0) serving a full.json-shaped version list and
// .tgz archives built by the test around the simulated servers: verify, cache, no second network
// touch, typed errors that leave no partial cache, stale-lock recovery, abort and lock deadlines.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadBinaries,
  resolveBinaries,
  type BinaryEvent,
  type ResolveBinariesOptions,
} from '../../../src/binaries/index.js';
import { clearVersionCheckMemory } from '../../../src/binaries/version-check.js';
import { pollUntil } from '../../../src/common/async.js';
import { BinaryResolutionError } from '../../../src/errors.js';
import { startMirror, type Mirror } from '../../helpers/download-mirror.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import { buildMongoArchive, SIM_BUNDLE_DIR, type BuiltArchive } from '../../helpers/mongodb-archive.js';

const KEY = '8.0.4-community-ubuntu2404-x86_64';
const ARCHIVE = '/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz';

let fixtures: string;
let a804: BuiltArchive;
let a803: BuiltArchive;
let a804NoMongos: BuiltArchive;

beforeAll(async () => {
  for (const program of ['mongod', 'mongos']) {
    if (!existsSync(join(SIM_BUNDLE_DIR, `${program}.mjs`))) {
      throw new Error(`Simulator bundle ${program}.mjs missing in ${SIM_BUNDLE_DIR}: run npm run build:fixtures`);
    }
  }
  fixtures = await mkdtemp(join(tmpdir(), 'mt-bin-fixtures-'));
  a804 = await buildMongoArchive(fixtures, { version: '8.0.4' });
  a803 = await buildMongoArchive(fixtures, { version: '8.0.3' });
  a804NoMongos = await buildMongoArchive(fixtures, { version: '8.0.4', includeMongos: false });
});

afterAll(async () => {
  await rm(fixtures, { recursive: true, force: true });
  expectRemoved(fixtures);
});

let tmp: string;
let cacheDir: string;
let mirror: Mirror;
let events: BinaryEvent[];

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mt-bin-dl-'));
  cacheDir = join(tmp, 'cache');
  events = [];
  mirror = await startMirror([
    { version: '8.0.3', archives: [a803] },
    { version: '8.0.4', archives: [a804] },
  ]);
});

afterEach(async () => {
  await mirror.close();
  try {
    await expectNoProcesses(tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  expectRemoved(tmp);
});

/** Options that keep resolution off this machine's PATH and on the test mirror. */
function opts(extra: Partial<ResolveBinariesOptions> = {}): ResolveBinariesOptions {
  return {
    version: '8.0',
    cacheDir,
    mirror: mirror.url,
    platform: { os: 'linux', arch: 'x64', distro: 'ubuntu2404' },
    env: { PATH: '' },
    onEvent: (e) => events.push(e),
    ...extra,
  };
}

async function expectFailure(p: Promise<unknown>, code: string): Promise<BinaryResolutionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BinaryResolutionError);
  expect((e as BinaryResolutionError).code).toBe(code);
  return e as BinaryResolutionError;
}

/** The cache holds no entry, staging dir, trash dir or lock (only the version list may stay). */
async function expectNoPartialCache(): Promise<void> {
  const dir = join(cacheDir, 'mongodb');
  const left = existsSync(dir) ? await readdir(dir) : [];
  expect(left).toEqual([]);
}

describe('download and cache', () => {
  it('resolves 8.0 to 8.0.4, downloads, verifies and caches; a second run does not touch the network', async () => {
    const first = await resolveBinaries(opts());
    expect(first.source).toBe('download');
    expect(first.mongod).toMatchObject({ path: join(cacheDir, 'mongodb', KEY, 'bin', 'mongod'), version: '8.0.4' });
    expect(first.mongos).toBeUndefined(); // not a sharded topology
    expect(first.binDir).toBe(join(cacheDir, 'mongodb', KEY, 'bin'));
    expect(mirror.requests).toEqual(['/full.json', ARCHIVE]);
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'version-list',
        'version-resolved',
        'download-started',
        'download-finished',
        'verified',
        'extracted',
        'resolved',
      ]),
    );
    expect(types.indexOf('verified')).toBeLessThan(types.indexOf('extracted'));
    expect(events.filter((e) => e.type === 'download-progress').at(-1)).toMatchObject({
      receivedBytes: a804.bytes.length,
      totalBytes: a804.bytes.length,
    });
    expect(events.find((e) => e.type === 'verified')).toMatchObject({
      sha256: a804.sha256,
      checksumFrom: 'version-list',
    });
    expect(await readdir(join(cacheDir, 'mongodb'))).toEqual([KEY]);

    events = [];
    const second = await resolveBinaries(opts());
    expect(second).toMatchObject({ source: 'cache', mongod: first.mongod });
    expect(mirror.requests).toHaveLength(2);
    expect(events.map((e) => e.type)).toContain('cache-hit');
    expect(events.filter((e) => e.type === 'version-checked').map((e) => (e as { from: string }).from)).toEqual([
      'memory',
    ]);

    // A new process has no memory cache: the answers come from disk, still without spawning.
    clearVersionCheckMemory();
    events = [];
    await resolveBinaries(opts());
    expect(events.filter((e) => e.type === 'version-checked').map((e) => (e as { from: string }).from)).toEqual([
      'disk',
    ]);
    expect(mirror.requests).toHaveLength(2);
  });

  it('keys the cache by the resolved version: a newer release in the list is a new entry', async () => {
    await resolveBinaries(opts({ version: '8.0.3' }));
    const exact = await resolveBinaries(opts({ version: '8.0.3' }));
    expect(exact.source).toBe('cache');
    const series = await resolveBinaries(opts({ version: '8.0' }));
    expect(series).toMatchObject({ source: 'download', mongod: { version: '8.0.4' } });
    expect((await readdir(join(cacheDir, 'mongodb'))).sort()).toEqual(['8.0.3-community-ubuntu2404-x86_64', KEY]);
  });

  it('reads the mirror and cache dir from the environment at call time', async () => {
    const env = { PATH: '', MONGO_TOPOLOGY_CACHE_DIR: cacheDir, MONGO_TOPOLOGY_DOWNLOAD_MIRROR: mirror.url };
    const r = await resolveBinaries({
      version: '8.0.4',
      platform: { os: 'linux', arch: 'x64', distro: 'ubuntu2404' },
      env,
    });
    expect(r.mongod.path.startsWith(cacheDir)).toBe(true);
    expect(mirror.count('.tgz')).toBe(1);
  });

  it('replaces a damaged entry by downloading it again', async () => {
    const first = await resolveBinaries(opts({ version: '8.0.4' }));
    await writeFile(first.mongod.path, '#!/bin/sh\n'); // truncated by a full disk, say
    const again = await resolveBinaries(opts({ version: '8.0.4' }));
    expect(again).toMatchObject({ source: 'download', mongod: { path: first.mongod.path, version: '8.0.4' } });
    expect(mirror.count('.tgz')).toBe(2);
    expect(await readdir(join(cacheDir, 'mongodb'))).toEqual([KEY]); // no trash or staging left
  });

  it('pre-fetches with downloadBinaries', async () => {
    const got = await downloadBinaries(opts({ version: '8.0.4' }));
    expect(got).toMatchObject({
      version: '8.0.4',
      fromCache: false,
      sha256: a804.sha256,
      dir: join(cacheDir, 'mongodb', KEY),
      binDir: join(cacheDir, 'mongodb', KEY, 'bin'),
      mongod: { path: join(cacheDir, 'mongodb', KEY, 'bin', 'mongod'), version: '8.0.4' },
      url: 'https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-ubuntu2404-8.0.4.tgz',
    });
    const again = await downloadBinaries(opts({ version: '8.0.4' }));
    expect(again.fromCache).toBe(true);
    expect(mirror.count('.tgz')).toBe(1);
  });

  it('extracts and checks mongos for sharded topologies', async () => {
    const first = await resolveBinaries(opts({ requireMongos: true }));
    expect(first.mongos).toMatchObject({ path: join(cacheDir, 'mongodb', KEY, 'bin', 'mongos'), version: '8.0.4' });
    const second = await resolveBinaries(opts({ requireMongos: true }));
    expect(second).toMatchObject({ source: 'cache', mongos: first.mongos });
    expect((await downloadBinaries(opts({ version: '8.0.4' }))).mongos).toEqual(first.mongos);
    expect(mirror.count('.tgz')).toBe(1);
  });

  it('falls back to the .sha256 file when the version list publishes no checksum', async () => {
    mirror.setReleases([{ version: '8.0.4', archives: [a804], publishedSha256: '' }]);
    mirror.setFile(`${ARCHIVE}.sha256`, Buffer.from(`${a804.sha256}  ${a804.name}\n`));
    await resolveBinaries(opts());
    expect(events.find((e) => e.type === 'verified')).toMatchObject({ checksumFrom: 'sha256-file' });
  });
});

describe('download failures leave no partial cache', () => {
  it('a wrong sha256 is MT_CHECKSUM_MISMATCH', async () => {
    mirror.setReleases([{ version: '8.0.4', archives: [a804], publishedSha256: 'ab'.repeat(32) }]);
    const e = await expectFailure(resolveBinaries(opts()), 'MT_CHECKSUM_MISMATCH');
    expect(e.message).toContain(`its sha256 is ${a804.sha256}`);
    expect(e.message).toContain(`the version list says ${'ab'.repeat(32)}`);
    expect(e.attempts.map((a) => a.source)).toEqual(['PATH', 'cache', 'download']);
    expect(e.hint).toMatch(/Nothing was cached/);
    await expectNoPartialCache();
  });

  it('a truncated archive (published as such) is MT_ARCHIVE_INVALID', async () => {
    const cut = { ...a804, bytes: a804.bytes.subarray(0, Math.floor(a804.bytes.length * 0.6)) };
    const { createHash } = await import('node:crypto');
    const truncated = { ...cut, sha256: createHash('sha256').update(cut.bytes).digest('hex') };
    mirror.setReleases([{ version: '8.0.4', archives: [truncated] }]);
    const e = await expectFailure(resolveBinaries(opts()), 'MT_ARCHIVE_INVALID');
    expect(e.message).toContain(`Could not extract ${a804.name}`);
    await expectNoPartialCache();
  });

  it('a transfer cut short is retried, then MT_DOWNLOAD_FAILED', async () => {
    mirror.fault(ARCHIVE, { kind: 'cut', bytes: 100 });
    const e = await expectFailure(resolveBinaries(opts({ downloadRetries: 1 })), 'MT_DOWNLOAD_FAILED');
    expect(mirror.count('.tgz')).toBe(2);
    expect(events.filter((x) => x.type === 'download-retry')).toHaveLength(1);
    expect(e.attempts.at(-1)).toMatchObject({ source: 'download', location: `${mirror.url}${ARCHIVE.slice(1)}` });
    await expectNoPartialCache();
  });

  it('a stalled transfer fails after the idle timeout: MT_DOWNLOAD_FAILED', async () => {
    let release!: () => void;
    mirror.fault(ARCHIVE, { kind: 'hold', until: new Promise<void>((r) => (release = r)) });
    const e = await expectFailure(
      resolveBinaries(opts({ idleTimeoutMs: 300, downloadRetries: 0 })),
      'MT_DOWNLOAD_FAILED',
    );
    release();
    expect(e.message).toContain('no data from');
    expect(e.message).toContain('for 300ms');
    await expectNoPartialCache();
  });

  it('a 404 is MT_DOWNLOAD_FAILED at once, naming the URL', async () => {
    mirror.fault(ARCHIVE, { kind: 'status', status: 404 });
    const e = await expectFailure(resolveBinaries(opts()), 'MT_DOWNLOAD_FAILED');
    expect(e.message).toContain(`Download of ${mirror.url}${ARCHIVE.slice(1)} failed: HTTP 404`);
    expect(e.hint).toMatch(/does not exist there/);
    expect(mirror.count('.tgz')).toBe(1);
    await expectNoPartialCache();
  });

  it('an archive without mongos is MT_MONGOS_MISSING when mongos is required', async () => {
    mirror.setReleases([{ version: '8.0.4', archives: [a804NoMongos] }]);
    const e = await expectFailure(resolveBinaries(opts({ requireMongos: true })), 'MT_MONGOS_MISSING');
    expect(e.message).toContain('has no bin/mongos');
    await expectNoPartialCache();
    // Without the need for mongos the same archive is fine; a later sharded run then fails fast, offline.
    const r = await resolveBinaries(opts());
    expect(r.mongos).toBeUndefined();
    const before = mirror.requests.length;
    await expectFailure(resolveBinaries(opts({ requireMongos: true })), 'MT_MONGOS_MISSING');
    expect(mirror.requests).toHaveLength(before);
  });

  it('no published checksum at all is MT_CHECKSUM_UNAVAILABLE', async () => {
    mirror.setReleases([{ version: '8.0.4', archives: [a804], publishedSha256: '' }]);
    await expectFailure(resolveBinaries(opts()), 'MT_CHECKSUM_UNAVAILABLE');
    await expectNoPartialCache();
  });

  it('an unknown version is MT_VERSION_NOT_AVAILABLE listing what exists', async () => {
    const e = await expectFailure(resolveBinaries(opts({ version: '7.0' })), 'MT_VERSION_NOT_AVAILABLE');
    expect(e.hint).toContain('8.0.4');
  });

  it('no build for the distro is MT_PLATFORM_UNSUPPORTED listing the builds', async () => {
    const e = await expectFailure(
      resolveBinaries(opts({ platform: { os: 'darwin', arch: 'arm64' } })),
      'MT_PLATFORM_UNSUPPORTED',
    );
    expect(e.hint).toContain('ubuntu2404 (x86_64)');
  });

  it('an unreachable version list is MT_VERSION_LIST_FAILED', async () => {
    mirror.fault('/full.json', { kind: 'status', status: 404 });
    const e = await expectFailure(resolveBinaries(opts()), 'MT_VERSION_LIST_FAILED');
    expect(e.hint).toMatch(/full\.json/);
  });
});

describe('abort', () => {
  it('an abort mid-download rejects with the reason and leaves no partial cache or lock', async () => {
    let release!: () => void;
    mirror.fault(ARCHIVE, { kind: 'hold', until: new Promise<void>((r) => (release = r)) });
    const ac = new AbortController();
    const reason = new Error('test gave up');
    const p = resolveBinaries(opts({ signal: ac.signal }));
    await pollUntil(() => mirror.count('.tgz') === 1, { what: 'the archive request', timeoutMs: 20_000 });
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    release();
    await expectNoPartialCache();
  });
});

describe('lock', () => {
  it('takes over a stale lock left by a dead process and removes its leftovers', async () => {
    const mongodbDir = join(cacheDir, 'mongodb');
    await mkdir(join(mongodbDir, `${KEY}.lock`), { recursive: true });
    await mkdir(join(mongodbDir, `.staging-${KEY}+dead`, 'x'), { recursive: true });
    await mkdir(join(mongodbDir, '.staging-7.0.14-community-ubuntu2404-x86_64+dead'), { recursive: true });
    await mkdir(join(mongodbDir, '.staging-7.0.15-community-ubuntu2404-x86_64+live'), { recursive: true });
    const old = new Date(Date.now() - 3600_000);
    const dayOld = new Date(Date.now() - 25 * 3600_000);
    await utimes(join(mongodbDir, `${KEY}.lock`), old, old);
    await utimes(join(mongodbDir, '.staging-7.0.14-community-ubuntu2404-x86_64+dead'), dayOld, dayOld);
    const r = await resolveBinaries(opts({ version: '8.0.4', lockStaleMs: 5_000 }));
    expect(r.source).toBe('download');
    expect(events.map((e) => e.type)).toContain('stale-lock-recovered');
    // Another key's staging dir is left alone unless it is a day old.
    expect((await readdir(mongodbDir)).sort()).toEqual(['.staging-7.0.15-community-ubuntu2404-x86_64+live', KEY]);
  });

  it('waits for a live lock with a deadline: MT_LOCK_TIMEOUT, or the abort reason', async () => {
    const lockDir = join(cacheDir, 'mongodb', `${KEY}.lock`);
    await mkdir(lockDir, { recursive: true }); // fresh mtime: a live holder
    const e = await expectFailure(
      resolveBinaries(opts({ version: '8.0.4', lockTimeoutMs: 300, lockStaleMs: 60_000 })),
      'MT_LOCK_TIMEOUT',
    );
    expect(e.hint).toContain(lockDir);
    expect(events.map((x) => x.type)).toContain('lock-waiting');

    const ac = new AbortController();
    const reason = new Error('test gave up');
    const p = resolveBinaries(
      opts({
        version: '8.0.4',
        lockStaleMs: 60_000,
        signal: ac.signal,
        onEvent: (x) => x.type === 'lock-waiting' && ac.abort(reason),
      }),
    );
    await expect(p).rejects.toBe(reason);
    await rm(lockDir, { recursive: true });
    expect(mirror.count('.tgz')).toBe(0);
  });
});
