// Server versions, in one place: the grammar of a version spec (what `.version()` and binary
// resolution accept), whether a server version satisfies a spec, the oldest server mongo-topology
// drives, and the version spans of version-aware rules (server parameters, flags, config fields).
// It sits in src/common because src/topology and src/binaries both need it and neither may import the
// other (DESIGN.md, "One-way data flow"). semver does the range work.

import semver from 'semver';
import { TopologyConfigError } from '../errors.js';

/**
 * The oldest server mongo-topology drives: readiness waits for the structured JSON log (line id
 * 23016) that MongoDB 4.4 introduced, so older servers can be neither started nor told apart from hung.
 */
export const MIN_SERVER_VERSION = '4.4.0';

/** The channel each keyword names: production releases only, or rapid releases too. */
const CHANNELS: Readonly<Record<string, 'production' | 'rapid'>> = Object.freeze({
  stable: 'production',
  latest: 'production',
  '*': 'production',
  rapid: 'rapid',
  continuous: 'rapid',
});

/**
 * Words a version spec may be besides versions and ranges: `stable`/`latest`/`*` is the newest
 * production release, `rapid`/`continuous` the newest release including rapid releases.
 */
export const VERSION_KEYWORDS: readonly string[] = Object.freeze(Object.keys(CHANNELS));

/** A parsed version spec. Every value is frozen. */
export type VersionSpec =
  | {
      /** One exact release, e.g. `8.0.4` or `8.0.0-rc9`. */
      readonly kind: 'exact';
      /** What the user wrote. */
      readonly raw: string;
      readonly version: string;
    }
  | {
      /** A semver range; the newest release in it wins. */
      readonly kind: 'range';
      readonly raw: string;
      /** `8.0.x` for a series, `8.x` for a major, else semver's normal form (`>=7.0.0 <8.1.0-0`). */
      readonly range: string;
      /**
       * Only production releases count. True for wide ranges (`8`, `>=7`), false for a series
       * (`8.1`), where naming the series says the user wants it even if it is a rapid release.
       */
      readonly productionOnly: boolean;
    }
  | {
      /** The newest release of a channel: production only, or production plus rapid releases. */
      readonly kind: 'latest';
      readonly raw: string;
      readonly channel: 'production' | 'rapid';
    };

const SERIES = /^(\d+)\.(\d+)(?:\.[x*])?$/i;
const MAJOR = /^(\d+)(?:\.[x*](?:\.[x*])?)?$/i;
const ACCEPTED =
  'use an exact version (8.0.4), a series (8.0 or 8.0.x), a major (8 or 8.x), a semver range (>=7.0 <8.1), latest (also stable, *) or rapid (also continuous)';

/**
 * Parses a version spec, or says what is wrong with it: an exact version (`8.0.4`, `v8.0.4`), a
 * release series (`8.0`, `8.0.x`), a major (`8`, `8.x`), a semver range (`>=7.0 <8.1`) or a keyword
 * (see {@link VERSION_KEYWORDS}). A spec that admits only servers older than
 * {@link MIN_SERVER_VERSION} is a problem too. For callers that collect problems (validation);
 * {@link parseVersionSpec} throws instead.
 *
 * @example tryParseVersionSpec('8.0')  // { kind: 'range', raw: '8.0', range: '8.0.x', productionOnly: false }
 * @example tryParseVersionSpec('4.2')  // { problem: '"4.2" asks only for servers older than 4.4.0, ...' }
 */
export function tryParseVersionSpec(input: string): VersionSpec | { readonly problem: string } {
  const raw = input;
  const s = input.trim().replace(/^v(?=\d)/i, '');
  if (s === '') return { problem: `must not be empty; ${ACCEPTED}` };
  const channel = CHANNELS[s.toLowerCase()];
  if (channel !== undefined) return Object.freeze({ kind: 'latest', raw, channel });
  // These look like versions to semver but are download-site aliases we cannot verify (no sha256).
  if (/-enterprise$/i.test(s)) {
    return {
      problem: `"${raw}": ask for enterprise builds with { enterprise: true } (.version(spec, { enterprise: true })), not an -enterprise suffix`,
    };
  }
  if (/latest/i.test(s)) {
    return { problem: `"${raw}": "-latest" builds are unpublished snapshots without a checksum; use a release` };
  }
  const spec = versionOrRange(raw, s);
  if (spec === undefined) {
    return { problem: `"${raw}" is neither a version, a semver range nor a channel name; ${ACCEPTED}` };
  }
  if (!mayBeSupported(spec)) {
    return {
      problem: `"${raw}" asks only for servers older than ${MIN_SERVER_VERSION}, which mongo-topology does not support (it needs the JSON log ${MIN_SERVER_VERSION} introduced); ask for ${MIN_SERVER_VERSION} or later`,
    };
  }
  return Object.freeze(spec);
}

function versionOrRange(raw: string, s: string): VersionSpec | undefined {
  const exact = semver.valid(s);
  if (exact !== null) return { kind: 'exact', raw, version: exact };
  const series = SERIES.exec(s);
  if (series) return { kind: 'range', raw, range: `${series[1]}.${series[2]}.x`, productionOnly: false };
  const major = MAJOR.exec(s);
  if (major) return { kind: 'range', raw, range: `${major[1]}.x`, productionOnly: true };
  const range = semver.validRange(s);
  if (range !== null) return { kind: 'range', raw, range, productionOnly: true };
  return undefined;
}

