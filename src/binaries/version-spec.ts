// Parses the user's version spec (`8.0`, `8.0.4`, `latest`, ...) into what the version list is
// filtered by, and decides whether a binary's reported version satisfies it.

import semver from 'semver';
import { TopologyConfigError } from '../errors.js';

/** Used when a download is needed and no version was asked for: the series the project is tested against. */
export const DEFAULT_VERSION_SPEC = '8.0';

/** A parsed version spec. */
export type VersionSpec =
  | {
      /** One exact release, e.g. `8.0.4` or `8.0.0-rc9`. */
      readonly kind: 'exact';
      readonly raw: string;
      readonly version: string;
    }
  | {
      /** A semver range; the newest release in it wins. */
      readonly kind: 'range';
      readonly raw: string;
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

/**
 * Parses a version spec. Throws a `TopologyConfigError` saying what is accepted when it is not one.
 *
 * @example parseVersionSpec('8.0')   // { kind: 'range', range: '8.0.x', productionOnly: false }
 * @example parseVersionSpec('v8.0.4') // { kind: 'exact', version: '8.0.4' }
 */
export function parseVersionSpec(input: string): VersionSpec {
  const raw = input;
  const s = input.trim().replace(/^v(?=\d)/i, '');
  const fail = (why: string): never => {
    throw new TopologyConfigError(`Invalid MongoDB version spec ${JSON.stringify(input)}: ${why}`, {
      problems: [
        {
          path: 'version',
          message:
            'use an exact version (8.0.4), a series (8.0 or 8.0.x), a major (8 or 8.x), a semver range (>=7.0 <8.1), latest or rapid',
        },
      ],
    });
  };
  if (s === '') return fail('it is empty');
  const lower = s.toLowerCase();
  if (lower === 'latest' || lower === 'stable' || s === '*') return { kind: 'latest', raw, channel: 'production' };
  if (lower === 'rapid' || lower === 'continuous') return { kind: 'latest', raw, channel: 'rapid' };
  // These look like versions to semver but are download-site aliases we cannot verify (no sha256).
  if (/-enterprise$/i.test(s)) return fail('pass { enterprise: true } instead of an -enterprise suffix');
  if (/latest/i.test(s)) return fail('"-latest" builds are unpublished snapshots without a checksum');
  const exact = semver.valid(s);
  if (exact !== null) return { kind: 'exact', raw, version: exact };
  const series = SERIES.exec(s);
  if (series) return { kind: 'range', raw, range: `${series[1]}.${series[2]}.x`, productionOnly: false };
  const major = MAJOR.exec(s);
  if (major) return { kind: 'range', raw, range: `${major[1]}.x`, productionOnly: true };
  const range = semver.validRange(s);
  if (range !== null) return { kind: 'range', raw, range, productionOnly: true };
  return fail('it is neither a version, a semver range nor a channel name');
}

/**
 * Whether a binary that reports `version` satisfies `spec`. `undefined` for `latest`/`rapid`, which
 * name whatever is newest on the download site and cannot be judged from a local binary.
 * Vendor suffixes (`7.0.14-8` from Percona builds) count as the release they extend.
 */
export function versionSatisfies(version: string, spec: VersionSpec): boolean | undefined {
  if (spec.kind === 'latest') return undefined;
  const v = normaliseVersion(version);
  if (v === null) return false;
  return spec.kind === 'exact' ? semver.eq(v, spec.version) : semver.satisfies(v, spec.range);
}

/** semver form of a reported version; a purely numeric suffix (`7.0.14-8`) is a vendor build of `7.0.14`. */
function normaliseVersion(version: string): string | null {
  const vendorBuild = /^(\d+\.\d+\.\d+)-\d+$/.exec(version);
  if (vendorBuild) return vendorBuild[1];
  return semver.valid(version) ?? semver.valid(semver.coerce(version));
}

/** A one-line description for messages, e.g. `8.0 (newest 8.0.x release)`. */
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
