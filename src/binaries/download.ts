// Cache and download: resolves a version spec against the version list, returns the cached entry for
// that exact release and platform build, or downloads it under a cross-process lock, verifies its
// sha256, extracts it into a staging dir next to the entry and renames it into place. Nothing
// unverified or half-written is ever visible under the entry's name.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseVersionSpec, type VersionSpec } from '../common/version-spec.js';
import { TopologyConfigError, type BinaryAttempt } from '../errors.js';
import {
  cacheEntryKey,
  entryDirFor,
  readCacheEntry,
  resolveCacheDir,
  writeManifest,
  type CacheManifest,
  type ManifestFile,
} from './cache.js';
import { emit } from './events.js';
import { extractArchive } from './extract.js';
import { BinaryFailure, toPublicError } from './failure.js';
import { describeError, downloadToFile, fetchBytes, HttpStatusError } from './http.js';
import { exeName, whyNotExecutable } from './locate.js';
import { withCacheLock } from './lock.js';
import type { BinaryInfo, DownloadBinariesOptions, DownloadedBinaries, DownloadOptions } from './types.js';
import { checkBinaryVersion, rememberVersionCheck, type CheckedBinary, type ServerProgram } from './version-check.js';
import { downloadSource, loadVersionList, selectArtifact, type Artifact } from './version-list.js';

/** Used when a download is needed and no version was asked for: the series the project is tested against. */
export const DEFAULT_VERSION_SPEC = '8.0';

/** Defaults of the numeric options (documented on `DownloadOptions`). */
export const DOWNLOAD_DEFAULTS = {
  versionListMaxAgeMs: 24 * 3600_000,
  lockTimeoutMs: 600_000,
  lockStaleMs: 30_000,
  downloadRetries: 2,
  idleTimeoutMs: 60_000,
  versionCheckTimeoutMs: 20_000,
} as const;

/** What `obtain` needs beyond the user's options. */
export interface ObtainOptions extends DownloadOptions {
  readonly spec: VersionSpec;
  readonly cacheDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `required`: fail without mongos; `if-present`: check and return it when the archive has it; `no`: ignore it. */
  readonly mongos: 'required' | 'if-present' | 'no';
  readonly checkVersion: boolean;
  /** Use only what is cached (version list of any age, entries); never touch the network. */
  readonly offline: boolean;
}

/** Where resolution got to, so a failure can say which place it was trying. */
export interface Trail {
  readonly attempts: BinaryAttempt[];
  step?: Omit<BinaryAttempt, 'reason'>;
}

/**
 * Downloads (or finds in the cache) the MongoDB build for a version spec, verified by sha256, and
 * returns its paths. This is what `mongo-topology download <version>` runs to pre-fetch binaries,
 * e.g. in CI before test workers start. binDir, `MONGO_TOPOLOGY_BIN_DIR` and PATH are not consulted.
 *
 * @example
 * const { mongod, mongos, dir } = await downloadBinaries({ version: '8.0', requireMongos: true });
 */
export async function downloadBinaries(options: DownloadBinariesOptions = {}): Promise<DownloadedBinaries> {
  const env = options.env ?? process.env;
  const spec = parseVersionSpec(options.version ?? DEFAULT_VERSION_SPEC);
  const cacheDir = resolveCacheDir(options.cacheDir, env);
  const trail: Trail = { attempts: [] };
  try {
    return await obtain(
      {
        ...options,
        spec,
        cacheDir,
        env,
        mongos: options.requireMongos ? 'required' : 'if-present',
        checkVersion: options.checkVersion ?? true,
        offline: false,
      },
      trail,
    );
  } catch (e) {
    throw toPublicError(e, trail.attempts, trail.step);
  }
}

