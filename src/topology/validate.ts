// Validation of topology definitions: everything mongod would reject (replica-set member rules, limits,
// config server rules, unknown parameters) and the traps users hit (routers without shards, an even
// number of voters). Problems are collected with their builder path and thrown together as one
// TopologyConfigError; warnings are returned as values. Checks that need only one builder call's
// argument run at that call; checks across calls run in validateDefinition() (at plan()).

import { isAbsolute } from 'node:path';
import { TopologyConfigError, type ConfigProblem } from '../errors.js';
import { CONFIG_NODE_PREFIX, MONGOS_NODE_PREFIX, nameProblem } from './names.js';
import { checkParameter, isParameterName, isParameterValue } from './server-parameters.js';
import { parseServerArgs, type ServerOption } from './server-flags.js';
import {
  effectivePriority,
  isElectable,
  mongosNodeNames,
  resolveShape,
  setNodeNames,
  type ResolvedSet,
} from './shape.js';
import type {
  AuthOptions,
  ClusterDefinition,
  ConfigWarning,
  MemberOptions,
  MongosOptions,
  NodeRole,
  NodeSelector,
  ReplicaSetSettings,
  ServerParameters,
  StorageOptions,
  SupervisionOptions,
  TimeoutOptions,
} from './types.js';
import { MONGOD_ROLES } from './types.js';
import {
  describeSpan,
  specMayBeIn,
  tryParseVersionSpec,
  versionInSpan,
  type VersionSpec,
} from '../common/version-spec.js';

/** mongod's limits (reference/mongod-behaviour.md §3.3; `repl_set_config.h`). */
export const MAX_MEMBERS = 50;
export const MAX_VOTERS = 7;
export const MAX_PRIORITY = 1000;
/** `secondaryDelaySecs` may be at most one year. */
export const MAX_SECONDARY_DELAY_SECS = 365 * 24 * 3600;
export const MIN_CACHE_SIZE_GB = 0.25;
export const MAX_CACHE_SIZE_GB = 10_000;

/** Problems and warnings found in a definition. */
export interface ValidationReport {
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly ConfigWarning[];
}

/** Collects problems and warnings under path prefixes. */
export class Findings {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigWarning[] = [];
  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }
  /** Throws one TopologyConfigError listing every problem, if there is any. */
  throwIfAny(what: string): void {
    throwProblems(this.problems, what);
  }
}

/** Throws a TopologyConfigError listing `problems`, if there are any. */
export function throwProblems(problems: readonly ConfigProblem[], what: string): void {
  if (problems.length === 0) return;
  const n = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new TopologyConfigError(`Invalid topology (${what}): ${n}`, { problems });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
// Not a type guard on purpose: narrowing a typed option bag to Record<string, unknown> would lose its field types.
const isPlainObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function checkKeys(f: Findings, obj: object, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) f.problem(`${path}.${k}`, `unknown option; known options are ${allowed.join(', ')}`);
  }
}

/** Checks a count argument such as `.replicaSet(3)`. */
export function checkCount(f: Findings, n: unknown, path: string, { min, max }: { min: number; max: number }): void {
  if (!isInt(n) || n < min || n > max) f.problem(path, `must be an integer from ${min} to ${max}, got ${String(n)}`);
}

const MEMBER_KEYS = [
  'priority',
  'votes',
  'hidden',
  'arbiterOnly',
  'secondaryDelaySecs',
  'tags',
  'buildIndexes',
  'args',
  'setParameters',
  'port',
] as const;

