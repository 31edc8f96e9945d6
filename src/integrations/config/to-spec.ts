// A config file's contents → a spec and start options. Plain data goes through the builder, one
// method per key, so a config file is checked by exactly the rules `cluster()` applies; every
// problem of the file (unknown keys, bad values, cross-key rules from validate()) is reported at
// once, each with its key path, in one TopologyConfigError that names the file.

import { isAbsolute, resolve } from 'node:path';
import { TopologyConfigError, isMongoTopologyError, type ConfigProblem } from '../../errors.js';
import { TopologySpec } from '../../topology/builder.js';
import type { MemberOptions, ReplicaSetOptions } from '../../topology/types.js';
import type { ConfigStartOptions, MongoTopologyConfig, ReplicaSetConfig, TopologyConfig } from './types.js';

/** The topology keys, in the order they are applied (shape first, so later keys see it). */
const TOPOLOGY_KEYS = [
  'name',
  'version',
  'enterprise',
  'binDir',
  'replicaSet',
  'shards',
  'configServers',
  'mongos',
  'auth',
  'args',
  'setParameters',
  'storage',
  'timeouts',
  'supervision',
  'dataDir',
  'keepData',
] as const satisfies readonly (keyof TopologyConfig)[];

const START_KEYS = [
  'tmpDir',
  'keep',
  'startupTimeoutMs',
  'reaper',
  'env',
] as const satisfies readonly (keyof ConfigStartOptions)[];

/** Where the config came from: relative paths are resolved against `dir`; `source` names it in errors. */
export interface ConfigOrigin {
  readonly dir: string;
  readonly source: string;
}