/** The cache step and, unless offline, the download step of resolution. Throws BinaryFailure. */
export async function obtain(o: ObtainOptions, trail: Trail): Promise<DownloadedBinaries> {
  const n = { ...DOWNLOAD_DEFAULTS, ...definedOnly(o) };
  const source = downloadSource(o, o.env);
  trail.step = { source: o.offline ? 'cache' : 'download', location: source.versionListUrl };
  const list = await loadVersionList({
    url: source.versionListUrl,
    cacheDir: o.cacheDir,
    maxAgeMs: n.versionListMaxAgeMs,
    offline: o.offline,
    timeoutMs: n.idleTimeoutMs,
    signal: o.signal,
    onEvent: o.onEvent,
  });
  if (!list) {
    throw new BinaryFailure('MT_BINARY_NOT_FOUND', `No MongoDB binaries found, and downloading is turned off`, {
      reason: `no version list cached in ${o.cacheDir}, so nothing cached can match ${o.spec.raw}`,
      hint: 'Install MongoDB on PATH, set MONGO_TOPOLOGY_BIN_DIR or binDir, or allow downloads (download: true).',
    });
  }
  const artifact = await selectArtifact(list, o.spec, {
    platform: o.platform,
    enterprise: o.enterprise ?? false,
    mirror: source.mirror,
  });
  emit(o.onEvent, {
    type: 'version-resolved',
    spec: o.spec.raw,
    version: artifact.version,
    url: artifact.url,
    target: artifact.target,
    arch: artifact.arch,
  });
  const key = cacheEntryKey(artifact);
  const entryDir = entryDirFor(o.cacheDir, key);
  trail.step = { source: 'cache', location: entryDir };

  const usable = async () => {
    const state = await readCacheEntry(entryDir, artifact);
    if (!state.ok) return { state, manifest: undefined };
    if (o.mongos === 'required' && !state.manifest.files.mongos) {
      return { state: { ok: false as const, reason: 'has no mongos' }, manifest: state.manifest };
    }
    return { state, manifest: state.manifest };
  };

  const first = await usable();
  if (first.state.ok && first.manifest) return await finish(o, n, artifact, entryDir, first.manifest, true);
  if (first.manifest && !first.manifest.files.mongos && first.manifest.sha256 === artifact.sha256) {
    // The very archive the list names was cached without mongos: downloading it again cannot help.
    throw mongosMissing(artifact, entryDir);
  }
  if (o.offline) {
    throw new BinaryFailure(
      'MT_BINARY_NOT_FOUND',
      `MongoDB ${artifact.version} is not cached, and downloading is turned off`,
      {
        reason: first.state.ok ? 'unusable' : first.state.reason,
        hint: 'Allow downloads (download: true), pre-fetch with downloadBinaries(), or use a binDir / MONGO_TOPOLOGY_BIN_DIR.',
      },
    );
  }

  trail.attempts.push({
    source: 'cache',
    location: entryDir,
    reason: first.state.ok ? 'unusable' : first.state.reason,
  });
  trail.step = { source: 'download', location: artifact.fetchUrl };
  await ensureDir(join(entryDir, '..')); // the lock dir is created next to the entry
  const outcome = await withCacheLock(
    entryDir,
    {
      timeoutMs: n.lockTimeoutMs,
      staleMs: n.lockStaleMs,
      signal: o.signal,
      onEvent: o.onEvent,
      poll: async () => {
        const u = await usable();
        return u.state.ok ? u.manifest : undefined;
      },
    },
    (signal) => downloadEntry({ ...o, signal }, n, artifact, key, entryDir),
  );
  if (outcome.by === 'us') return await finish(o, n, artifact, entryDir, outcome.value, false);
  const after = await usable();
  if (!after.state.ok || !after.manifest) {
    throw new BinaryFailure(
      'MT_ARCHIVE_INVALID',
      `Another process downloaded ${entryDir}, but it is not usable: ${after.state.ok ? '' : after.state.reason}`,
      {
        hint: `Remove ${entryDir} and retry.`,
      },
    );
  }
  return await finish(o, n, artifact, entryDir, after.manifest, true);
}

type Numbers = { -readonly [K in keyof typeof DOWNLOAD_DEFAULTS]: number };

