// The binary cache on disk: where it lives, how an entry is named (by the resolved version and the
// platform build, never by the spec), and when an entry counts as complete.
//
// <cacheDir>/
//   mongodb/<version>-<edition>-<target>-<arch>/   one extracted archive; `mongo-topology-entry.json` inside
//   mongodb/<key>.lock/                             cross-process download lock (proper-lockfile)
//   mongodb/.staging-<key>+*/                       download + extraction in progress (renamed into place)
//   version-lists/<hash>.json.gz                    cached version lists, one per list URL
//   version-checks/<hash>.json                      cached `--version` answers

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFile, stat, writeFile } from 'node:fs/promises';

/** The file that marks an entry as complete. Written inside the staging dir before the rename. */
export const MANIFEST_NAME = 'mongo-topology-entry.json';

/**
 * The per-user cache directory: `$XDG_CACHE_HOME/mongo-topology` or `~/.cache/mongo-topology` on
 * Linux and other Unixes, `~/Library/Caches/mongo-topology` on macOS, `%LOCALAPPDATA%\mongo-topology\Cache`
 * on Windows.
 */
export function defaultCacheDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'mongo-topology');
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'mongo-topology', 'Cache');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'mongo-topology');
}

/** Explicit option > `MONGO_TOPOLOGY_CACHE_DIR` > the per-user default. Always absolute. */
export function resolveCacheDir(option: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return resolve(option ?? (env.MONGO_TOPOLOGY_CACHE_DIR || defaultCacheDir(env)));
}

/** The build an entry holds. */
export interface ArtifactIdentity {
  readonly version: string;
  /** MongoDB build target from the version list, e.g. `ubuntu2404`, `macos`, `windows`. */
  readonly target: string;
  /** MongoDB arch, e.g. `x86_64`, `aarch64`. */
  readonly arch: string;
  readonly enterprise: boolean;
}

/** Entry name: the resolved version first (so `ls` sorts by version), then the build. */
export function cacheEntryKey(a: ArtifactIdentity): string {
  const raw = `${a.version}-${a.enterprise ? 'enterprise' : 'community'}-${a.target}-${a.arch}`;
  return raw.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function entryDirFor(cacheDir: string, key: string): string {
  return join(cacheDir, 'mongodb', key);
}

export interface ManifestFile {
  /** Relative to the entry dir, `/`-separated. */
  readonly path: string;
  readonly size: number;
}

/** What an entry holds and where it came from. */
export interface CacheManifest {
  readonly schema: 1;
  readonly version: string;
  readonly target: string;
  readonly arch: string;
  readonly enterprise: boolean;
  /** The archive URL as the version list names it. */
  readonly url: string;
  /** The URL the bytes were fetched from (differs with a mirror). */
  readonly downloadedFrom: string;
  readonly sha256: string;
  readonly files: { readonly mongod: ManifestFile; readonly mongos?: ManifestFile };
  readonly createdAt: string;
}

export async function writeManifest(entryDir: string, manifest: CacheManifest): Promise<void> {
  await writeFile(join(entryDir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A usable entry, or why the entry on disk is not one. */
export type EntryState =
  | { readonly ok: true; readonly manifest: CacheManifest }
  | { readonly ok: false; readonly reason: string; readonly manifest?: CacheManifest };

/**
 * Reads an entry without taking the lock: an entry is complete once its manifest exists, because the
 * manifest is written before the staging dir is renamed into place. Also checks the entry is the
 * build the version list names now (same sha256) and that its files are still whole.
 */
export async function readCacheEntry(
  entryDir: string,
  expect: { readonly version: string; readonly sha256?: string },
): Promise<EntryState> {
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await readFile(join(entryDir, MANIFEST_NAME), 'utf8')) as CacheManifest;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, reason: missing ? 'not cached' : `unreadable manifest (${(e as Error).message})` };
  }
  if (manifest.schema !== 1 || typeof manifest.files?.mongod?.path !== 'string') {
    return { ok: false, reason: 'manifest has an unknown format' };
  }
  if (manifest.version !== expect.version) {
    return { ok: false, reason: `holds ${manifest.version}, not ${expect.version}`, manifest };
  }
  if (expect.sha256 && manifest.sha256 !== expect.sha256) {
    return {
      ok: false,
      reason: `holds archive sha256 ${manifest.sha256}, the version list now says ${expect.sha256}`,
      manifest,
    };
  }
  for (const f of [manifest.files.mongod, manifest.files.mongos]) {
    if (!f) continue;
    try {
      const s = await stat(join(entryDir, f.path));
      if (s.size !== f.size) return { ok: false, reason: `${f.path} is ${s.size} bytes, expected ${f.size}`, manifest };
    } catch {
      return { ok: false, reason: `${f.path} is missing`, manifest };
    }
  }
  return { ok: true, manifest };
}