/** Checks one member's own fields (the rules of mongod's `MemberConfig`). */
function checkMember(f: Findings, m: MemberOptions, path: string): void {
  if (!isPlainObject(m)) {
    f.problem(path, 'must be an object of member options');
    return;
  }
  checkKeys(f, m, MEMBER_KEYS, path);
  const bad = (key: string, message: string) => f.problem(`${path}.${key}`, message);
  if (
    m.priority !== undefined &&
    (typeof m.priority !== 'number' || !(m.priority >= 0 && m.priority <= MAX_PRIORITY))
  ) {
    bad('priority', `must be a number from 0 to ${MAX_PRIORITY}, got ${String(m.priority)}`);
  }
  if (m.votes !== undefined && m.votes !== 0 && m.votes !== 1) bad('votes', `must be 0 or 1, got ${String(m.votes)}`);
  for (const key of ['hidden', 'arbiterOnly', 'buildIndexes'] as const) {
    if (m[key] !== undefined && typeof m[key] !== 'boolean') bad(key, `must be true or false, got ${String(m[key])}`);
  }
  const delay = m.secondaryDelaySecs;
  if (delay !== undefined && (!isInt(delay) || delay < 0 || delay > MAX_SECONDARY_DELAY_SECS)) {
    bad(
      'secondaryDelaySecs',
      `must be an integer from 0 to ${MAX_SECONDARY_DELAY_SECS} (one year), got ${String(delay)}`,
    );
  }
  if (m.tags !== undefined) {
    if (!isPlainObject(m.tags)) bad('tags', 'must be an object of string values');
    else {
      for (const [k, v] of Object.entries(m.tags)) {
        if (k === '' || typeof v !== 'string') bad(`tags.${k}`, 'tag names must be non-empty and tag values strings');
      }
    }
  }
  if (m.port !== undefined) checkPort(f, m.port, `${path}.port`);
  if (m.args !== undefined) checkArgs(f, m.args, `${path}.args`, 'mongod');
  if (m.setParameters !== undefined) checkParameters(f, m.setParameters, `${path}.setParameters`, 'mongod');

  const explicit = m.priority !== undefined && effectivePriority(m) > 0;
  if (m.arbiterOnly === true) {
    if (explicit) bad('priority', 'arbiters must have priority 0');
    if (m.votes === 0) bad('votes', 'arbiters must vote (votes 1)');
    if (m.tags !== undefined && Object.keys(m.tags).length > 0) bad('tags', 'arbiters cannot have tags');
    if ((delay ?? 0) > 0) bad('secondaryDelaySecs', 'arbiters hold no data and cannot be delayed');
    if (m.buildIndexes === false) bad('buildIndexes', 'arbiters hold no data; leave buildIndexes unset');
  } else if (explicit) {
    const kinds = [
      m.hidden === true ? 'hidden' : undefined,
      (delay ?? 0) > 0 ? 'delayed' : undefined,
      m.votes === 0 ? 'non-voting (votes 0)' : undefined,
      m.buildIndexes === false ? 'buildIndexes false' : undefined,
    ].filter((k) => k !== undefined);
    if (kinds.length > 0)
      bad('priority', `${kinds.join(', ')} members must have priority 0 (mongod rejects the config)`);
  }
}

/**
 * Checks a member list as one replica set: member rules, at most 50 members and 7 voters, one
 * electable member, config server restrictions; warns on an even number of voters.
 */
export function checkMembers(
  f: Findings,
  members: readonly MemberOptions[],
  path: string,
  options: { readonly configServer?: boolean } = {},
): void {
  if (!Array.isArray(members)) {
    f.problem(path, 'must be a member count or an array of member options');
    return;
  }
  if (members.length < 1 || members.length > MAX_MEMBERS) {
    f.problem(path, `a replica set has 1 to ${MAX_MEMBERS} members, got ${members.length}`);
    if (members.length === 0) return;
  }
  members.forEach((m, i) => checkMember(f, m, `${path}[${i}]`));
  if (members.some((m) => !isPlainObject(m))) return;
  const voters = members.filter((m) => m.votes !== 0).length;
  if (voters > MAX_VOTERS) {
    f.problem(path, `at most ${MAX_VOTERS} members may vote, got ${voters}; give the others votes: 0 and priority 0`);
  }
  if (!members.some(isElectable)) {
    f.problem(
      path,
      'no member can become primary: at least one member must hold data, vote, not be hidden and have priority > 0',
    );
  }
  if (voters > 0 && voters % 2 === 0) {
    f.warn(
      path,
      `${voters} voting members: an even number of voters adds no fault tolerance; add an arbiter or remove a voter`,
    );
  }
  members.forEach((m, i) => {
    if ((m.secondaryDelaySecs ?? 0) > 0 && m.hidden !== true) {
      f.warn(`${path}[${i}]`, 'a delayed member that is not hidden can serve stale reads; set hidden: true');
    }
  });
  if (options.configServer) {
    members.forEach((m, i) => {
      if (m.arbiterOnly === true) f.problem(`${path}[${i}].arbiterOnly`, 'config server sets cannot have arbiters');
      if ((m.secondaryDelaySecs ?? 0) > 0) {
        f.problem(`${path}[${i}].secondaryDelaySecs`, 'config server sets cannot have delayed members');
      }
      if (m.buildIndexes === false) {
        f.problem(`${path}[${i}].buildIndexes`, 'config server members must build indexes');
      }
    });
  }
}