function definedOnly(o: DownloadOptions): Partial<Numbers> {
  const out: Partial<Numbers> = {};
  for (const k of Object.keys(DOWNLOAD_DEFAULTS) as (keyof typeof DOWNLOAD_DEFAULTS)[]) {
    const v = o[k];
    if (v !== undefined) {
      if (!Number.isFinite(v) || v < 0) {
        throw new TopologyConfigError(`Invalid ${k}: ${v}`, {
          problems: [{ path: k, message: 'must be a finite number >= 0' }],
        });
      }
      out[k] = v;
    }
  }
  return out;
}

/** Turns an entry into the result, running (or recalling) `--version` of its binaries. */
async function finish(
  o: ObtainOptions,
  n: Numbers,
  artifact: Artifact,
  entryDir: string,
  manifest: CacheManifest,
  fromCache: boolean,
): Promise<DownloadedBinaries> {
  if (fromCache) emit(o.onEvent, { type: 'cache-hit', version: artifact.version, dir: entryDir });
  const wantMongos = o.mongos !== 'no' && manifest.files.mongos !== undefined;
  const info = async (program: ServerProgram, file: ManifestFile): Promise<BinaryInfo> => {
    const path = join(entryDir, file.path);
    if (!o.checkVersion) return { path, version: manifest.version };
    const checked = await checkBinaryVersion(path, program, {
      cacheDir: o.cacheDir,
      timeoutMs: n.versionCheckTimeoutMs,
      useCache: o.cacheVersionChecks,
      signal: o.signal,
      onEvent: o.onEvent,
    });
    expectVersion(checked, artifact, entryDir);
    return { path, version: checked.version, buildInfo: checked.buildInfo };
  };
  const mongod = await info('mongod', manifest.files.mongod);
  const mongos = wantMongos && manifest.files.mongos ? await info('mongos', manifest.files.mongos) : undefined;
  return {
    version: manifest.version,
    dir: entryDir,
    binDir: join(entryDir, 'bin'),
    mongod,
    mongos,
    url: manifest.url,
    sha256: manifest.sha256,
    fromCache,
  };
}

function expectVersion(checked: CheckedBinary, artifact: Artifact, entryDir: string): void {
  if (checked.version !== artifact.version) {
    throw new BinaryFailure(
      'MT_VERSION_MISMATCH',
      `${checked.path} reports ${checked.program} ${checked.version}, but the version list says the archive holds ${artifact.version}`,
      { hint: `The mirror serves a mislabelled archive for ${artifact.url}; fix the mirror, then remove ${entryDir}.` },
    );
  }
  if (checked.enterprise !== artifact.enterprise) {
    const edition = (enterprise: boolean) => (enterprise ? 'an Enterprise' : 'a Community');
    throw new BinaryFailure(
      'MT_VERSION_MISMATCH',
      `${checked.path} is ${edition(checked.enterprise)} build, but the version list says the archive holds ${edition(artifact.enterprise)} build`,
      { hint: `The mirror serves a mislabelled archive for ${artifact.url}; fix the mirror, then remove ${entryDir}.` },
    );
  }
}

function mongosMissing(artifact: Artifact, where: string): BinaryFailure {
  return new BinaryFailure(
    'MT_MONGOS_MISSING',
    `The MongoDB ${artifact.version} archive ${artifact.archiveName} has no bin/mongos, which a sharded topology needs`,
    {
      reason: `no bin/mongos in ${where}`,
      hint: "MongoDB's own archives always include mongos: the mirror serves a stripped archive. Use a complete archive, or a binDir holding both mongod and mongos.",
    },
  );
}

