// Resolution order (binDir → MONGO_TOPOLOGY_BIN_DIR → PATH → cache → download), the policy for unfit
// binaries, the `--version` cache and the error messages. The only processes are the unavoidable
// `--version` runs of tiny /bin/sh stand-ins, which count their runs in a file.

import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheEntryKey, writeManifest } from '../../../src/binaries/cache.js';
import {
  downloadBinaries,
  resolveBinaries,
  type BinaryEvent,
  type ResolveBinariesOptions,
  type ResolvedBinaries,
} from '../../../src/binaries/index.js';
import { clearVersionCheckMemory } from '../../../src/binaries/version-check.js';
import { versionListFile } from '../../../src/binaries/version-list.js';
import { BinaryResolutionError, TopologyConfigError } from '../../../src/errors.js';
import { expectNoProcesses, expectRemoved } from '../../helpers/leaks.js';
import * as root from '../../../src/index.js';
import { MONGOS_4_2 } from './version-outputs.js';

let tmp: string;
let events: BinaryEvent[];
type Edition = 'community' | 'enterprise';

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mt-bin-resolve-'));
  events = [];
  clearVersionCheckMemory();
});

afterEach(async () => {
  try {
    await expectNoProcesses(tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  expectRemoved(tmp);
});

interface FakeServer {
  /** `--version` says this; `false` leaves the binary out. */
  readonly mongod?: string | false;
  readonly mongos?: string | false;
  /** Replace the whole script body (after the run counter). */
  readonly mongodBody?: string;
  /** Which binaries are Enterprise builds (`modules: ["enterprise"]`); Community by default. */
  readonly enterprise?: { readonly mongod?: boolean; readonly mongos?: boolean };
}

/** A directory with /bin/sh stand-ins for mongod/mongos that print real-looking `--version` output. */
async function fakeServerDir(name: string, spec: FakeServer): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  const write = async (program: 'mongod' | 'mongos', version: string | false | undefined, body?: string) => {
    if (version === false) return;
    const head = program === 'mongod' ? 'db version' : 'mongos version';
    const out = `${head} v${version}\nBuild Info: ${JSON.stringify(
      {
        version,
        gitVersion: 'f'.repeat(40),
        modules: spec.enterprise?.[program] ? ['enterprise'] : [],
        allocator: 'tcmalloc-google',
        environment: { distmod: 'ubuntu2404' },
      },
      null,
      4,
    )}`;
    const script = [
      '#!/bin/sh',
      `cd "${tmp}"`, // children inherit the test dir as cwd, so leak checks find them
      `echo run >> "${join(dir, `${program}.runs`)}"`,
      body ?? `cat <<'EOF'\n${out}\nEOF`,
      '',
    ].join('\n');
    await writeFile(join(dir, program), script);
    await chmod(join(dir, program), 0o755);
  };
  await write('mongod', spec.mongod ?? '8.0.4', spec.mongodBody);
  await write('mongos', spec.mongos ?? spec.mongod ?? '8.0.4');
  return dir;
}

async function runs(dir: string, program: 'mongod' | 'mongos'): Promise<number> {
  const f = join(dir, `${program}.runs`);
  return existsSync(f) ? (await readFile(f, 'utf8')).split('\n').filter(Boolean).length : 0;
}

/** Options isolated from this machine: own cache dir, PATH and env given explicitly, an unreachable mirror. */
function opts(extra: Partial<ResolveBinariesOptions> = {}): ResolveBinariesOptions {
  return {
    cacheDir: join(tmp, 'cache'),
    mirror: 'http://127.0.0.1:9/', // nothing listens: a network access fails loudly
    env: { PATH: '' },
    onEvent: (e) => events.push(e),
    versionCheckTimeoutMs: 10_000,
    ...extra,
  };
}

async function failure(p: Promise<unknown>): Promise<BinaryResolutionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BinaryResolutionError);
  return e as BinaryResolutionError;
}

/**
 * A cache entry and a fresh version list for it, as a previous download would have left them.
 * `edition` is what the version list says the archive is; `binaries` what its binaries report.
 */
