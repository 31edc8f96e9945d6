// Decides which mongod (and mongos) a topology runs, in this order: explicit binDir →
// MONGO_TOPOLOGY_BIN_DIR → mongod/mongos on PATH → the cache → a download. Every binary is asked for
// its version (cached per build), checked against the requested spec, and mongod and mongos must match.
//
// Policy when a binary does not fit: binDir and MONGO_TOPOLOGY_BIN_DIR are explicit choices, so a
// missing binary or a version mismatch there is an error (nothing else is tried). PATH is incidental,
// so an unfit PATH binary is skipped (reported as an `attempt-skipped` event and in any final error)
// and resolution goes on to the cache and the download.

import { dirname, join, resolve as resolvePath } from 'node:path';
import { stat } from 'node:fs/promises';
import {
  describeSpec,
  isSupportedServerVersion,
  MIN_SERVER_VERSION,
  parseVersionSpec,
  versionSatisfies,
  type VersionSpec,
} from '../common/version-spec.js';
import type { BinaryAttempt } from '../errors.js';
import { resolveCacheDir } from './cache.js';
import { DEFAULT_VERSION_SPEC, DOWNLOAD_DEFAULTS, obtain, type Trail } from './download.js';
import { emit } from './events.js';
import { BinaryFailure, toPublicError } from './failure.js';
import { exeName, findOnPath, whyNotExecutable } from './locate.js';
import type { BinaryInfo, BinarySource, ResolveBinariesOptions, ResolvedBinaries } from './types.js';
import { checkBinaryVersion } from './version-check.js';

/**
 * Finds or downloads the MongoDB binaries a topology needs.
 *
 * Environment (read at call time): `MONGO_TOPOLOGY_BIN_DIR`, `MONGO_TOPOLOGY_CACHE_DIR`,
 * `MONGO_TOPOLOGY_DOWNLOAD_MIRROR`, `PATH`. Throws `BinaryResolutionError` (with a `code` per failure
 * kind and every place tried) or `TopologyConfigError` for a malformed version spec or mirror URL.
 *
 * @example
 * const { mongod, mongos } = await resolveBinaries({ version: '8.0', requireMongos: true });
 * // mongod.path = '/home/me/.cache/mongo-topology/mongodb/8.0.4-community-ubuntu2404-x86_64/bin/mongod'
 */
export async function resolveBinaries(options: ResolveBinariesOptions = {}): Promise<ResolvedBinaries> {
  const env = options.env ?? process.env;
  const spec = options.version === undefined ? undefined : parseVersionSpec(options.version);
  const cacheDir = resolveCacheDir(options.cacheDir, env);
  const requireMongos = options.requireMongos ?? false;
  const attempts: BinaryAttempt[] = [];
  const ctx: PairContext = { spec, requireMongos, enterprise: options.enterprise, cacheDir, options };

  const explicit: [BinarySource, string | undefined][] = [
    ['binDir', options.binDir],
    ['env', env.MONGO_TOPOLOGY_BIN_DIR || undefined],
  ];
  for (const [source, dir] of explicit) {
    if (dir === undefined) continue;
    const abs = resolvePath(dir);
    try {
      return done(source, await fromDirectory(abs, ctx), options);
    } catch (e) {
      const location = source === 'env' ? `MONGO_TOPOLOGY_BIN_DIR=${abs}` : abs;
      throw toPublicError(withSourceHint(e, source), attempts, { source, location });
    }
  }

  const mongodOnPath = await findOnPath('mongod', env);
  if (mongodOnPath === undefined) {
    skip(attempts, options, { source: 'PATH', location: 'mongod', reason: 'not found on PATH' });
  } else {
    const mongosOnPath = requireMongos ? await mongosNextTo(mongodOnPath, env) : undefined;
    try {
      if (requireMongos && mongosOnPath === undefined) {
        throw new BinaryFailure('MT_MONGOS_MISSING', 'mongos not found on PATH', {
          reason: `found ${mongodOnPath}, but no mongos on PATH`,
        });
      }
      return done('PATH', await checkPair(mongodOnPath, mongosOnPath, ctx), options);
    } catch (e) {
      if (!(e instanceof BinaryFailure)) throw e;
      skip(attempts, options, { source: 'PATH', location: mongodOnPath, reason: e.details.reason ?? e.message });
    }
  }

  const trail: Trail = { attempts };
  try {
    const got = await obtain(
      {
        ...options,
        spec: spec ?? parseVersionSpec(DEFAULT_VERSION_SPEC),
        cacheDir,
        env,
        mongos: requireMongos ? 'required' : 'no',
        checkVersion: true,
        offline: options.download === false,
      },
      trail,
    );
    return done(got.fromCache ? 'cache' : 'download', { mongod: got.mongod, mongos: got.mongos }, options);
  } catch (e) {
    throw toPublicError(e, trail.attempts, trail.step);
  }
}

interface PairContext {
  readonly spec?: VersionSpec;
  readonly requireMongos: boolean;
  readonly enterprise?: boolean;
  readonly cacheDir: string;
  readonly options: ResolveBinariesOptions;
}

interface Pair {
  readonly mongod: BinaryInfo;
  readonly mongos?: BinaryInfo;
}

function done(source: BinarySource, pair: Pair, options: ResolveBinariesOptions): ResolvedBinaries {
  emit(options.onEvent, { type: 'resolved', source, mongod: pair.mongod, mongos: pair.mongos });
  return { source, mongod: pair.mongod, mongos: pair.mongos, binDir: dirname(pair.mongod.path) };
}

function skip(attempts: BinaryAttempt[], options: ResolveBinariesOptions, attempt: BinaryAttempt): void {
  attempts.push(attempt);
  emit(options.onEvent, { type: 'attempt-skipped', ...attempt });
}