const SETTINGS_KEYS = [
  'electionTimeoutMillis',
  'heartbeatIntervalMillis',
  'heartbeatTimeoutSecs',
  'chainingAllowed',
  'catchUpTimeoutMillis',
  'catchUpTakeoverDelayMillis',
  'getLastErrorModes',
] as const;

/** Checks replica-set settings. */
export function checkSettings(f: Findings, s: ReplicaSetSettings, path: string): void {
  if (!isPlainObject(s)) {
    f.problem(path, 'must be an object');
    return;
  }
  checkKeys(f, s, SETTINGS_KEYS, path);
  for (const key of ['electionTimeoutMillis', 'heartbeatIntervalMillis', 'heartbeatTimeoutSecs'] as const) {
    const v = s[key];
    if (v !== undefined && (!isInt(v) || v <= 0))
      f.problem(`${path}.${key}`, `must be a positive integer, got ${String(v)}`);
  }
  for (const key of ['catchUpTimeoutMillis', 'catchUpTakeoverDelayMillis'] as const) {
    const v = s[key];
    if (v !== undefined && (!isInt(v) || v < -1))
      f.problem(`${path}.${key}`, `must be an integer >= -1, got ${String(v)}`);
  }
  if (s.chainingAllowed !== undefined && typeof s.chainingAllowed !== 'boolean') {
    f.problem(`${path}.chainingAllowed`, 'must be true or false');
  }
  if (s.getLastErrorModes !== undefined) {
    if (!isPlainObject(s.getLastErrorModes)) f.problem(`${path}.getLastErrorModes`, 'must be an object');
    else {
      for (const [mode, tags] of Object.entries(s.getLastErrorModes)) {
        const ok = isPlainObject(tags) && Object.values(tags).every((n) => isInt(n) && n > 0);
        if (!ok) f.problem(`${path}.getLastErrorModes.${mode}`, 'must map tag names to positive integers');
      }
    }
  }
}

/** Checks server flags; `binary` set means every flag must be valid for that binary. */
export function checkArgs(f: Findings, args: readonly string[], path: string, binary?: 'mongod' | 'mongos'): void {
  if (!Array.isArray(args)) {
    f.problem(path, 'must be an array of strings');
    return;
  }
  const parsed = parseServerArgs(args);
  for (const p of parsed.problems) f.problem(path, p);
  if (binary === undefined) return;
  for (const o of parsed.options) {
    if (!o.binaries.includes(binary)) f.problem(path, `${o.flag} is not a ${binary} option`);
  }
  for (const name of Object.keys(parsed.setParameters)) {
    const c = checkParameter(name, binary, {});
    if (c.kind === 'wrong-binary') f.problem(`${path}`, c.message);
  }
}

/** Checks server parameter names and values; `binary` set means they must be known by that binary. */
export function checkParameters(
  f: Findings,
  params: ServerParameters,
  path: string,
  binary?: 'mongod' | 'mongos',
): void {
  if (!isPlainObject(params)) {
    f.problem(path, 'must be an object of parameter names to values');
    return;
  }
  for (const [name, value] of Object.entries(params)) {
    if (!isParameterName(name)) f.problem(`${path}.${name}`, 'is not a server parameter name');
    if (!isParameterValue(value)) f.problem(`${path}.${name}`, 'value must be a string, a finite number or a boolean');
    if (binary !== undefined) {
      const c = checkParameter(name, binary, {});
      if (c.kind === 'wrong-binary') f.problem(`${path}.${name}`, c.message);
    }
  }
}

/** Checks a port number a user fixed. */
export function checkPort(f: Findings, port: unknown, path: string): void {
  if (!isInt(port) || port < 1024 || port > 65535) {
    f.problem(path, `must be an integer from 1024 to 65535 (lower ports need root), got ${String(port)}`);
  }
}

/**
 * Checks a path that will be written into the supervisor INI and the YAML configs. supervisord cuts a
 * value at whitespace followed by `;` or `#` (an inline comment) and nothing can escape it, and no
 * reader takes a newline or NUL inside a value.
 */