/** True for a spec made by `cluster()`, also one made by another copy of mongo-topology (a config loaded by vitest's module runner). */
export function isSpec(value: unknown): value is TopologySpec {
  if (value instanceof TopologySpec) return true;
  const v = value as { definition?: unknown; toJSON?: unknown; replicaSet?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.definition === 'object' &&
    v.definition !== null &&
    typeof v.toJSON === 'function' &&
    typeof v.replicaSet === 'function'
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Turns a config (plain data or a spec) into a spec derived from `base` (so a `ClusterSpec` base
 * gives a `ClusterSpec`) and start options with absolute paths.
 *
 * @throws TopologyConfigError listing every problem, each with its key path.
 */
export function configToSpec<S extends TopologySpec>(
  config: unknown,
  base: S,
  origin: ConfigOrigin,
): { spec: S; start: ConfigStartOptions } {
  const fail = (problems: ConfigProblem[]) =>
    new TopologyConfigError(`Invalid mongo-topology config in ${origin.source}`, { problems });
  if (isSpec(config)) return { spec: rebase(config, base), start: {} };
  if (!isPlainObject(config)) {
    throw fail([
      {
        path: '(root)',
        message: `must be an object of topology keys (or a spec made with cluster()), got ${describe(config)}`,
      },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const known = new Set<string>([...TOPOLOGY_KEYS, 'topology', 'start']);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) problems.push({ path: key, message: `unknown key; known keys: ${[...known].join(', ')}` });
  }
  const c = config as MongoTopologyConfig;
  let spec = base;
  if (c.topology !== undefined) {
    const given = TOPOLOGY_KEYS.filter((k) => c[k] !== undefined);
    if (!isSpec(c.topology)) {
      problems.push({ path: 'topology', message: `must be a spec made with cluster(), got ${describe(c.topology)}` });
    } else if (given.length > 0) {
      problems.push({
        path: 'topology',
        message: `give either a spec or topology keys, not both (also set: ${given.join(', ')})`,
      });
    } else {
      spec = rebase(c.topology, base);
    }
  } else {
    for (const key of TOPOLOGY_KEYS) {
      const value = c[key];
      if (value === undefined) continue;
      try {
        spec = apply(spec, key, value, origin.dir);
      } catch (e) {
        if (!isMongoTopologyError(e) || !(e instanceof TopologyConfigError)) throw e;
        problems.push(...prefixed(e, key));
      }
    }
    if (problems.length === 0) {
      for (const p of spec.validate().problems) problems.push(p);
    }
  }
  const start = startOptions(c.start, origin.dir, problems);
  if (problems.length > 0) throw fail(problems);
  return { spec, start };
}

/** The same definition as `spec`, as an instance of `base`'s class (which may add `start()`). */
function rebase<S extends TopologySpec>(spec: TopologySpec, base: S): S {
  if (spec.constructor === base.constructor) return spec as S;
  const Ctor = base.constructor as new (d: TopologySpec['definition']) => S;
  return new Ctor(spec.definition);
}

/** A builder error's problems, with paths under the config key that caused them. */
function prefixed(e: TopologyConfigError, key: string): ConfigProblem[] {
  if (e.problems.length === 0) return [{ path: key, message: e.shortMessage }];
  return e.problems.map((p) => ({
    path: p.path === key || p.path.startsWith(`${key}.`) || p.path.startsWith(`${key}[`) ? p.path : `${key}: ${p.path}`,
    message: p.message,
  }));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an instance of ${v.constructor?.name ?? 'an unknown class'}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function path(p: unknown, dir: string): unknown {
  return typeof p === 'string' && p !== '' && !isAbsolute(p) ? resolve(dir, p) : p;
}

function bad(key: string, message: string): never {
  throw new TopologyConfigError(`${key}: ${message}`, { problems: [{ path: key, message }] });
}

function replicaSetArgs(key: string, value: ReplicaSetConfig): [number | readonly MemberOptions[], ReplicaSetOptions] {
  if (typeof value === 'number' || Array.isArray(value)) return [value as number | readonly MemberOptions[], {}];
  if (!isPlainObject(value)) bad(key, 'must be a member count, a member list or { members, name, settings }');
  const { members, ...options } = value as Exclude<ReplicaSetConfig, number | readonly MemberOptions[]>;
  const extra = Object.keys(options).filter((k) => k !== 'name' && k !== 'settings');
  if (extra.length > 0) bad(key, `unknown keys ${extra.join(', ')}; known: members, name, settings`);
  return [members ?? 1, options];
}

// The builder validates each value; the casts only hand it the user's data as it is.
function apply<S extends TopologySpec>(spec: S, key: (typeof TOPOLOGY_KEYS)[number], value: unknown, dir: string): S {
  switch (key) {
    case 'name':
      return spec.name(value as string);
    case 'version':
      return spec.version(value as string);
    case 'enterprise':
      if (typeof value !== 'boolean') bad(key, 'must be true or false');
      if (spec.definition.version === undefined) {
        if (value) bad(key, 'needs `version` (enterprise builds are picked by version)');
        return spec;
      }
      return spec.version(spec.definition.version, { enterprise: value });
    case 'binDir':
      return spec.binDir(path(value, dir) as string);
    case 'replicaSet':
      return spec.replicaSet(...replicaSetArgs(key, value as ReplicaSetConfig));
    case 'shards':
      return spec.shards(value as number);
    case 'configServers':
      return spec.configServers(...replicaSetArgs(key, value as ReplicaSetConfig));
    case 'mongos':
      return spec.mongos(value as number);
    case 'auth':
      if (value === true) return spec.auth();
      return spec.auth(value as false);
    case 'args':
      return spec.args(value as string[]);
    case 'setParameters':
      return spec.setParameters(value as Record<string, string>);
    case 'storage':
      return spec.storage(value as object);
    case 'timeouts':
      return spec.timeouts(value as object);
    case 'supervision':
      return spec.supervision(value as object);
    case 'dataDir':
      return spec.dataDir(path(value, dir) as string);
    case 'keepData':
      if (typeof value !== 'boolean') bad(key, 'must be true or false');
      return spec.keepData(value);
  }
}

function startOptions(value: unknown, dir: string, problems: ConfigProblem[]): ConfigStartOptions {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    problems.push({ path: 'start', message: `must be an object of start options, got ${describe(value)}` });
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const p = `start.${k}`;
    switch (k as (typeof START_KEYS)[number]) {
      case 'tmpDir':
        if (typeof v !== 'string' || v === '') problems.push({ path: p, message: 'must be a non-empty path' });
        else out[k] = path(v, dir);
        break;
      case 'keep':
      case 'reaper':
        if (typeof v !== 'boolean') problems.push({ path: p, message: 'must be true or false' });
        else out[k] = v;
        break;
      case 'startupTimeoutMs':
        if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
          problems.push({ path: p, message: `must be a positive integer of milliseconds, got ${describe(v)}` });
        else out[k] = v;
        break;
      case 'env':
        if (!isPlainObject(v) || Object.values(v).some((x) => typeof x !== 'string'))
          problems.push({ path: p, message: 'must be an object of string values' });
        else out[k] = { ...v };
        break;
      default:
        problems.push({ path: p, message: `unknown start option; known: ${START_KEYS.join(', ')}` });
    }
  }
  return out;
}