/** mongos from the same directory as mongod (one installation), else the first on PATH. */
async function mongosNextTo(
  mongodPath: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  const sibling = join(dirname(mongodPath), exeName('mongos'));
  if ((await whyNotExecutable(sibling)) === undefined) return sibling;
  return await findOnPath('mongos', env);
}

async function fromDirectory(dir: string, ctx: PairContext): Promise<Pair> {
  const s = await stat(dir).catch(() => undefined);
  if (!s?.isDirectory()) {
    throw new BinaryFailure('MT_BINARY_NOT_FOUND', `${dir} is not a directory`, {
      reason: s ? 'not a directory' : 'does not exist',
    });
  }
  const mongod = join(dir, exeName('mongod'));
  const why = await whyNotExecutable(mongod);
  if (why !== undefined) {
    throw new BinaryFailure(
      why === 'is not executable' ? 'MT_BINARY_UNUSABLE' : 'MT_BINARY_NOT_FOUND',
      `${mongod} ${why}`,
      {
        reason: `${exeName('mongod')} ${why}`,
        hint: why === 'is not executable' ? `Make it executable: chmod +x ${mongod}` : undefined,
      },
    );
  }
  let mongos: string | undefined;
  if (ctx.requireMongos) {
    mongos = join(dir, exeName('mongos'));
    const whyMongos = await whyNotExecutable(mongos);
    if (whyMongos !== undefined) {
      throw new BinaryFailure('MT_MONGOS_MISSING', `A sharded topology needs mongos, and ${mongos} ${whyMongos}`, {
        reason: `${exeName('mongos')} ${whyMongos}`,
      });
    }
  }
  return await checkPair(mongod, mongos, ctx);
}

/** Runs (or recalls) both `--version`s, then checks them against the spec and each other. */
async function checkPair(mongodPath: string, mongosPath: string | undefined, ctx: PairContext): Promise<Pair> {
  const check = {
    cacheDir: ctx.cacheDir,
    timeoutMs: ctx.options.versionCheckTimeoutMs ?? DOWNLOAD_DEFAULTS.versionCheckTimeoutMs,
    useCache: ctx.options.cacheVersionChecks,
    signal: ctx.options.signal,
    onEvent: ctx.options.onEvent,
  };
  const [d, s] = await Promise.allSettled([
    checkBinaryVersion(mongodPath, 'mongod', check),
    mongosPath === undefined ? Promise.resolve(undefined) : checkBinaryVersion(mongosPath, 'mongos', check),
  ]);
  if (d.status === 'rejected') throw d.reason;
  if (s.status === 'rejected') throw s.reason;
  const mongod = d.value;
  const mongos = s.value;
  if (ctx.spec && versionSatisfies(mongod.version, ctx.spec) === false) {
    throw new BinaryFailure(
      'MT_VERSION_MISMATCH',
      `${mongodPath} is MongoDB ${mongod.version}, but version ${describeSpec(ctx.spec)} was asked for`,
      {
        reason: `is ${mongod.version}, wanted ${ctx.spec.raw}`,
      },
    );
  }
  if (!isSupportedServerVersion(mongod.version)) throw unsupported(mongodPath, mongod.version);
  if (mongos && mongos.version !== mongod.version) {
    throw new BinaryFailure(
      'MT_VERSION_MISMATCH',
      `mongod and mongos differ: ${mongodPath} is ${mongod.version}, ${mongos.path} is ${mongos.version}`,
      {
        reason: `mongod ${mongod.version} but mongos ${mongos.version}`,
        hint: 'Use mongod and mongos from the same MongoDB release.',
      },
    );
  }
  if (ctx.enterprise === true) {
    const community = [mongod, ...(mongos ? [mongos] : [])].find((c) => !c.enterprise);
    if (community) {
      throw new BinaryFailure(
        'MT_VERSION_MISMATCH',
        `${community.path} is a Community build, but enterprise was asked for`,
        {
          reason: `${community.program} is a Community build, wanted Enterprise`,
          hint: 'Use a MongoDB Enterprise build (its --version lists the "enterprise" module), or leave out enterprise: true.',
        },
      );
    }
  }
  const info = (c: typeof mongod): BinaryInfo => ({ path: c.path, version: c.version, buildInfo: c.buildInfo });
  return { mongod: info(mongod), mongos: mongos ? info(mongos) : undefined };
}

/** The rest of the product cannot drive a server without the JSON log (readiness waits for log id 23016). */
function unsupported(path: string, version: string): BinaryFailure {
  return new BinaryFailure(
    'MT_VERSION_UNSUPPORTED',
    `${path} is MongoDB ${version}, older than ${MIN_SERVER_VERSION}, the oldest server mongo-topology drives`,
    {
      reason: `is ${version}, older than ${MIN_SERVER_VERSION}`,
      hint: `mongo-topology waits for the JSON log that MongoDB ${MIN_SERVER_VERSION} introduced. Use MongoDB ${MIN_SERVER_VERSION} or later (binDir, MONGO_TOPOLOGY_BIN_DIR, PATH), or let it download one.`,
    },
  );
}

/** Adds what to do about a failing explicit source, unless the failure already says. */
function withSourceHint(e: unknown, source: BinarySource): unknown {
  if (!(e instanceof BinaryFailure) || e.details.hint) return e;
  const hint =
    source === 'env'
      ? 'Fix or unset MONGO_TOPOLOGY_BIN_DIR (when it is unset, PATH, the cache and a download are tried).'
      : 'Point binDir at a directory holding mongod (and mongos for sharded topologies) of the wanted version, or leave binDir out to download.';
  return new BinaryFailure(e.code, e.message, { ...e.details, hint, cause: e.cause });
}