/** Whether some version a spec admits is one mongo-topology drives. */
function mayBeSupported(spec: VersionSpec): boolean {
  switch (spec.kind) {
    case 'exact':
      return isSupportedServerVersion(spec.version);
    case 'range':
      return semver.intersects(spec.range, `>=${MIN_SERVER_VERSION}`, { includePrerelease: true });
    case 'latest':
      return true;
  }
}

/**
 * Parses a version spec (grammar: {@link tryParseVersionSpec}). Throws a `TopologyConfigError` saying
 * what is wrong and what is accepted when it is not a usable one.
 *
 * @example parseVersionSpec('8.0')    // { kind: 'range', range: '8.0.x', productionOnly: false }
 * @example parseVersionSpec('v8.0.4') // { kind: 'exact', version: '8.0.4' }
 */
export function parseVersionSpec(input: string): VersionSpec {
  const parsed = tryParseVersionSpec(input);
  if ('problem' in parsed) {
    throw new TopologyConfigError(`Invalid MongoDB version spec ${JSON.stringify(input)}`, {
      problems: [{ path: 'version', message: parsed.problem }],
    });
  }
  return parsed;
}

/**
 * Whether a server that reports `version` is the one `spec` asks for. `undefined` for `latest`/`rapid`,
 * which name whatever is newest on the download site and cannot be judged from a local binary.
 * Vendor suffixes (`7.0.14-8` from Percona builds) count as the release they extend; a release
 * candidate is not its release (`8.0.0-rc9` does not satisfy `8.0`).
 */
export function versionSatisfies(version: string, spec: VersionSpec): boolean | undefined {
  if (spec.kind === 'latest') return undefined;
  const v = normaliseVersion(version);
  if (v === null) return false;
  if (spec.kind === 'exact') return semver.eq(v, normaliseVersion(spec.version) ?? spec.version);
  return semver.satisfies(v, spec.range);
}

/** semver form of a reported version; a purely numeric suffix (`7.0.14-8`) is a vendor build of `7.0.14`. */
function normaliseVersion(version: string): string | null {
  const vendorBuild = /^(\d+\.\d+\.\d+)-\d+$/.exec(version);
  if (vendorBuild) return vendorBuild[1];
  return semver.valid(version) ?? semver.valid(semver.coerce(version));
}

/**
 * Whether mongo-topology can drive a server that reports `version`: {@link MIN_SERVER_VERSION} or
 * later. A pre-release counts as the release it precedes (4.4 release candidates already log JSON).
 */
export function isSupportedServerVersion(version: string): boolean {
  const release = semver.coerce(version);
  return release !== null && semver.gte(release, MIN_SERVER_VERSION);
}

/** A one-line description for messages, e.g. `8.0 (newest release in 8.0.x)`. */
export function describeSpec(spec: VersionSpec): string {
  switch (spec.kind) {
    case 'exact':
      return spec.version;
    case 'range':
      return `${spec.raw.trim()} (newest ${spec.productionOnly ? 'production ' : ''}release in ${spec.range})`;
    case 'latest':
      return `${spec.raw.trim()} (newest ${spec.channel === 'rapid' ? 'release, rapid releases included' : 'production release'})`;
  }
}

// ------------------------------------------------------------------------------------------------
// Version spans: which server versions know a parameter, a flag or a config field.

/** A span of server versions: `since` inclusive, `until` exclusive (`x.y` or `x.y.z`). */
export interface VersionSpan {
  readonly since?: string;
  readonly until?: string;
}

/** Normalizes `8.0` to `8.0.0` so spans can be written the way release notes name versions. */
function full(v: string): string {
  const c = semver.coerce(v);
  if (c === null) throw new Error(`not a version: ${v}`);
  return c.version;
}

function spanRange(span: VersionSpan): string {
  const parts: string[] = [];
  if (span.since) parts.push(`>=${full(span.since)}`);
  if (span.until) parts.push(`<${full(span.until)}-0`);
  return parts.length > 0 ? parts.join(' ') : '*';
}

/**
 * True when the server `version` (e.g. `8.0.4`, `8.2.0-rc1`) lies in `span`. Pre-releases count as the
 * release they precede, because a release candidate already knows the release's parameters. (Unlike
 * {@link versionSatisfies}: an rc knows 8.0's parameters, but is not the 8.0 a user asked for.)
 */
export function versionInSpan(version: string, span: VersionSpan): boolean {
  const v = semver.coerce(version);
  if (v === null) return true;
  return semver.satisfies(v.version, spanRange(span), { includePrerelease: true });
}

/**
 * True when some supported version ({@link MIN_SERVER_VERSION} and later) that a spec admits lies in
 * `span`. Keywords (and no spec at all) could be any supported version.
 */
export function specMayBeIn(spec: VersionSpec | undefined, span: VersionSpan): boolean {
  const range = spanRange(span);
  if (!semver.intersects(`>=${MIN_SERVER_VERSION}`, range, { includePrerelease: true })) return false;
  switch (spec?.kind) {
    case undefined:
    case 'latest':
      return true;
    case 'exact':
      return versionInSpan(spec.version, span);
    case 'range':
      return semver.intersects(spec.range, range, { includePrerelease: true });
  }
}

/** Describes a span for messages: `5.0 and later`, `versions before 6.1`, `4.4 up to (not including) 6.1`. */
export function describeSpan(span: VersionSpan): string {
  if (span.since && span.until) return `${span.since} up to (not including) ${span.until}`;
  if (span.since) return `${span.since} and later`;
  if (span.until) return `versions before ${span.until}`;
  return 'every version';
}
