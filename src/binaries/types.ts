// The option bags, results and progress events of binary resolution (src/binaries). Kept in one
// place so resolve, download and the CLI's future `download` command speak the same vocabulary.

/** Where a binary came from, in resolution order. */
export type BinarySource = 'binDir' | 'env' | 'PATH' | 'cache' | 'download';

/** What `<binary> --version` says about a build. Field names are MongoDB's (log id 23403, `buildInfo`). */
export interface BuildInfo {
  readonly version: string;
  readonly gitVersion?: string;
  readonly openSSLVersion?: string;
  /** `["enterprise"]` for MongoDB Enterprise builds, `[]` for Community. */
  readonly modules: readonly string[];
  readonly allocator?: string;
  readonly environment: {
    readonly distmod?: string;
    readonly distarch?: string;
    readonly target_arch?: string;
  };
}

/** A binary we can run, with the version it reported. */
export interface BinaryInfo {
  /** Absolute path. */
  readonly path: string;
  /** The version the binary printed, e.g. `8.0.4`. */
  readonly version: string;
  /** Present when `--version` was run (always, except for `downloadBinaries({ checkVersion: false })`). */
  readonly buildInfo?: BuildInfo;
}

/** What `resolveBinaries` returns. */
export interface ResolvedBinaries {
  readonly mongod: BinaryInfo;
  /** Present when `requireMongos` was set. */
  readonly mongos?: BinaryInfo;
  readonly source: BinarySource;
  /** The directory holding the binaries. */
  readonly binDir: string;
}

/**
 * Platform to download for, instead of this machine's. Values are what `mongodb-download-url` takes:
 * `os` is a Node platform (`linux`, `darwin`, `win32`), `arch` a Node or MongoDB arch (`x64`,
 * `x86_64`, `arm64`, `aarch64`), `distro` a MongoDB build target (`ubuntu2404`, `debian12`, `rhel93`).
 */
export interface PlatformOverride {
  readonly os?: string;
  readonly arch?: string;
  readonly distro?: string;
}

