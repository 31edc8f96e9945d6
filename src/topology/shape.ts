// Resolves a definition into the concrete sets and routers it describes: which replica sets exist,
// with which members and settings, and how many routers. The one place where defaults for shapes
// apply (`cluster().shards(2)` is two one-member shards, a one-member config set, one router), so
// validation and planning can never disagree about what a definition means.

import {
  CONFIG_NODE_PREFIX,
  DEFAULT_CONFIG_SET_NAME,
  DEFAULT_REPLICA_SET_NAME,
  MONGOS_NODE_PREFIX,
  STANDALONE_NODE_NAME,
  nodeName,
  shardName,
} from './names.js';
import type { ClusterDefinition, MemberOptions, MongosOptions, NodeRole, ReplicaSetSettings } from './types.js';

/** The kind of topology a definition describes. */
export type TopologyKind = 'standalone' | 'replicaSet' | 'sharded';

/** One replica set of a resolved shape. */
export interface ResolvedSet {
  readonly name: string;
  readonly role: Extract<NodeRole, 'replset' | 'shardsvr' | 'configsvr'>;
  /** Prefix of its node names. */
  readonly nodePrefix: string;
  readonly members: readonly MemberOptions[];
  readonly settings: ReplicaSetSettings;
  /** Builder path of the member list, for problem messages. */
  readonly path: string;
}

/** What a definition resolves to. */
export interface ResolvedShape {
  readonly kind: TopologyKind;
  readonly sets: readonly ResolvedSet[];
  readonly mongos: readonly MongosOptions[];
  /** Name of the standalone node, for a standalone topology. */
  readonly standalone?: string;
}

const ONE_MEMBER: readonly MemberOptions[] = Object.freeze([Object.freeze({})]);
const NO_SETTINGS: ReplicaSetSettings = Object.freeze({});
const ONE_ROUTER: readonly MongosOptions[] = Object.freeze([Object.freeze({})]);

/** Resolves the shape of a definition. Does not validate; validation reads the result. */
export function resolveShape(def: ClusterDefinition): ResolvedShape {
  if (def.shards !== undefined) {
    const sets: ResolvedSet[] = [];
    const cfg = def.configServers;
    sets.push({
      name: cfg?.name ?? DEFAULT_CONFIG_SET_NAME,
      role: 'configsvr',
      nodePrefix: CONFIG_NODE_PREFIX,
      members: cfg?.members ?? ONE_MEMBER,
      settings: cfg?.settings ?? NO_SETTINGS,
      path: 'configServers.members',
    });
    def.shards.forEach((shard, i) => {
      const name = shard.name ?? shardName(i);
      const fromShard = shard.members !== undefined;
      sets.push({
        name,
        role: 'shardsvr',
        nodePrefix: name,
        members: shard.members ?? def.replicaSet?.members ?? ONE_MEMBER,
        settings: shard.settings ?? def.replicaSet?.settings ?? NO_SETTINGS,
        path: fromShard ? `shards[${i}].members` : def.replicaSet ? 'replicaSet.members' : `shards[${i}].members`,
      });
    });
    return { kind: 'sharded', sets, mongos: def.mongos ?? ONE_ROUTER };
  }
  if (def.replicaSet !== undefined) {
    const name = def.replicaSet.name ?? DEFAULT_REPLICA_SET_NAME;
    return {
      kind: 'replicaSet',
      sets: [
        {
          name,
          role: 'replset',
          nodePrefix: name,
          members: def.replicaSet.members,
          settings: def.replicaSet.settings,
          path: 'replicaSet.members',
        },
      ],
      mongos: def.mongos ?? [],
    };
  }
  return { kind: 'standalone', sets: [], mongos: def.mongos ?? [], standalone: STANDALONE_NODE_NAME };
}

/** Node names of a set, in member order. */
export function setNodeNames(set: ResolvedSet): string[] {
  return set.members.map((_, i) => nodeName(set.nodePrefix, i));
}

/** Node names of the routers, in order. */
export function mongosNodeNames(shape: ResolvedShape): string[] {
  return shape.mongos.map((_, i) => nodeName(MONGOS_NODE_PREFIX, i));
}

/**
 * A member's priority as it goes into the replica-set config. When unset it is 0 for members that
 * mongod requires to have priority 0 (arbiters, hidden, delayed, non-voting, not building indexes),
 * where mongod's own default of 1 would make it reject the config; otherwise 1.
 */
export function effectivePriority(m: MemberOptions): number {
  if (m.priority !== undefined) return m.priority;
  const mustBeZero =
    m.arbiterOnly === true ||
    m.hidden === true ||
    (m.secondaryDelaySecs ?? 0) > 0 ||
    m.votes === 0 ||
    m.buildIndexes === false;
  return mustBeZero ? 0 : 1;
}

/** Whether a member can become primary. */
export function isElectable(m: MemberOptions): boolean {
  return m.arbiterOnly !== true && m.votes !== 0 && m.hidden !== true && effectivePriority(m) > 0;
}

/**
 * The member the boot code makes primary: the highest priority, the lowest index on ties. Undefined
 * when no member is electable (validation reports that).
 */
export function initialPrimaryIndex(members: readonly MemberOptions[]): number | undefined {
  let best: number | undefined;
  members.forEach((m, i) => {
    if (!isElectable(m)) return;
    if (best === undefined || effectivePriority(m) > effectivePriority(members[best])) best = i;
  });
  return best;
}
