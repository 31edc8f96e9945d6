// The replica-set config documents the boot code passes to `replSetInitiate`, built from a resolved
// set and its members' addresses (reference/mongod-behaviour.md §3.2-§3.3). Fields left at mongod's
// defaults are omitted, except priority and votes, which are always written so the document says
// who can be primary.

import { effectivePriority } from './shape.js';
import type { MemberOptions, ReplicaSetSettings } from './types.js';
import { specMayBeIn, versionInSpan, type VersionSpec } from '../common/version-spec.js';

/** One member document. */
export interface ReplicaSetMemberDocument {
  readonly _id: number;
  readonly host: string;
  readonly priority: number;
  readonly votes: 0 | 1;
  readonly arbiterOnly?: true;
  readonly hidden?: true;
  readonly buildIndexes?: false;
  /** 5.0 and later. */
  readonly secondaryDelaySecs?: number;
  /** Before 5.0. */
  readonly slaveDelay?: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The document for `replSetInitiate`. */
export interface ReplicaSetConfigDocument {
  readonly _id: string;
  readonly version: 1;
  /** Written only for config server sets, as mongod requires. */
  readonly configsvr?: true;
  readonly members: readonly ReplicaSetMemberDocument[];
  readonly settings?: ReplicaSetSettings;
}

/**
 * Whether member delays are written as `slaveDelay` (servers before 5.0) instead of
 * `secondaryDelaySecs`: decided by the exact version when known, else by the spec's range.
 */
export function usesSlaveDelay(version: { readonly exact?: string; readonly spec?: VersionSpec }): boolean {
  const from50 = { since: '5.0' };
  if (version.exact !== undefined) return !versionInSpan(version.exact, from50);
  return version.spec !== undefined && !specMayBeIn(version.spec, from50);
}

/** Builds the `replSetInitiate` document of a set. */
export function replicaSetConfigDocument(
  name: string,
  members: readonly MemberOptions[],
  hosts: readonly string[],
  settings: ReplicaSetSettings,
  options: { readonly configsvr: boolean; readonly slaveDelay: boolean },
): ReplicaSetConfigDocument {
  const docs = members.map((m, i): ReplicaSetMemberDocument => {
    const delay = m.secondaryDelaySecs ?? 0;
    return {
      _id: i,
      host: hosts[i],
      priority: effectivePriority(m),
      votes: m.votes ?? 1,
      ...(m.arbiterOnly === true ? { arbiterOnly: true as const } : {}),
      ...(m.hidden === true ? { hidden: true as const } : {}),
      ...(m.buildIndexes === false ? { buildIndexes: false as const } : {}),
      ...(delay > 0 ? (options.slaveDelay ? { slaveDelay: delay } : { secondaryDelaySecs: delay }) : {}),
      ...(m.tags !== undefined && Object.keys(m.tags).length > 0 ? { tags: { ...m.tags } } : {}),
    };
  });
  return {
    _id: name,
    version: 1,
    ...(options.configsvr ? { configsvr: true as const } : {}),
    members: docs,
    ...(Object.keys(settings).length > 0 ? { settings: { ...settings } } : {}),
  };
}