/** Progress and decisions, in the order they happen. The library prints nothing; the CLI renders these. */
export type BinaryEvent =
  | {
      readonly type: 'attempt-skipped';
      readonly source: BinarySource;
      readonly location: string;
      readonly reason: string;
    }
  | {
      readonly type: 'version-checked';
      readonly path: string;
      readonly version: string;
      /** Where the answer came from: a fresh `--version` run, or a cache keyed by path, size, mtime. */
      readonly from: 'run' | 'memory' | 'disk';
    }
  | { readonly type: 'version-list'; readonly url: string; readonly from: 'network' | 'cache' | 'stale-cache' }
  | {
      readonly type: 'version-resolved';
      readonly spec: string;
      readonly version: string;
      readonly url: string;
      readonly target: string;
      readonly arch: string;
    }
  | { readonly type: 'cache-hit'; readonly version: string; readonly dir: string }
  | { readonly type: 'lock-waiting'; readonly lockPath: string; readonly timeoutMs: number }
  | { readonly type: 'stale-lock-recovered'; readonly lockPath: string }
  | {
      readonly type: 'download-started';
      readonly url: string;
      readonly version: string;
      readonly totalBytes?: number;
      readonly attempt: number;
    }
  | {
      readonly type: 'download-progress';
      readonly url: string;
      readonly receivedBytes: number;
      readonly totalBytes?: number;
    }
  | {
      readonly type: 'download-retry';
      readonly url: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | { readonly type: 'download-finished'; readonly url: string; readonly bytes: number; readonly durationMs: number }
  | {
      readonly type: 'verified';
      readonly url: string;
      readonly sha256: string;
      readonly checksumFrom: 'version-list' | 'sha256-file';
    }
  | { readonly type: 'extracted'; readonly dir: string; readonly files: readonly string[] }
  | {
      readonly type: 'resolved';
      readonly source: BinarySource;
      readonly mongod: BinaryInfo;
      readonly mongos?: BinaryInfo;
    };

/** Options shared by `resolveBinaries` and `downloadBinaries`. */
export interface DownloadOptions {
  /**
   * Which MongoDB to use, in the grammar `.version()` takes: `8.0.4` exactly, `8.0` / `8.0.x` the
   * newest 8.0 release, `8` / `8.x` / a semver range the newest production release in it, `latest`
   * (also `stable`, `*`) the newest production release, `rapid` (also `continuous`) the newest
   * including rapid releases. A leading `v` is ignored. When downloading without a spec: `8.0`.
   * A spec that admits only servers older than 4.4 is a `TopologyConfigError`, and a binary older
   * than 4.4 is never used (`MT_VERSION_UNSUPPORTED`).
   */
  readonly version?: string;
  /** Cache root. Default: `$MONGO_TOPOLOGY_CACHE_DIR`, else the user cache dir (`~/.cache/mongo-topology` on Linux). */
  readonly cacheDir?: string;
  /**
   * Base URL of a mirror of MongoDB's download site. The version list is read from `<mirror>/full.json`
   * and archive URLs on MongoDB's download hosts are rewritten to `<mirror>/<same path>`.
   * Default: `$MONGO_TOPOLOGY_DOWNLOAD_MIRROR`, else MongoDB's own hosts.
   */
  readonly mirror?: string;
  /** Version list URL, overriding the mirror's. Default `<mirror>/full.json` or `https://downloads.mongodb.org/full.json`. */
  readonly versionListUrl?: string;
  /** How long a cached version list is trusted before it is fetched again. @default 86_400_000 (24 h) */
  readonly versionListMaxAgeMs?: number;
  /** Download for another platform than this machine (tests, prefetching for CI images). */
  readonly platform?: PlatformOverride;
  /** MongoDB Enterprise instead of Community. @default false */
  readonly enterprise?: boolean;
  /** The archive must contain `bin/mongos` (sharded topologies). */
  readonly requireMongos?: boolean;
  /** Longest wait for another process that is downloading the same version. @default 600_000 */
  readonly lockTimeoutMs?: number;
  /** A lock not refreshed for this long belongs to a dead process and is taken over. @default 30_000 */
  readonly lockStaleMs?: number;
  /** Retries of a failed archive download (network errors, 408/429/5xx). @default 2 */
  readonly downloadRetries?: number;
  /** A download that receives nothing for this long fails (and is retried). @default 60_000 */
  readonly idleTimeoutMs?: number;
  /** Deadline for one `<binary> --version` run. @default 20_000 */
  readonly versionCheckTimeoutMs?: number;
  /**
   * Remember each binary's `--version` answer (keyed by path, size, mtime) in memory and in the cache
   * dir. Turn off when mongod is a wrapper script whose answer depends on its environment. @default true
   */
  readonly cacheVersionChecks?: boolean;
  readonly signal?: AbortSignal;
  /** Receives progress events. Exceptions it throws are ignored. */
  readonly onEvent?: (event: BinaryEvent) => void;
  /** Environment to read `MONGO_TOPOLOGY_*` and `PATH` from, at call time. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Options of `resolveBinaries`. */
export interface ResolveBinariesOptions extends DownloadOptions {
  /** A directory holding `mongod` (and `mongos`). Used as is: nothing else is tried. */
  readonly binDir?: string;
  /** May resolution download? When false, only binDir, env, PATH and the cache are used. @default true */
  readonly download?: boolean;
}

/** Options of `downloadBinaries` (the CLI's `download` pre-fetch). */
export interface DownloadBinariesOptions extends DownloadOptions {
  /**
   * Run the binaries' `--version` to prove they work here and match the version list. Turn off when
   * prefetching for another platform. @default true
   */
  readonly checkVersion?: boolean;
}

/** What `downloadBinaries` returns: a verified cache entry. */
export interface DownloadedBinaries {
  /** The resolved version, e.g. `8.0.4`. */
  readonly version: string;
  /** The cache entry directory. */
  readonly dir: string;
  readonly binDir: string;
  readonly mongod: BinaryInfo;
  /** Present when the archive holds mongos. */
  readonly mongos?: BinaryInfo;
  /** The archive URL it came from. */
  readonly url: string;
  /** sha256 of the archive, as verified. */
  readonly sha256: string;
  /** True when the entry was already cached (nothing was downloaded). */
  readonly fromCache: boolean;
}