async function seedCache(
  version: string,
  { edition = 'community', binaries = edition }: { edition?: Edition; binaries?: Edition } = {},
): Promise<string> {
  const cacheDir = join(tmp, 'cache');
  const target = 'ubuntu2404';
  const enterprise = edition === 'enterprise';
  const archiveUrl = enterprise
    ? `https://downloads.mongodb.com/linux/mongodb-linux-x86_64-enterprise-${target}-${version}.tgz`
    : `https://fastdl.mongodb.org/linux/mongodb-linux-x86_64-${target}-${version}.tgz`;
  const sha256 = 'd'.repeat(64);
  const listFile = versionListFile(cacheDir, 'http://127.0.0.1:9/full.json');
  await mkdir(dirname(listFile), { recursive: true });
  const list = {
    versions: [
      {
        version,
        production_release: true,
        downloads: [
          {
            edition: enterprise ? 'enterprise' : 'targeted',
            target,
            arch: 'x86_64',
            archive: { url: archiveUrl, sha256 },
          },
        ],
      },
    ],
  };
  await writeFile(listFile, gzipSync(JSON.stringify(list)), { mode: 0o644 });
  const key = cacheEntryKey({ version, target, arch: 'x86_64', enterprise });
  const entry = join(cacheDir, 'mongodb', key);
  await mkdir(dirname(entry), { recursive: true });
  const builtAs = binaries === 'enterprise';
  const bin = await fakeServerDir(join('cache', 'mongodb', key, 'bin'), {
    mongod: version,
    enterprise: { mongod: builtAs, mongos: builtAs },
  });
  const size = async (p: string) => (await readFile(join(bin, p))).length;
  await writeManifest(entry, {
    schema: 1,
    version,
    target,
    arch: 'x86_64',
    enterprise,
    url: archiveUrl,
    downloadedFrom: archiveUrl,
    sha256,
    files: {
      mongod: { path: 'bin/mongod', size: await size('mongod') },
      mongos: { path: 'bin/mongos', size: await size('mongos') },
    },
    createdAt: new Date().toISOString(),
  });
  return bin;
}

const linuxUbuntu = { os: 'linux', arch: 'x64', distro: 'ubuntu2404' };