export function checkPath(f: Findings, value: unknown, path: string): void {
  if (typeof value !== 'string' || value === '') {
    f.problem(path, 'must be a non-empty string');
    return;
  }
  if (!isAbsolute(value)) f.problem(path, `must be an absolute path, got "${value}"`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) f.problem(path, 'must not contain control characters or newlines');
  if (/\s[;#]/.test(value)) {
    f.problem(path, `"${value}" contains whitespace followed by ";" or "#", which supervisord reads as a comment`);
  }
}

/** Checks `.version()`; returns the parsed spec when valid. */
export function checkVersion(f: Findings, value: unknown, path: string): VersionSpec | undefined {
  if (typeof value !== 'string') {
    f.problem(path, 'must be a string such as "8.0" or "stable"');
    return undefined;
  }
  const parsed = tryParseVersionSpec(value);
  if ('problem' in parsed) {
    f.problem(path, parsed.problem);
    return undefined;
  }
  return parsed;
}

/** Checks `.auth()` options. */
export function checkAuth(f: Findings, a: AuthOptions, path: string): void {
  if (!isPlainObject(a)) {
    f.problem(path, 'must be an object { username, password, roles } or false');
    return;
  }
  checkKeys(f, a, ['username', 'password', 'roles'], path);
  for (const key of ['username', 'password'] as const) {
    const v = a[key];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      f.problem(`${path}.${key}`, 'must be a non-empty string');
  }
  if (a.roles !== undefined) {
    if (!Array.isArray(a.roles) || a.roles.length === 0) f.problem(`${path}.roles`, 'must be a non-empty array');
    else {
      a.roles.forEach((r, i) => {
        const ok =
          (typeof r === 'string' && r !== '') ||
          (typeof r === 'object' &&
            isPlainObject(r) &&
            r.role !== '' &&
            typeof r.role === 'string' &&
            typeof r.db === 'string' &&
            r.db !== '');
        if (!ok) f.problem(`${path}.roles[${i}]`, 'must be a role name or { role, db }');
      });
    }
  }
}

/** Checks `.storage()` options. */
export function checkStorage(f: Findings, s: StorageOptions, path: string): void {
  if (!isPlainObject(s)) {
    f.problem(path, 'must be an object');
    return;
  }
  checkKeys(f, s, ['cacheSizeGB', 'oplogSizeMB'], path);
  const c = s.cacheSizeGB;
  if (c !== undefined && (typeof c !== 'number' || !(c >= MIN_CACHE_SIZE_GB && c <= MAX_CACHE_SIZE_GB))) {
    f.problem(`${path}.cacheSizeGB`, `must be from ${MIN_CACHE_SIZE_GB} to ${MAX_CACHE_SIZE_GB}, got ${String(c)}`);
  }
  const o = s.oplogSizeMB;
  if (o !== undefined && (!isInt(o) || o < 1))
    f.problem(`${path}.oplogSizeMB`, `must be a positive integer, got ${String(o)}`);
}

/** Checks `.timeouts()` options. */
export function checkTimeouts(f: Findings, t: TimeoutOptions, path: string): void {
  if (!isPlainObject(t)) {
    f.problem(path, 'must be an object');
    return;
  }
  checkKeys(f, t, ['startupMs', 'stopMs'], path);
  if (t.startupMs !== undefined && (!isInt(t.startupMs) || t.startupMs < 1)) {
    f.problem(`${path}.startupMs`, `must be a positive integer of milliseconds, got ${String(t.startupMs)}`);
  }
  // supervisord's stopwaitsecs is whole seconds, so a stop deadline under one second cannot be written.
  if (t.stopMs !== undefined && (!isInt(t.stopMs) || t.stopMs < 1000)) {
    f.problem(`${path}.stopMs`, `must be an integer of at least 1000 milliseconds, got ${String(t.stopMs)}`);
  }
}

/** Checks `.supervision()` options. */
export function checkSupervision(f: Findings, s: SupervisionOptions, path: string): void {
  if (!isPlainObject(s)) {
    f.problem(path, 'must be an object');
    return;
  }
  checkKeys(f, s, ['startSecs', 'startRetries', 'logMaxBytes', 'logBackups'], path);
  for (const key of ['startSecs', 'startRetries', 'logMaxBytes', 'logBackups'] as const) {
    const v = s[key];
    if (v !== undefined && (!isInt(v) || v < 0))
      f.problem(`${path}.${key}`, `must be an integer >= 0, got ${String(v)}`);
  }
}

/** Checks the roles of a scoped `.args()`/`.setParameters()` call. */
export function checkSelectors(f: Findings, roles: unknown, path: string): void {
  if (roles === undefined) return;
  const known: readonly string[] = ['mongod', ...MONGOD_ROLES, 'mongos'];
  if (!Array.isArray(roles) || roles.length === 0) {
    f.problem(path, `must be a non-empty array of ${known.join(', ')}`);
    return;
  }
  for (const r of roles)
    if (!known.includes(r)) f.problem(path, `unknown role "${String(r)}"; use ${known.join(', ')}`);
}

/** Checks one router's options. */
export function checkMongos(f: Findings, m: MongosOptions, path: string): void {
  if (!isPlainObject(m)) {
    f.problem(path, 'must be an object of router options');
    return;
  }
  checkKeys(f, m, ['args', 'setParameters', 'port'], path);
  if (m.port !== undefined) checkPort(f, m.port, `${path}.port`);
  if (m.args !== undefined) checkArgs(f, m.args, `${path}.args`, 'mongos');
  if (m.setParameters !== undefined) checkParameters(f, m.setParameters, `${path}.setParameters`, 'mongos');
}

/** The version knowledge a validation can use: the spec's range, or the resolved binary's exact version. */
export interface VersionContext {
  /** The exact server version, e.g. `8.0.4`, once the binary is known. */
  readonly exact?: string;
}

function rolesOf(selectors: readonly NodeSelector[] | undefined): readonly NodeRole[] | undefined {
  if (selectors === undefined) return undefined;
  return [...new Set(selectors.flatMap((s) => (s === 'mongod' ? MONGOD_ROLES : [s])))];
}

const binaryOf = (role: NodeRole): 'mongod' | 'mongos' => (role === 'mongos' ? 'mongos' : 'mongod');

function checkOptionVersion(
  f: Findings,
  o: ServerOption,
  path: string,
  spec: VersionSpec | undefined,
  v: VersionContext,
) {
  if (!o.span) return;
  const ok = v.exact !== undefined ? versionInSpan(v.exact, o.span) : specMayBeIn(spec, o.span);
  if (!ok) {
    const which = v.exact ?? spec?.raw;
    const subject = which !== undefined ? `server ${which}` : 'any supported server';
    const hint = o.hint ? ` (${o.hint})` : '';
    f.problem(path, `${o.flag} is not accepted by ${subject}: it exists in ${describeSpan(o.span)}${hint}`);
  }
}

function checkParameterVersions(
  f: Findings,
  params: ServerParameters,
  binaries: readonly ('mongod' | 'mongos')[],
  path: string,
  spec: VersionSpec | undefined,
  v: VersionContext,
  warnUnknown: boolean,
): void {
  for (const name of Object.keys(params)) {
    for (const binary of binaries) {
      const c = checkParameter(name, binary, { exact: v.exact, spec });
      if (c.kind === 'wrong-version') f.problem(`${path}.${name}`, c.message);
      if (c.kind === 'unknown' && warnUnknown && binary === binaries[0]) {
        f.warn(
          `${path}.${name}`,
          `mongo-topology does not know setParameter ${name}; the server refuses to start (exit code 2) if it does not either`,
        );
      }
    }
  }
}

/**
 * Validates a whole definition: every rule of the single builder calls again (a definition can come
 * from cluster.json), plus the rules across calls and, when known, the server version.
 */
export function validateDefinition(def: ClusterDefinition, version: VersionContext = {}): ValidationReport {
  const f = new Findings();
  const nameIssue = nameProblem(def.name, 'cluster name', { allowReserved: true });
  if (nameIssue) f.problem('name', nameIssue);
  const spec = def.version !== undefined ? checkVersion(f, def.version, 'version') : undefined;
  if (def.enterprise !== undefined && typeof def.enterprise !== 'boolean')
    f.problem('enterprise', 'must be true or false');
  if (def.binDir !== undefined) checkPath(f, def.binDir, 'binDir');
  if (def.dataDir !== undefined) checkPath(f, def.dataDir, 'dataDir');
  if (def.auth !== undefined) checkAuth(f, def.auth, 'auth');
  checkStorage(f, def.storage, 'storage');
  checkTimeouts(f, def.timeouts, 'timeouts');
  checkSupervision(f, def.supervision, 'supervision');

  const shape = resolveShape(def);
  const sharded = shape.kind === 'sharded';
  if (!sharded) {
    if (def.mongos !== undefined) {
      f.problem('mongos', 'routers need a sharded cluster: add .shards(n), or remove .mongos()');
    }
    if (def.configServers !== undefined) {
      f.problem('configServers', 'config servers need a sharded cluster: add .shards(n), or remove .configServers()');
    }
  } else {
    if (shape.mongos.length === 0) {
      f.problem('mongos', 'a sharded cluster needs at least one router: use .mongos(1) or more');
    }
    if (def.replicaSet?.name !== undefined) {
      f.problem('replicaSet.name', 'a sharded cluster has no plain replica set; name shards with .shards([{ name }])');
    }
  }

  // Replica sets: names, members, settings.
  const setNames = new Set<string>();
  const checkedPaths = new Set<string>();
  shape.sets.forEach((set: ResolvedSet) => {
    const setPath = set.role === 'configsvr' ? 'configServers' : set.path.replace(/\.members$/, '');
    const issue = nameProblem(set.name, 'replica set name');
    if (issue) f.problem(`${setPath}.name`, issue);
    if (setNames.has(set.name)) f.problem(`${setPath}.name`, `replica set name "${set.name}" is used twice`);
    setNames.add(set.name);
    // A shape shared by every shard is checked once, not once per shard.
    if (!checkedPaths.has(set.path)) {
      checkedPaths.add(set.path);
      checkMembers(f, set.members, set.path, { configServer: set.role === 'configsvr' });
      checkSettings(f, set.settings, `${setPath}.settings`);
    }
  });
  shape.mongos.forEach((m, i) => checkMongos(f, m, `mongos[${i}]`));

  // Names must be unique across nodes, sets and groups: they share the supervisor's namespace.
  const nodeNames = [
    ...(shape.standalone ? [shape.standalone] : []),
    ...shape.sets.flatMap(setNodeNames),
    ...mongosNodeNames(shape),
  ];
  // Groups: each set's name, plus `config` and `mongos` for the config servers and routers.
  const seen = new Set<string>(setNames);
  for (const group of [
    sharded ? CONFIG_NODE_PREFIX : undefined,
    shape.mongos.length > 0 ? MONGOS_NODE_PREFIX : undefined,
  ]) {
    if (group === undefined) continue;
    if (seen.has(group))
      f.problem(
        'name',
        `"${group}" is the name of the ${group === MONGOS_NODE_PREFIX ? 'routers' : 'config servers'}' group; pick another set name`,
      );
    seen.add(group);
  }
  // Duplicate set names already make their nodes collide; one problem says it.
  if (setNames.size === shape.sets.length) {
    for (const n of nodeNames) {
      if (seen.has(n)) f.problem('name', `node name "${n}" collides with another node, set or group name`);
      seen.add(n);
    }
  }

  // Fixed ports must be unique.
  const ports = new Map<number, string>();
  const notePort = (port: number | undefined, path: string) => {
    if (port === undefined) return;
    const other = ports.get(port);
    if (other !== undefined) f.problem(path, `port ${port} is also given to ${other}`);
    ports.set(port, path);
  };
  shape.sets.forEach((set) => set.members.forEach((m, i) => notePort(m.port, `${set.path}[${i}].port`)));
  shape.mongos.forEach((m, i) => notePort(m.port, `mongos[${i}].port`));
  if (shape.sets.length > 1) {
    // A member list shared by several shards cannot fix ports: every shard would use the same ones.
    const shared = shape.sets.filter((s) => s.path === 'replicaSet.members');
    if (shared.length > 1 && shared[0].members.some((m) => m.port !== undefined)) {
      f.problem(
        'replicaSet.members',
        'fixed ports in a member list shared by several shards would collide; give each shard its own members',
      );
    }
  }

  // Global flags and parameters: each must apply to some node of this topology.
  const present = new Set<NodeRole>([
    ...(shape.standalone ? (['standalone'] as const) : []),
    ...shape.sets.map((s) => s.role),
    ...(shape.mongos.length > 0 ? (['mongos'] as const) : []),
  ]);
  def.args.forEach((scoped, i) => {
    const path = `args[${i}]`;
    checkSelectors(f, scoped.roles, `${path}.roles`);
    checkArgs(f, scoped.args, `${path}.args`);
    const roles = rolesOf(scoped.roles)?.filter((r) => present.has(r)) ?? [...present];
    if (scoped.roles !== undefined && roles.length === 0) {
      f.problem(`${path}.roles`, `no node of this topology has role ${scoped.roles.join(' or ')}`);
      return;
    }
    const binaries = [...new Set(roles.map(binaryOf))];
    const parsed = parseServerArgs(scoped.args);
    for (const o of parsed.options) {
      if (!o.binaries.some((b) => binaries.includes(b))) {
        f.problem(
          `${path}.args`,
          `${o.flag} is a ${o.binaries.join('/')} option, but applies to no ${o.binaries.join('/')} here`,
        );
      }
      checkOptionVersion(f, o, `${path}.args`, spec, version);
    }
    checkGlobalParameters(f, parsed.setParameters, binaries, `${path}.args`, spec, version);
  });
  def.setParameters.forEach((scoped, i) => {
    const path = `setParameters[${i}]`;
    checkSelectors(f, scoped.roles, `${path}.roles`);
    checkParameters(f, scoped.parameters, `${path}.parameters`);
    const roles = rolesOf(scoped.roles)?.filter((r) => present.has(r)) ?? [...present];
    if (scoped.roles !== undefined && roles.length === 0) {
      f.problem(`${path}.roles`, `no node of this topology has role ${scoped.roles.join(' or ')}`);
      return;
    }
    const binaries = [...new Set(roles.map(binaryOf))];
    checkGlobalParameters(f, scoped.parameters, binaries, `${path}.parameters`, spec, version);
  });

  // Per-node flags and parameters against the version.
  shape.sets.forEach((set) => {
    set.members.forEach((m, i) => {
      const path = `${set.path}[${i}]`;
      if (m.args) {
        const parsed = parseServerArgs(m.args);
        parsed.options.forEach((o) => checkOptionVersion(f, o, `${path}.args`, spec, version));
        checkParameterVersions(f, parsed.setParameters, ['mongod'], `${path}.args`, spec, version, true);
      }
      if (m.setParameters) {
        checkParameterVersions(f, m.setParameters, ['mongod'], `${path}.setParameters`, spec, version, true);
      }
    });
  });
  shape.mongos.forEach((m, i) => {
    const path = `mongos[${i}]`;
    if (m.args) {
      const parsed = parseServerArgs(m.args);
      parsed.options.forEach((o) => checkOptionVersion(f, o, `${path}.args`, spec, version));
      checkParameterVersions(f, parsed.setParameters, ['mongos'], `${path}.args`, spec, version, true);
    }
    if (m.setParameters)
      checkParameterVersions(f, m.setParameters, ['mongos'], `${path}.setParameters`, spec, version, true);
  });

  return { problems: dedupe(f.problems), warnings: dedupe(f.warnings) };
}

/** A global parameter must be known by at least one binary it applies to, in the version at hand. */
function checkGlobalParameters(
  f: Findings,
  params: ServerParameters,
  binaries: readonly ('mongod' | 'mongos')[],
  path: string,
  spec: VersionSpec | undefined,
  v: VersionContext,
): void {
  for (const name of Object.keys(params)) {
    const checks = binaries.map((b) => checkParameter(name, b, { exact: v.exact, spec }));
    if (checks.some((c) => c.kind === 'ok')) continue;
    if (checks.every((c) => c.kind === 'unknown')) {
      f.warn(
        `${path}.${name}`,
        `mongo-topology does not know setParameter ${name}; the server refuses to start (exit code 2) if it does not either`,
      );
      continue;
    }
    const first = checks.find((c) => c.kind === 'wrong-version') ?? checks.find((c) => c.kind === 'wrong-binary');
    if (first && 'message' in first) f.problem(`${path}.${name}`, first.message);
  }
}

function dedupe<T extends { path: string; message: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Which binaries a global option applies to on a node of `role` (used by plan and render). */
export function appliesTo(scope: readonly NodeSelector[] | undefined, role: NodeRole): boolean {
  if (scope === undefined) return true;
  return scope.includes(role) || (scope.includes('mongod') && role !== 'mongos');
}
