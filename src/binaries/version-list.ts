// The MongoDB version list (full.json): fetched from MongoDB or a mirror, cached in the cache dir so
// a warm cache resolves `8.0` → `8.0.4` without the network, and turned into one archive (URL,
// sha256, build target) for this platform with mongodb-download-url's platform/distro rules.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import { clearCache as clearDownloadUrlMemory, getDownloadURL } from 'mongodb-download-url';
import semver from 'semver';
import { TopologyConfigError } from '../errors.js';
import type { ArtifactIdentity } from './cache.js';
import { emit, type EventSink } from './events.js';
import { BinaryFailure } from './failure.js';
import { describeError, fetchBytes, HttpStatusError } from './http.js';
import type { PlatformOverride } from './types.js';
import {
  describeSpec,
  isSupportedServerVersion,
  MIN_SERVER_VERSION,
  versionSatisfies,
  type VersionSpec,
} from '../common/version-spec.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** MongoDB's own version list. */
export const MONGODB_VERSION_LIST_URL = 'https://downloads.mongodb.org/full.json';
/** Hosts whose archive URLs a mirror replaces (keeping the path, e.g. `/linux/mongodb-linux-…tgz`). */
const MONGODB_DOWNLOAD_HOSTS = new Set(['fastdl.mongodb.org', 'downloads.mongodb.org', 'downloads.mongodb.com']);

/** One download entry of full.json (only the fields we read). */
interface DownloadEntry {
  readonly edition?: string;
  readonly target?: string;
  readonly arch?: string;
  readonly archive?: { readonly url?: string; readonly sha256?: string };
}

/** One release of full.json (only the fields we read). */
export interface VersionEntry {
  readonly version: string;
  readonly production_release?: boolean;
  readonly continuous_release?: boolean;
  readonly downloads: readonly DownloadEntry[];
}

export interface VersionList {
  readonly url: string;
  /** The gzipped copy in the cache dir (mongodb-download-url reads it from there). */
  readonly file: string;
  readonly versions: readonly VersionEntry[];
}

/** Where the list and the archives come from. */
export interface DownloadSource {
  readonly versionListUrl: string;
  readonly mirror?: string;
}