describe('resolution order', () => {
  it('an explicit binDir wins over MONGO_TOPOLOGY_BIN_DIR and PATH', async () => {
    const bin = await fakeServerDir('bin', { mongod: '8.0.4' });
    const envDir = await fakeServerDir('env', { mongod: '7.0.14' });
    const pathDir = await fakeServerDir('path', { mongod: '6.0.4' });
    const r = await resolveBinaries(opts({ binDir: bin, env: { MONGO_TOPOLOGY_BIN_DIR: envDir, PATH: pathDir } }));
    expect(r).toMatchObject<Partial<ResolvedBinaries>>({
      source: 'binDir',
      binDir: bin,
      mongod: { path: join(bin, 'mongod'), version: '8.0.4', buildInfo: expect.objectContaining({ version: '8.0.4' }) },
    });
    expect(r.mongos).toBeUndefined(); // not asked for
    expect(await runs(envDir, 'mongod')).toBe(0);
    expect(events.at(-1)).toMatchObject({ type: 'resolved', source: 'binDir' });
  });

  it('MONGO_TOPOLOGY_BIN_DIR wins over PATH, and is read at call time', async () => {
    const envDir = await fakeServerDir('env', { mongod: '7.0.14' });
    const pathDir = await fakeServerDir('path', { mongod: '6.0.4' });
    const saved = { bin: process.env.MONGO_TOPOLOGY_BIN_DIR, path: process.env.PATH };
    process.env.MONGO_TOPOLOGY_BIN_DIR = envDir; // set after the module was imported
    process.env.PATH = `${pathDir}:${process.env.PATH ?? ''}`;
    try {
      const r = await resolveBinaries({ ...opts(), env: undefined, requireMongos: true });
      expect(r).toMatchObject({
        source: 'env',
        mongod: { version: '7.0.14' },
        mongos: { path: join(envDir, 'mongos') },
      });
      delete process.env.MONGO_TOPOLOGY_BIN_DIR;
      const fromPath = await resolveBinaries({ ...opts(), env: undefined });
      expect(fromPath).toMatchObject({ source: 'PATH', mongod: { path: join(pathDir, 'mongod'), version: '6.0.4' } });
    } finally {
      if (saved.bin === undefined) delete process.env.MONGO_TOPOLOGY_BIN_DIR;
      else process.env.MONGO_TOPOLOGY_BIN_DIR = saved.bin;
      process.env.PATH = saved.path;
    }
  });

  it('takes mongod and mongos from PATH, mongos preferably next to mongod', async () => {
    const a = await fakeServerDir('a', { mongod: '8.0.4' });
    const b = await fakeServerDir('b', { mongod: '8.0.4' });
    const r = await resolveBinaries(opts({ env: { PATH: `${b}:${a}` }, requireMongos: true, version: '8.0' }));
    expect(r).toMatchObject({
      source: 'PATH',
      mongod: { path: join(b, 'mongod') },
      mongos: { path: join(b, 'mongos') },
    });
    const split = await fakeServerDir('split', { mongod: '8.0.4', mongos: false });
    const r2 = await resolveBinaries(opts({ env: { PATH: `${split}:${a}` }, requireMongos: true }));
    expect(r2).toMatchObject({ mongod: { path: join(split, 'mongod') }, mongos: { path: join(a, 'mongos') } });
  });

  it('falls through to the cache without touching the network', async () => {
    const bin = await seedCache('8.0.4');
    const r = await resolveBinaries(opts({ version: '8.0', platform: linuxUbuntu, requireMongos: true }));
    expect(r).toMatchObject({
      source: 'cache',
      binDir: bin,
      mongod: { version: '8.0.4' },
      mongos: { version: '8.0.4' },
    });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['attempt-skipped', 'version-list', 'version-resolved', 'cache-hit', 'resolved']),
    );
    expect(events.find((e) => e.type === 'version-list')).toMatchObject({ from: 'cache' });
    expect(events.some((e) => e.type === 'download-started')).toBe(false);
  });

  it('skips an unfit PATH binary (reported) and goes on to the cache', async () => {
    await seedCache('8.0.4');
    const old = await fakeServerDir('old', { mongod: '6.0.4' });
    const r = await resolveBinaries(opts({ env: { PATH: old }, version: '8.0', platform: linuxUbuntu }));
    expect(r.source).toBe('cache');
    expect(events.find((e) => e.type === 'attempt-skipped')).toEqual({
      type: 'attempt-skipped',
      source: 'PATH',
      location: join(old, 'mongod'),
      reason: 'is 6.0.4, wanted 8.0',
    });
  });

  it('with downloads off and nothing found, lists every place tried', async () => {
    const old = await fakeServerDir('old', { mongod: '6.0.4', mongos: false });
    const e = await failure(resolveBinaries(opts({ env: { PATH: old }, download: false, requireMongos: true })));
    expect(e.code).toBe('MT_BINARY_NOT_FOUND');
    expect(e.attempts).toEqual([
      { source: 'PATH', location: join(old, 'mongod'), reason: `found ${join(old, 'mongod')}, but no mongos on PATH` },
      {
        source: 'cache',
        location: 'http://127.0.0.1:9/full.json',
        reason: `no version list cached in ${join(tmp, 'cache')}, so nothing cached can match 8.0`,
      },
    ]);
    expect(e.message).toContain('Install MongoDB on PATH, set MONGO_TOPOLOGY_BIN_DIR or binDir, or allow downloads');
  });

  it('an unreachable version list says why, and what to do', async () => {
    const e = await failure(resolveBinaries(opts({ version: '8.0' })));
    expect(e.code).toBe('MT_VERSION_LIST_FAILED');
    // fetch's own "fetch failed" says nothing; the cause (here: fetch refuses port 9) is appended.
    expect(e.message.split('\n')[0]).toBe(
      'Could not fetch the MongoDB version list http://127.0.0.1:9/full.json: fetch failed (bad port)',
    );
    expect(e.hint).toMatch(/MONGO_TOPOLOGY_DOWNLOAD_MIRROR/);
  });

  it('rejects a malformed version spec before looking anywhere', async () => {
    const bin = await fakeServerDir('bin', {});
    await expect(resolveBinaries(opts({ binDir: bin, version: '8.0-latest' }))).rejects.toBeInstanceOf(
      TopologyConfigError,
    );
    expect(await runs(bin, 'mongod')).toBe(0);
  });

  it('rethrows the abort reason', async () => {
    const bin = await fakeServerDir('bin', {});
    const reason = new Error('stop');
    await expect(resolveBinaries(opts({ binDir: bin, signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
  });
});

describe('explicit binDir that does not fit is an error', () => {
  it('missing directory or mongod: MT_BINARY_NOT_FOUND', async () => {
    const e = await failure(resolveBinaries(opts({ binDir: join(tmp, 'nope') })));
    expect(e.code).toBe('MT_BINARY_NOT_FOUND');
    expect(e.message.split('\n')).toEqual([
      `${join(tmp, 'nope')} is not a directory`,
      'Tried:',
      `  - binDir ${join(tmp, 'nope')}: does not exist`,
      'Point binDir at a directory holding mongod (and mongos for sharded topologies) of the wanted version, or leave binDir out to download.',
    ]);
    await mkdir(join(tmp, 'empty'));
    expect((await failure(resolveBinaries(opts({ binDir: join(tmp, 'empty') })))).attempts[0]?.reason).toBe(
      'mongod does not exist',
    );
  });

  it('no mongos for a sharded topology: MT_MONGOS_MISSING', async () => {
    const bin = await fakeServerDir('bin', { mongos: false });
    expect(await resolveBinaries(opts({ binDir: bin }))).toMatchObject({ source: 'binDir' }); // fine without sharding
    const e = await failure(resolveBinaries(opts({ binDir: bin, requireMongos: true })));
    expect(e.code).toBe('MT_MONGOS_MISSING');
    expect(e.message).toContain(`A sharded topology needs mongos, and ${join(bin, 'mongos')} does not exist`);
  });

  it('another version than asked: MT_VERSION_MISMATCH (for MONGO_TOPOLOGY_BIN_DIR with its own hint)', async () => {
    const bin = await fakeServerDir('bin', { mongod: '7.0.14' });
    const e = await failure(resolveBinaries(opts({ binDir: bin, version: '8.0' })));
    expect(e.code).toBe('MT_VERSION_MISMATCH');
    expect(e.message.split('\n')[0]).toBe(
      `${join(bin, 'mongod')} is MongoDB 7.0.14, but version 8.0 (newest release in 8.0.x) was asked for`,
    );
    const viaEnv = await failure(resolveBinaries(opts({ env: { MONGO_TOPOLOGY_BIN_DIR: bin }, version: '8.0.4' })));
    expect(viaEnv.attempts).toEqual([
      { source: 'env', location: `MONGO_TOPOLOGY_BIN_DIR=${bin}`, reason: 'is 7.0.14, wanted 8.0.4' },
    ]);
    expect(viaEnv.hint).toMatch(/unset MONGO_TOPOLOGY_BIN_DIR/);
  });

  it('mongod and mongos of different releases: MT_VERSION_MISMATCH', async () => {
    const bin = await fakeServerDir('bin', { mongod: '8.0.4', mongos: '8.0.3' });
    const e = await failure(resolveBinaries(opts({ binDir: bin, requireMongos: true })));
    expect(e.code).toBe('MT_VERSION_MISMATCH');
    expect(e.message).toContain('mongod and mongos differ');
    expect(e.hint).toBe('Use mongod and mongos from the same MongoDB release.');
  });

  it('a Community build when Enterprise was asked: MT_VERSION_MISMATCH', async () => {
    const bin = await fakeServerDir('bin', {});
    const e = await failure(resolveBinaries(opts({ binDir: bin, enterprise: true })));
    expect(e.code).toBe('MT_VERSION_MISMATCH');
    expect(e.message.split('\n')[0]).toBe(`${join(bin, 'mongod')} is a Community build, but enterprise was asked for`);
    expect(e.attempts).toEqual([
      { source: 'binDir', location: bin, reason: 'mongod is a Community build, wanted Enterprise' },
    ]);
    expect(e.hint).toMatch(/^Use a MongoDB Enterprise build/);
  });

  it('a binary that does not run here: MT_BINARY_UNUSABLE naming the missing library', async () => {
    const bin = await fakeServerDir('bin', {
      mongodBody:
        "echo './mongod: error while loading shared libraries: libcrypto.so.1.1: cannot open shared object file: No such file or directory' >&2\nexit 127",
    });
    const e = await failure(resolveBinaries(opts({ binDir: bin })));
    expect(e.code).toBe('MT_BINARY_UNUSABLE');
    expect(e.message).toContain(
      `${join(bin, 'mongod')} --version exited with code 127: ./mongod: error while loading shared libraries`,
    );
    expect(e.hint).toMatch(/^This build needs libcrypto\.so\.1\.1, which this machine lacks/);
  });

  it('not MongoDB, or mongos posing as mongod, or not executable: MT_BINARY_UNUSABLE', async () => {
    const other = await fakeServerDir('other', { mongodBody: 'echo v20.19.0' });
    expect((await failure(resolveBinaries(opts({ binDir: other })))).message).toMatch(/does not look like MongoDB/);
    const swapped = await fakeServerDir('swapped', { mongodBody: "echo 'mongos version v8.0.4'" });
    expect((await failure(resolveBinaries(opts({ binDir: swapped })))).message).toContain(
      'is mongos 8.0.4, not mongod',
    );
    const noexec = await fakeServerDir('noexec', {});
    await chmod(join(noexec, 'mongod'), 0o644);
    const e = await failure(resolveBinaries(opts({ binDir: noexec })));
    expect(e).toMatchObject({
      code: 'MT_BINARY_UNUSABLE',
      hint: `Make it executable: chmod +x ${join(noexec, 'mongod')}`,
    });
  });

  it('a --version that hangs is killed (with its children) at the deadline', async () => {
    const bin = await fakeServerDir('bin', { mongodBody: 'sleep 30' });
    const started = Date.now();
    const e = await failure(resolveBinaries(opts({ binDir: bin, versionCheckTimeoutMs: 300 })));
    expect(e.code).toBe('MT_BINARY_UNUSABLE');
    expect(e.message).toContain('--version did not finish within 300ms');
    expect(Date.now() - started).toBeLessThan(8_000);
    await expectNoProcesses(tmp, 5_000); // the sh and its sleep
  });
});

describe('enterprise: true is honoured wherever the binaries come from', () => {
  it('binDir: mongod and mongos must both be Enterprise builds', async () => {
    const both = await fakeServerDir('both', { enterprise: { mongod: true, mongos: true } });
    expect(await resolveBinaries(opts({ binDir: both, enterprise: true, requireMongos: true }))).toMatchObject({
      source: 'binDir',
      mongod: { buildInfo: { modules: ['enterprise'] } },
      mongos: { buildInfo: { modules: ['enterprise'] } },
    });
    const mixed = await fakeServerDir('mixed', { enterprise: { mongod: true } });
    expect(await resolveBinaries(opts({ binDir: mixed, enterprise: true }))).toMatchObject({ source: 'binDir' });
    const e = await failure(resolveBinaries(opts({ binDir: mixed, enterprise: true, requireMongos: true })));
    expect(e.code).toBe('MT_VERSION_MISMATCH');
    expect(e.message.split('\n')[0]).toBe(
      `${join(mixed, 'mongos')} is a Community build, but enterprise was asked for`,
    );
    expect(e.attempts[0]?.reason).toBe('mongos is a Community build, wanted Enterprise');
  });

  it('PATH: a Community build is skipped (reported), the Enterprise entry of the cache is used', async () => {
    const bin = await seedCache('8.0.4', { edition: 'enterprise' });
    const community = await fakeServerDir('community', {});
    const r = await resolveBinaries(
      opts({ env: { PATH: community }, enterprise: true, version: '8.0', platform: linuxUbuntu }),
    );
    expect(r).toMatchObject({ source: 'cache', binDir: bin, mongod: { buildInfo: { modules: ['enterprise'] } } });
    expect(events.find((e) => e.type === 'attempt-skipped')).toMatchObject({
      source: 'PATH',
      reason: 'mongod is a Community build, wanted Enterprise',
    });
  });

  it('cache: the edition is part of the entry, so a Community request does not take the Enterprise entry', async () => {
    await seedCache('8.0.4', { edition: 'enterprise' });
    const e = await failure(resolveBinaries(opts({ version: '8.0', platform: linuxUbuntu, download: false })));
    expect(e.code).toBe('MT_PLATFORM_UNSUPPORTED'); // the seeded list has only the Enterprise build
    expect(e.message).toContain('No community build of MongoDB 8.0.4');
  });

  it('cache: an entry whose binaries are not the edition the list names is refused as mislabelled', async () => {
    await seedCache('8.0.4', { edition: 'enterprise', binaries: 'community' });
    const e = await failure(resolveBinaries(opts({ version: '8.0', platform: linuxUbuntu, enterprise: true })));
    expect(e.code).toBe('MT_VERSION_MISMATCH');
    expect(e.message).toMatch(/is a Community build, but the version list says the archive holds an Enterprise build/);
    expect(e.hint).toMatch(/mislabelled archive/);
  });
});

describe('from the package root', () => {
  it("a topology definition's version, enterprise and binDir are resolveBinaries options as they are", async () => {
    const community = await fakeServerDir('community', {});
    const asEnterprise = root.cluster().replicaSet(3).version('8.0', { enterprise: true }).binDir(community).definition;
    const options: root.ResolveBinariesOptions = opts({
      version: asEnterprise.version,
      enterprise: asEnterprise.enterprise,
      binDir: asEnterprise.binDir,
    });
    const e = await failure(root.resolveBinaries(options));
    expect(e).toBeInstanceOf(root.BinaryResolutionError);
    expect(e.code).toBe<root.BinaryErrorCode>('MT_VERSION_MISMATCH');
    const plain = root.cluster().version('8.0').binDir(community).definition;
    const r: root.ResolvedBinaries = await root.resolveBinaries(
      opts({ version: plain.version, enterprise: plain.enterprise, binDir: plain.binDir }),
    );
    expect(r).toMatchObject({ source: 'binDir', mongod: { version: '8.0.4' } });
  });

  it('downloadBinaries checks the spec before any network access', async () => {
    const seen: root.BinaryEvent[] = [];
    const options: root.DownloadBinariesOptions = opts({ version: '8.0-latest', onEvent: (e) => seen.push(e) });
    await expect(root.downloadBinaries(options)).rejects.toBeInstanceOf(root.TopologyConfigError);
    expect(seen).toEqual([]);
  });
});

describe('servers older than 4.4 (no JSON log, so nothing downstream can drive them)', () => {
  // A 4.2 mongod prints its build info as plain lines, not JSON.
  const mongod42 = `cat <<'EOF'\n${MONGOS_4_2.replace('mongos version v4.2.9', 'db version v4.2.24')}EOF`;

  it('a spec that admits only older servers is a config error before anything runs', async () => {
    const bin = await fakeServerDir('bin', {});
    for (const version of ['4.2', '4.0.28', '<4.4']) {
      const resolving = resolveBinaries(opts({ binDir: bin, version })).catch((e: unknown) => e);
      const downloading = downloadBinaries(opts({ version })).catch((e: unknown) => e);
      for (const e of [await resolving, await downloading]) {
        expect(e).toBeInstanceOf(TopologyConfigError);
        expect((e as TopologyConfigError).problems[0]?.message).toMatch(/older than 4\.4\.0/);
      }
    }
    expect(await runs(bin, 'mongod')).toBe(0);
    expect(existsSync(join(tmp, 'cache'))).toBe(false);
  });

  it('an older mongod in binDir or MONGO_TOPOLOGY_BIN_DIR: MT_VERSION_UNSUPPORTED, with or without a spec', async () => {
    const bin = await fakeServerDir('bin', { mongodBody: mongod42 });
    for (const version of [undefined, '>=4.0']) {
      const e = await failure(resolveBinaries(opts({ binDir: bin, version })));
      expect(e.code).toBe('MT_VERSION_UNSUPPORTED');
      expect(e.message.split('\n')[0]).toBe(
        `${join(bin, 'mongod')} is MongoDB 4.2.24, older than 4.4.0, the oldest server mongo-topology drives`,
      );
      expect(e.attempts).toEqual([{ source: 'binDir', location: bin, reason: 'is 4.2.24, older than 4.4.0' }]);
      expect(e.hint).toMatch(/JSON log that MongoDB 4\.4\.0 introduced. Use MongoDB 4\.4\.0 or later/);
    }
    const viaEnv = await failure(resolveBinaries(opts({ env: { MONGO_TOPOLOGY_BIN_DIR: bin } })));
    expect(viaEnv.code).toBe('MT_VERSION_UNSUPPORTED');
    expect(viaEnv.attempts[0]).toMatchObject({ source: 'env', reason: 'is 4.2.24, older than 4.4.0' });
  });

  it('asking for a version the binary is not still says so first', async () => {
    const bin = await fakeServerDir('bin', { mongodBody: mongod42 });
    expect((await failure(resolveBinaries(opts({ binDir: bin, version: '8.0' })))).code).toBe('MT_VERSION_MISMATCH');
  });

  it('an older mongod on PATH is skipped (reported) and resolution goes on to the cache', async () => {
    await seedCache('8.0.4');
    const old = await fakeServerDir('old', { mongodBody: mongod42 });
    const r = await resolveBinaries(opts({ env: { PATH: old }, platform: linuxUbuntu }));
    expect(r).toMatchObject({ source: 'cache', mongod: { version: '8.0.4' } });
    expect(events.find((e) => e.type === 'attempt-skipped')).toEqual({
      type: 'attempt-skipped',
      source: 'PATH',
      location: join(old, 'mongod'),
      reason: 'is 4.2.24, older than 4.4.0',
    });
  });

  it('4.4 itself, and its release candidates, are accepted', async () => {
    const bin = await fakeServerDir('bin', { mongod: '4.4.0' });
    expect(await resolveBinaries(opts({ binDir: bin, requireMongos: true }))).toMatchObject({
      mongod: { version: '4.4.0' },
      mongos: { version: '4.4.0' },
    });
    const rc = await fakeServerDir('rc', { mongod: '4.4.0-rc13' });
    expect((await resolveBinaries(opts({ binDir: rc, version: '4.4.0-rc13' }))).mongod.version).toBe('4.4.0-rc13');
  });
});

describe('--version cache', () => {
  it('runs each binary once; memory, then disk, answer after that; a changed binary runs again', async () => {
    const bin = await fakeServerDir('bin', {});
    const o = opts({ binDir: bin, requireMongos: true });
    await resolveBinaries(o);
    await resolveBinaries(o);
    expect([await runs(bin, 'mongod'), await runs(bin, 'mongos')]).toEqual([1, 1]);
    clearVersionCheckMemory(); // as in a new process
    events = [];
    await resolveBinaries(o);
    expect(events.filter((e) => e.type === 'version-checked').map((e) => (e as { from: string }).from)).toEqual([
      'disk',
      'disk',
    ]);
    expect(await runs(bin, 'mongod')).toBe(1);
    const later = new Date(Date.now() + 5_000);
    await utimes(join(bin, 'mongod'), later, later); // replaced binary: new mtime
    await resolveBinaries(o);
    expect([await runs(bin, 'mongod'), await runs(bin, 'mongos')]).toEqual([2, 1]);
  });

  it('concurrent resolutions share one run', async () => {
    const bin = await fakeServerDir('bin', {});
    await Promise.all([1, 2, 3].map(() => resolveBinaries(opts({ binDir: bin }))));
    expect(await runs(bin, 'mongod')).toBe(1);
  });
});

describe('--version cache opt-out', () => {
  it('cacheVersionChecks: false runs the binary every time (wrapper scripts)', async () => {
    const bin = await fakeServerDir('bin', {});
    await resolveBinaries(opts({ binDir: bin, cacheVersionChecks: false }));
    await resolveBinaries(opts({ binDir: bin, cacheVersionChecks: false }));
    expect(await runs(bin, 'mongod')).toBe(2);
    expect(existsSync(join(tmp, 'cache', 'version-checks'))).toBe(false);
  });
});
