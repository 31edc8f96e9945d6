// How nodes, replica sets and groups are named. Names end up as supervisord program and group
// names, directory names and replica-set names, so one rule keeps them valid for all three.
//
// Node names:
// - a standalone is `standalone`;
// - a member of a plain replica set or of a shard is `<set name>-<index>` (`rs0-1`, `shard1-0`);
// - a config server is `config-<index>` (its set is `configRS`);
// - a router is `mongos-<index>`.
// Indexes start at 0 and equal the member `_id` in the replica-set config.

/** Default name of a plain replica set. */
export const DEFAULT_REPLICA_SET_NAME = 'rs0';
/** Default name of the config server replica set. */
export const DEFAULT_CONFIG_SET_NAME = 'configRS';
/** Name of the only node of a standalone topology. */
export const STANDALONE_NODE_NAME = 'standalone';
/** Name prefix of config server nodes. */
export const CONFIG_NODE_PREFIX = 'config';
/** Name prefix of router nodes. */
export const MONGOS_NODE_PREFIX = 'mongos';
/** Default cluster name. */
export const DEFAULT_CLUSTER_NAME = 'cluster';

/** Default name of shard `index`. */
export function shardName(index: number): string {
  return `shard${index}`;
}

/** Name of member `index` of the set or group `prefix`. */
export function nodeName(prefix: string, index: number): string {
  return `${prefix}-${index}`;
}

// supervisord program/group names allow [A-Za-z0-9_.-]; we leave out `.` because INI libraries
// escape it in section names, and require a leading letter so names never look like numbers or flags.
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;

/** Names mongod gives a meaning to: `config` is the config server's shard name from 8.0 on. */
const RESERVED = new Set(['config', 'admin', 'local']);

/** A problem with a cluster, replica-set or shard name, or undefined when it is fine. */
export function nameProblem(
  name: unknown,
  what: string,
  options: { allowReserved?: boolean } = {},
): string | undefined {
  if (typeof name !== 'string') return `${what} must be a string`;
  if (!NAME.test(name)) {
    return `${what} "${name}" must start with a letter and use only letters, digits, "_" and "-" (at most 48 characters)`;
  }
  if (!options.allowReserved && RESERVED.has(name)) return `${what} "${name}" is reserved by MongoDB`;
  return undefined;
}