/** Option > `MONGO_TOPOLOGY_DOWNLOAD_MIRROR` > MongoDB. A bad URL is a config error. */
export function downloadSource(
  options: { readonly mirror?: string; readonly versionListUrl?: string },
  env: Readonly<Record<string, string | undefined>>,
): DownloadSource {
  const mirror = options.mirror ?? (env.MONGO_TOPOLOGY_DOWNLOAD_MIRROR || undefined);
  const check = (what: string, value: string) => {
    let u: URL | undefined;
    try {
      u = new URL(value);
    } catch {
      // handled below
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      throw new TopologyConfigError(`Invalid ${what} ${JSON.stringify(value)}: not an http(s) URL`, {
        problems: [{ path: what, message: 'use a URL such as https://mirror.example.com/mongodb' }],
      });
    }
  };
  if (mirror !== undefined) check('mirror', mirror);
  if (options.versionListUrl !== undefined) check('versionListUrl', options.versionListUrl);
  const versionListUrl =
    options.versionListUrl ?? (mirror ? new URL('full.json', withSlash(mirror)).href : MONGODB_VERSION_LIST_URL);
  return { versionListUrl, mirror };
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

/** The URL to fetch an archive from: on a mirror, MongoDB's hosts are replaced by it, path kept. */
export function archiveUrlFor(url: string, mirror: string | undefined): string {
  if (!mirror) return url;
  const u = new URL(url);
  if (!MONGODB_DOWNLOAD_HOSTS.has(u.hostname)) return url;
  return new URL(u.pathname.replace(/^\//, '') + u.search, withSlash(mirror)).href;
}

export interface LoadListOptions {
  readonly url: string;
  readonly cacheDir: string;
  readonly maxAgeMs: number;
  /** Never fetch; a cached list of any age is used, or `undefined` returned. */
  readonly offline: boolean;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: EventSink;
}

/** Where the list from `url` is cached: `<cacheDir>/version-lists/<hash of url>.json.gz` (gzipped full.json). */
export function versionListFile(cacheDir: string, url: string): string {
  return join(cacheDir, 'version-lists', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.json.gz`);
}

const parsed = new Map<string, { mtimeMs: number; versions: readonly VersionEntry[] }>();

/**
 * The version list from the cache if younger than `maxAgeMs`, else from the network (then cached).
 * When the network fails, an older cached copy is used rather than failing.
 */
export async function loadVersionList(options: LoadListOptions): Promise<VersionList | undefined> {
  const { url, cacheDir } = options;
  const file = versionListFile(cacheDir, url);
  const cached = await stat(file).catch(() => undefined);
  const fresh = cached !== undefined && Date.now() - cached.mtimeMs < options.maxAgeMs;
  if (cached && (fresh || options.offline)) {
    const versions = await readCachedList(file, cached.mtimeMs);
    if (versions) {
      emit(options.onEvent, { type: 'version-list', url, from: 'cache' });
      return { url, file, versions };
    }
  }
  if (options.offline) return undefined;
  let body: Buffer;
  try {
    body = await fetchBytes(url, { timeoutMs: options.timeoutMs, signal: options.signal });
  } catch (e) {
    options.signal?.throwIfAborted();
    const stale = cached ? await readCachedList(file, cached.mtimeMs) : undefined;
    if (stale) {
      emit(options.onEvent, { type: 'version-list', url, from: 'stale-cache' });
      return { url, file, versions: stale };
    }
    const status = e instanceof HttpStatusError ? e.status : undefined;
    throw new BinaryFailure(
      'MT_VERSION_LIST_FAILED',
      `Could not fetch the MongoDB version list ${url}: ${describeError(e)}`,
      {
        hint:
          status === 404
            ? "The mirror must serve MongoDB's full.json at <mirror>/full.json (or set versionListUrl)."
            : 'Check the network or proxy, set MONGO_TOPOLOGY_DOWNLOAD_MIRROR to a reachable mirror, or use a binDir / MONGO_TOPOLOGY_BIN_DIR.',
        reason: `version list ${url}: ${describeError(e)}`,
        cause: e,
      },
    );
  }
  const versions = validateList(body, url);
  await writeCachedList(file, versions);
  emit(options.onEvent, { type: 'version-list', url, from: 'network' });
  return { url, file, versions };
}

function validateList(body: Buffer, url: string): readonly VersionEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new BinaryFailure('MT_VERSION_LIST_FAILED', `The version list ${url} is not JSON: ${(e as Error).message}`, {
      hint: "The URL must serve MongoDB's full.json (or a mirror of it).",
      cause: e,
    });
  }
  const versions = (doc as { versions?: unknown }).versions;
  if (
    !Array.isArray(versions) ||
    !versions.every((v) => typeof v?.version === 'string' && Array.isArray(v?.downloads))
  ) {
    throw new BinaryFailure('MT_VERSION_LIST_FAILED', `The version list ${url} has no "versions" array of releases`, {
      hint: "The URL must serve MongoDB's full.json (or a mirror of it).",
    });
  }
  return versions as VersionEntry[];
}

async function readCachedList(file: string, mtimeMs: number): Promise<readonly VersionEntry[] | undefined> {
  const memo = parsed.get(file);
  if (memo && memo.mtimeMs === mtimeMs) return memo.versions;
  try {
    const doc = JSON.parse((await gunzip(await readFile(file))).toString('utf8')) as { versions: VersionEntry[] };
    if (!Array.isArray(doc.versions)) return undefined;
    parsed.set(file, { mtimeMs, versions: doc.versions });
    return doc.versions;
  } catch {
    return undefined;
  }
}

async function writeCachedList(file: string, versions: readonly VersionEntry[]): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // Mode 0644 and our uid: mongodb-download-url refuses a group/world-writable cache file.
    await writeFile(tmp, await gzip(JSON.stringify({ versions })), { mode: 0o644 });
    await rename(tmp, file);
    parsed.set(file, { mtimeMs: (await stat(file)).mtimeMs, versions });
  } catch (e) {
    await rm(tmp, { force: true });
    throw new BinaryFailure(
      'MT_CACHE_UNWRITABLE',
      `Could not write the version list cache ${file}: ${(e as Error).message}`,
      {
        hint: 'Make the cache dir writable or choose another (cacheDir option or MONGO_TOPOLOGY_CACHE_DIR).',
        cause: e,
      },
    );
  }
}

/**
 * The release of the list that a spec resolves to: the newest one it admits. Releases older than
 * {@link MIN_SERVER_VERSION} are never picked (see `matchesOnlyUnsupported`).
 */
export function pickVersion(versions: readonly VersionEntry[], spec: VersionSpec): VersionEntry | undefined {
  return admittedBy(versions, spec).filter((v) => isSupportedServerVersion(v.version))[0];
}

/** True when releases in the list match the spec, but every one is older than {@link MIN_SERVER_VERSION}. */
function matchesOnlyUnsupported(versions: readonly VersionEntry[], spec: VersionSpec): boolean {
  const admitted = admittedBy(versions, spec);
  return admitted.length > 0 && !admitted.some((v) => isSupportedServerVersion(v.version));
}

/** The releases with downloads that a spec admits, newest first. */
function admittedBy(versions: readonly VersionEntry[], spec: VersionSpec): VersionEntry[] {
  const admitted = versions.filter((v) => {
    if (v.downloads.length === 0 || semver.valid(v.version) === null) return false;
    // Which release a channel means depends on the list's release flags, not on the version alone.
    if (spec.kind === 'latest') {
      return (
        semver.prerelease(v.version) === null &&
        (v.production_release === true || (spec.channel === 'rapid' && v.continuous_release === true))
      );
    }
    const productionOnly = spec.kind === 'range' && spec.productionOnly;
    return versionSatisfies(v.version, spec) === true && (!productionOnly || v.production_release === true);
  });
  return admitted.sort((a, b) => semver.rcompare(a.version, b.version));
}

/** The archive chosen for this platform. */
export interface Artifact extends ArtifactIdentity {
  /** As the version list names it. */
  readonly url: string;
  /** Where to fetch it (the mirror's copy when a mirror is set). */
  readonly fetchUrl: string;
  /** From the version list; `undefined` when it publishes none (then the `.sha256` file is used). */
  readonly sha256?: string;
  readonly archiveName: string;
}

export interface SelectOptions {
  readonly platform?: PlatformOverride;
  readonly enterprise: boolean;
  readonly mirror?: string;
}

// mongodb-download-url keeps the last list it read in module state shared by all callers. We hand it our
// cached file for each call, so calls are serialised and its memory cleared first, or one mirror's list
// could answer another's call.
let selectQueue: Promise<unknown> = Promise.resolve();

/**
 * Resolves `spec` against the list, then lets mongodb-download-url pick this platform's archive
 * (OS, arch, Linux distro and its fallbacks), and looks up the archive's published sha256.
 */
export async function selectArtifact(list: VersionList, spec: VersionSpec, options: SelectOptions): Promise<Artifact> {
  const release = pickVersion(list.versions, spec);
  if (!release && matchesOnlyUnsupported(list.versions, spec)) {
    throw new BinaryFailure(
      'MT_VERSION_UNSUPPORTED',
      `Every MongoDB release in ${list.url} that matches ${describeSpec(spec)} is older than ${MIN_SERVER_VERSION}, the oldest server mongo-topology drives`,
      {
        hint: `mongo-topology waits for the JSON log that MongoDB ${MIN_SERVER_VERSION} introduced. Ask for ${MIN_SERVER_VERSION} or later.`,
        reason: `only releases older than ${MIN_SERVER_VERSION} match ${spec.raw}`,
      },
    );
  }
  if (!release) {
    throw new BinaryFailure(
      'MT_VERSION_NOT_AVAILABLE',
      `No MongoDB release in ${list.url} matches ${describeSpec(spec)}`,
      {
        hint: `Newest releases listed: ${newestSeries(list.versions).join(', ') || 'none'}.`,
        reason: `no release matches ${spec.raw}`,
      },
    );
  }
  const { platform = {} } = options;
  const run = selectQueue.then(async () => {
    await clearDownloadUrlMemory('');
    return await getDownloadURL({
      version: release.version,
      platform: platform.os,
      arch: platform.arch,
      distro: platform.distro,
      enterprise: options.enterprise,
      versionListUrl: list.url,
      cachePath: list.file,
      // We decide freshness ourselves (loadVersionList); it must always accept the file we hand it.
      cacheTimeMs: Number.MAX_SAFE_INTEGER,
    });
  });
  selectQueue = run.catch(() => undefined);
  let info: Awaited<ReturnType<typeof getDownloadURL>>;
  try {
    info = await run;
  } catch (e) {
    const what = `${options.enterprise ? 'enterprise' : 'community'} build of MongoDB ${release.version}`;
    const here = [platform.os ?? process.platform, platform.arch ?? process.arch, platform.distro]
      .filter(Boolean)
      .join(' ');
    const builds = release.downloads
      .filter((d) =>
        options.enterprise ? d.edition === 'enterprise' : d.edition === 'targeted' || d.edition === 'base',
      )
      .map((d) => `${d.target ?? '?'} (${d.arch ?? '?'})`);
    // mongodb-download-url appends an inspect() dump of its options; its first line is the useful part.
    const why = (e as Error).message.split('\n')[0].replace(/\s*\{$/, '');
    const detail = /^Could not find download URL/.test(why) ? '' : ` (${why})`;
    throw new BinaryFailure('MT_PLATFORM_UNSUPPORTED', `No ${what} for ${here} in ${list.url}${detail}`, {
      hint: `Builds listed for ${release.version}: ${builds.join(', ') || 'none'}. Set platform.distro to one that runs here, pick another version, or use a binDir.`,
      reason: `no ${what} for ${here}`,
      cause: e,
    });
  }
  const entry = release.downloads.find((d) => d.archive?.url === info.url);
  const sha256 = entry?.archive?.sha256?.toLowerCase();
  return {
    version: info.version,
    target: info.distro,
    arch: info.arch,
    enterprise: info.enterprise,
    url: info.url,
    fetchUrl: archiveUrlFor(info.url, options.mirror),
    sha256: sha256 && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined,
    archiveName: basename(new URL(info.url).pathname),
  };
}

/** Newest release of each of the newest few series, for "what exists" hints. */
function newestSeries(versions: readonly VersionEntry[]): string[] {
  const seen = new Map<string, string>();
  const sorted = versions
    .filter((v) => semver.valid(v.version) !== null && semver.prerelease(v.version) === null)
    .sort((a, b) => semver.rcompare(a.version, b.version));
  for (const v of sorted) {
    const series = `${semver.major(v.version)}.${semver.minor(v.version)}`;
    if (!seen.has(series)) seen.set(series, v.version);
  }
  return [...seen.values()].slice(0, 6);
}