/** Under the lock: download, verify, extract, check and commit one entry. Returns its manifest. */
async function downloadEntry(
  o: ObtainOptions,
  n: Numbers,
  artifact: Artifact,
  key: string,
  entryDir: string,
): Promise<CacheManifest> {
  const parent = join(entryDir, '..');
  await ensureDir(parent);
  // We hold the lock, so any staging or trash dir of this key is left from a process that died.
  // (`+` never occurs in a key, so one key's prefix cannot match another's dirs.)
  // Those of other keys are removed once a day old: no live download takes that long.
  for (const name of await readdir(parent)) {
    const ours = name.startsWith(`.staging-${key}+`) || name.startsWith(`.trash-${key}+`);
    const leftover = name.startsWith('.staging-') || name.startsWith('.trash-');
    if (ours || (leftover && (await ageMs(join(parent, name))) > LEFTOVER_MAX_AGE_MS)) {
      await rm(join(parent, name), { recursive: true, force: true });
    }
  }
  const staging = await mkdtemp(join(parent, `.staging-${key}+`));
  try {
    const archive = join(staging, artifact.archiveName);
    let got: { bytes: number; sha256: string };
    try {
      got = await downloadToFile(artifact.fetchUrl, archive, {
        signal: o.signal,
        idleTimeoutMs: n.idleTimeoutMs,
        retries: n.downloadRetries,
        onEvent: o.onEvent,
        version: artifact.version,
      });
    } catch (e) {
      o.signal?.throwIfAborted();
      throw downloadFailed(artifact.fetchUrl, e, n.downloadRetries);
    }
    const expected = artifact.sha256
      ? { sha256: artifact.sha256, from: 'version-list' as const }
      : await publishedSha256(artifact, n, o.signal);
    if (got.sha256 !== expected.sha256) {
      throw new BinaryFailure(
        'MT_CHECKSUM_MISMATCH',
        `Checksum mismatch for ${artifact.fetchUrl}: its sha256 is ${got.sha256} (${got.bytes} bytes), the ${expected.from === 'version-list' ? 'version list' : '.sha256 file'} says ${expected.sha256}`,
        {
          reason: 'sha256 mismatch',
          hint: 'The download was corrupted or the mirror serves a different file than MongoDB published. Nothing was cached; retry, or fix the mirror.',
        },
      );
    }
    emit(o.onEvent, { type: 'verified', url: artifact.fetchUrl, sha256: got.sha256, checksumFrom: expected.from });
    const root = await extractArchive(archive, artifact.archiveName, join(staging, 'x'), o.signal);
    await rm(archive, { force: true });

    const windows = artifact.target.startsWith('windows');
    const mongodRel = `bin/${exeName('mongod', windows)}`;
    const mongosRel = `bin/${exeName('mongos', windows)}`;
    const mongodWhy = await whyNotExecutable(join(root, mongodRel));
    if (mongodWhy !== undefined) {
      throw new BinaryFailure(
        'MT_ARCHIVE_INVALID',
        `The MongoDB ${artifact.version} archive ${artifact.archiveName} has no usable ${mongodRel} (it ${mongodWhy})`,
        {
          reason: `${mongodRel} ${mongodWhy}`,
          hint: 'The archive is not a MongoDB server archive. Use a complete archive, or a binDir.',
        },
      );
    }
    const hasMongos = (await whyNotExecutable(join(root, mongosRel))) === undefined;
    if (!hasMongos && o.mongos === 'required') throw mongosMissing(artifact, artifact.fetchUrl);

    // Prove the build runs here and is the release the list says, before anything enters the cache.
    const checked: { rel: string; out: CheckedBinary }[] = [];
    if (o.checkVersion) {
      for (const [program, rel] of [
        ['mongod', mongodRel],
        ...(hasMongos && o.mongos !== 'no' ? [['mongos', mongosRel]] : []),
      ] as [ServerProgram, string][]) {
        const out = await checkBinaryVersion(join(root, rel), program, {
          timeoutMs: n.versionCheckTimeoutMs,
          useCache: false, // a staging path: remembered under the final path after the rename
          signal: o.signal,
          onEvent: o.onEvent,
        });
        expectVersion(out, artifact, entryDir);
        checked.push({ rel, out });
      }
    }

    const file = async (rel: string): Promise<ManifestFile> => {
      return { path: rel, size: (await stat(join(root, rel))).size };
    };
    const manifest: CacheManifest = {
      schema: 1,
      version: artifact.version,
      target: artifact.target,
      arch: artifact.arch,
      enterprise: artifact.enterprise,
      url: artifact.url,
      downloadedFrom: artifact.fetchUrl,
      sha256: got.sha256,
      files: { mongod: await file(mongodRel), ...(hasMongos ? { mongos: await file(mongosRel) } : {}) },
      createdAt: new Date().toISOString(),
    };
    await writeManifest(root, manifest);
    const files = (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) =>
        join(d.parentPath, d.name)
          .slice(root.length + 1)
          .split('\\')
          .join('/'),
      )
      .sort();
    o.signal?.throwIfAborted();

    // Commit: one rename makes the complete entry visible. An old, unusable entry is moved aside first.
    const trash = join(parent, `.trash-${key}+${randomBytes(4).toString('hex')}`);
    const hadOld = await rename(entryDir, trash).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    await rename(root, entryDir);
    if (hadOld) await rm(trash, { recursive: true, force: true });
    emit(o.onEvent, { type: 'extracted', dir: entryDir, files });
    if (o.cacheVersionChecks !== false) {
      for (const { rel, out } of checked) await rememberVersionCheck(join(entryDir, rel), out, o.cacheDir);
    }
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function publishedSha256(
  artifact: Artifact,
  n: Numbers,
  signal?: AbortSignal,
): Promise<{ sha256: string; from: 'version-list' | 'sha256-file' }> {
  const url = `${artifact.fetchUrl}.sha256`;
  let text: string;
  try {
    text = (await fetchBytes(url, { timeoutMs: n.idleTimeoutMs, signal })).toString('utf8');
  } catch (e) {
    signal?.throwIfAborted();
    throw new BinaryFailure(
      'MT_CHECKSUM_UNAVAILABLE',
      `Cannot verify ${artifact.fetchUrl}: the version list has no sha256 for it and ${url} failed (${describeError(e)})`,
      {
        reason: 'no sha256 published',
        hint: 'Use a mirror that serves full.json with sha256 values or the .sha256 files next to the archives. Nothing was cached.',
        cause: e,
      },
    );
  }
  // sha256sum format: "<64 hex>  <file name>".
  const sha256 = /^\s*([0-9a-fA-F]{64})\b/.exec(text)?.[1]?.toLowerCase();
  if (!sha256) {
    throw new BinaryFailure(
      'MT_CHECKSUM_UNAVAILABLE',
      `Cannot verify ${artifact.fetchUrl}: ${url} holds no sha256 (${JSON.stringify(text.slice(0, 80))})`,
      {
        reason: 'no sha256 published',
        hint: 'Use a mirror that serves full.json with sha256 values or the .sha256 files next to the archives. Nothing was cached.',
      },
    );
  }
  return { sha256, from: 'sha256-file' };
}

function downloadFailed(url: string, e: unknown, retries: number): BinaryFailure {
  const status = e instanceof HttpStatusError ? e.status : undefined;
  const hint =
    status === 403 || status === 404
      ? "The file does not exist there (MongoDB's download site answers 403 for a version/platform combination it does not build). Check the version and platform.distro, or the mirror's layout (<mirror>/<platform dir>/<archive>)."
      : status !== undefined && status < 500
        ? 'The server refused the download; check the mirror URL and its access rules.'
        : `Gave up after ${retries + 1} attempts; check the network or proxy, or set MONGO_TOPOLOGY_DOWNLOAD_MIRROR to a reachable mirror. Nothing was cached.`;
  return new BinaryFailure('MT_DOWNLOAD_FAILED', `Download of ${url} failed: ${describeError(e)}`, {
    reason: describeError(e),
    hint,
    cause: e,
  });
}

async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw new BinaryFailure('MT_CACHE_UNWRITABLE', `Could not create the cache dir ${dir}: ${describeError(e)}`, {
      hint: 'Make it writable or choose another (cacheDir option or MONGO_TOPOLOGY_CACHE_DIR).',
      cause: e,
    });
  });
}

const LEFTOVER_MAX_AGE_MS = 24 * 3600_000;

async function ageMs(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined);
  return s ? Date.now() - s.mtimeMs : 0;
}
