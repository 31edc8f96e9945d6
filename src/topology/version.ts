// Server version specs: what `.version()` accepts, and the version arithmetic every version-aware rule
// uses (server parameters, flags, config document fields). semver does the range work.

import semver from 'semver';

/** The oldest server mongo-topology drives: readiness relies on the JSON log that 4.4 introduced. */
export const MIN_SERVER_VERSION = '4.4.0';

/**
 * Words `.version()` accepts besides versions and ranges, as binary resolution reads them:
 * `stable`/`latest`/`*` is the newest production release, `rapid`/`continuous` includes rapid
 * releases.
 */
export const VERSION_KEYWORDS: readonly string[] = Object.freeze(['stable', 'latest', '*', 'rapid', 'continuous']);

/** A parsed version spec. */
export interface VersionSpec {
  /** What the user wrote. */
  readonly raw: string;
  /** A semver range (`>=8.0.0 <8.1.0-0`), or undefined for a keyword. */
  readonly range?: string;
  /** One of {@link VERSION_KEYWORDS}, when the spec is a keyword. */
  readonly keyword?: string;
}

/**
 * Parses a version spec: an exact version (`8.0.4`, `v8.0.4`), a release series (`8.0`, `8.0.x`), a
 * major (`8`), a semver range (`>=7.0 <8.1`) or a keyword. Returns a problem message instead when the
 * spec is unusable. The grammar is the one binary resolution (src/binaries) accepts.
 */
export function parseVersionSpec(raw: string): VersionSpec | { readonly problem: string } {
  const trimmed = raw.trim();
  if (trimmed === '') return { problem: 'version must not be empty' };
  const keyword = trimmed.toLowerCase();
  if (VERSION_KEYWORDS.includes(keyword)) return Object.freeze({ raw, keyword });
  if (/-enterprise$/i.test(trimmed)) {
    return { problem: `"${raw}": ask for enterprise builds with .version(spec, { enterprise: true }), not a suffix` };
  }
  if (/latest/i.test(trimmed)) {
    return { problem: `"${raw}": "-latest" builds are unpublished snapshots without a checksum; use a release` };
  }
  const range = semver.validRange(trimmed);
  if (range === null) {
    return {
      problem: `"${raw}" is not a version, a release series or a semver range (examples: "8.0.4", "8.0", ">=7.0 <8.1", "stable")`,
    };
  }
  if (!semver.intersects(range, `>=${MIN_SERVER_VERSION}`, { includePrerelease: true })) {
    return {
      problem: `"${raw}" asks for servers older than ${MIN_SERVER_VERSION}, which mongo-topology does not support`,
    };
  }
  return Object.freeze({ raw, range });
}

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
 * release they precede, because a release candidate already knows the release's parameters.
 */
export function versionInSpan(version: string, span: VersionSpan): boolean {
  const v = semver.coerce(version);
  if (v === null) return true;
  return semver.satisfies(v.version, spanRange(span), { includePrerelease: true });
}

/**
 * True when some supported version (4.4 and later) that a spec allows lies in `span`. Keywords (and
 * no spec at all) could be any supported version.
 */
export function specMayBeIn(spec: VersionSpec | undefined, span: VersionSpan): boolean {
  const supported = `>=${MIN_SERVER_VERSION}`;
  if (!semver.intersects(supported, spanRange(span), { includePrerelease: true })) return false;
  if (!spec?.range) return true;
  return semver.intersects(spec.range, spanRange(span), { includePrerelease: true });
}

/** Describes a span for messages: `5.0 and later`, `before 6.1`, `4.4 to 6.0`. */
export function describeSpan(span: VersionSpan): string {
  if (span.since && span.until) return `${span.since} up to (not including) ${span.until}`;
  if (span.since) return `${span.since} and later`;
  if (span.until) return `versions before ${span.until}`;
  return 'every version';
}

/** True when `version` is a valid server version string (`8.0.4`, `7.0.0-rc1`). */
export function isServerVersion(version: string): boolean {
  return semver.valid(version) !== null;
}
