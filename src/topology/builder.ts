// The fluent, immutable topology builder: `cluster().replicaSet(3).version('8.0')`. Every call
// returns a new frozen spec, so a base can be shared at module scope and varied per test. Misuse
// that one call's argument shows is thrown at that call; rules across calls are checked by
// validate() and plan().
//
// Vocabulary: shape methods are nouns (`standalone`, `replicaSet`, `shards`, `configServers`,
// `mongos`); knobs are plain nouns too (`version`, `binDir`, `auth`, `args`, `setParameters`,
// `storage`, `name`, `dataDir`, `keepData`, `timeouts`, `supervision`). Methods that set one value
// replace it; `args` and `setParameters` add to what is there; option bags (`storage`, `timeouts`,
// `supervision`) merge over the current values.
//
// Extension: starting a cluster lives downstream (src/cluster), and this module must not import
// it. A spec derives new specs through `this.constructor`, so a subclass that adds methods keeps its
// type and its methods through every builder call: the package root's `ClusterSpec` extends this
// class, and that is where `start()` is added. Subclasses add methods only: instances are frozen at
// the end of this constructor.

import { resolve } from 'node:path';
import { deepFreeze } from '../common/freeze.js';
import { MONGOS_NODE_PREFIX, nameProblem } from './names.js';
import type {
  AuthOptions,
  ClusterDefinition,
  ConfigWarning,
  MemberOptions,
  MongosOptions,
  ReplicaSetOptions,
  ServerParameters,
  ShardDefinition,
  ShardOptions,
  ScopeOptions,
  StorageOptions,
  SupervisionOptions,
  TimeoutOptions,
  VersionOptions,
} from './types.js';
import {
  Findings,
  MAX_MEMBERS,
  checkArgs,
  checkAuth,
  checkCount,
  checkMembers,
  checkMongos,
  checkParameters,
  checkPath,
  checkSelectors,
  checkSettings,
  checkStorage,
  checkSupervision,
  checkTimeouts,
  checkVersion,
  validateDefinition,
  type ValidationReport,
  type VersionContext,
} from './validate.js';

/** Upper bounds on counts, far above anything a test or laptop runs; they catch typos like `shards(200)`. */
export const MAX_SHARDS = 64;
export const MAX_MONGOS = 64;

const MiB = 1024 * 1024;

/** What `cluster()` starts from: a standalone with small, test-friendly settings. */
export const DEFAULT_DEFINITION: ClusterDefinition = deepFreeze({
  name: 'cluster',
  args: [],
  setParameters: [],
  storage: { cacheSizeGB: 0.25 },
  keepData: false,
  timeouts: { startupMs: 60_000, stopMs: 30_000 },
  supervision: { startSecs: 1, startRetries: 3, logMaxBytes: 10 * MiB, logBackups: 2 },
});

/** Log rotation the CLI uses for long-lived clusters (the originating design's 50 MB x 10). */
export const CLI_SUPERVISION: Required<SupervisionOptions> = Object.freeze({
  startSecs: 5,
  startRetries: 3,
  logMaxBytes: 50 * MiB,
  logBackups: 10,
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Definitions made by the builder: already copied and deep-frozen, so they can be shared, not copied. */
const NORMALIZED = new WeakSet<ClusterDefinition>([DEFAULT_DEFINITION]);

function normalized(def: ClusterDefinition): ClusterDefinition {
  NORMALIZED.add(def);
  return def;
}

/**
 * An immutable description of a MongoDB topology: the builder methods without the ability to start
 * it. Users hold the package root's `ClusterSpec`, a subclass made by `cluster()`. Every method
 * returns a new spec and leaves this one unchanged.
 *
 * @example
 * ```ts
 * const base = cluster().replicaSet(3).version('8.0');
 * const withAuth = base.auth({ username: 'app', password: 'secret' });
 * ```
 */
export class TopologySpec {
  /** Everything this spec says, normalized and frozen. Serializable with `JSON.stringify`. */
  readonly definition: ClusterDefinition;

  /**
   * Wraps a definition, e.g. one read back from cluster.json. Prefer `cluster()`; a definition given
   * here is copied and frozen, and fully validated by `validate()` and `plan()`.
   *
   * @example
   * ```ts
   * const again = new ClusterSpec(JSON.parse(readFileSync('cluster.json', 'utf8')).spec);
   * ```
   */
  constructor(definition: ClusterDefinition = DEFAULT_DEFINITION) {
    this.definition = NORMALIZED.has(definition) ? definition : normalized(deepFreeze(copy(definition)));
    Object.freeze(this);
  }

  /** A new spec of the same class with `patch` applied. */
  protected derive(
    patch: Partial<Mutable<ClusterDefinition>>,
    remove: readonly (keyof ClusterDefinition)[] = [],
  ): this {
    const next: Record<string, unknown> = { ...this.definition, ...patch };
    for (const k of remove) delete next[k];
    const Ctor = this.constructor as new (d: ClusterDefinition) => this;
    // The patch is built from copies of the caller's values, so freezing it in place is safe.
    return new Ctor(normalized(deepFreeze(next as unknown as ClusterDefinition)));
  }

  /**
   * A single mongod without replication: the default shape. Removes any replica set, shards, config
   * servers and routers set before.
   *
   * @example
   * ```ts
   * const single = cluster().replicaSet(3).standalone();
   * ```
   */
  standalone(): this {
    return this.derive({}, ['replicaSet', 'shards', 'configServers', 'mongos']);
  }

  /**
   * A replica set of `members` members (a count or a list of member options). With `.shards()`, this
   * is the shape of every shard. Without arguments: one member, the smallest replica set (enough for
   * transactions and change streams).
   *
   * Unset priorities are 1, except for hidden, delayed, non-voting and non-index-building members and
   * arbiters, whose priority is 0 as mongod requires.
   *
   * @throws TopologyConfigError when the member list breaks a mongod rule (over 50 members or 7
   *   voters, no electable member, hidden or delayed members with priority > 0, ...).
   * @example
   * ```ts
   * cluster().replicaSet(3);
   * cluster().replicaSet([{ priority: 2 }, {}, { arbiterOnly: true }], {
   *   name: 'app',
   *   settings: { electionTimeoutMillis: 2000 },
   * });
   * ```
   */
  replicaSet(members: number | readonly MemberOptions[] = 1, options: ReplicaSetOptions = {}): this {
    const f = new Findings();
    const list = memberList(f, members, 'replicaSet.members');
    checkSetOptions(f, options, 'replicaSet');
    if (list) checkMembers(f, list, 'replicaSet.members');
    f.throwIfAny('.replicaSet()');
    return this.derive({
      replicaSet: {
        ...(options.name !== undefined ? { name: options.name } : {}),
        members: list!,
        settings: copy(options.settings ?? {}),
      },
    });
  }

  /**
   * Makes the topology a sharded cluster of `shards` shards, each a replica set. A count gives every
   * shard the `.replicaSet()` shape (one member if none); a list sets shards one by one. A sharded
   * cluster also gets one config server and one router unless `.configServers()` and `.mongos()` say
   * otherwise.
   *
   * @throws TopologyConfigError on a count below 1 or a bad shard.
   * @example
   * ```ts
   * cluster().shards(2); // two one-member shards, one config server, one mongos
   * cluster().shards(2).replicaSet(3).configServers(3).mongos(2);
   * cluster().shards([{ name: 'eu', members: 3 }, { name: 'us', members: [{ priority: 2 }, {}] }]);
   * ```
   */
  shards(shards: number | readonly ShardOptions[]): this {
    const f = new Findings();
    let list: ShardDefinition[] = [];
    if (typeof shards === 'number') {
      checkCount(f, shards, 'shards', { min: 1, max: MAX_SHARDS });
      if (f.problems.length === 0) list = Array.from({ length: shards }, () => ({}));
    } else if (!Array.isArray(shards) || shards.length < 1 || shards.length > MAX_SHARDS) {
      f.problem('shards', `must be a shard count or a list of 1 to ${MAX_SHARDS} shards`);
    } else {
      list = shards.map((s, i) => {
        const path = `shards[${i}]`;
        if (!isObject(s)) {
          f.problem(path, 'must be an object { name, members, settings }');
          return {};
        }
        for (const k of Object.keys(s)) {
          if (!['name', 'members', 'settings'].includes(k))
            f.problem(`${path}.${k}`, 'unknown option; known options are name, members, settings');
        }
        const members = s.members === undefined ? undefined : memberList(f, s.members, `${path}.members`);
        if (members) checkMembers(f, members, `${path}.members`);
        if (s.name !== undefined) {
          const issue = nameProblem(s.name, 'shard name');
          if (issue) f.problem(`${path}.name`, issue);
        }
        if (s.settings !== undefined) checkSettings(f, s.settings, `${path}.settings`);
        return {
          ...(s.name !== undefined ? { name: s.name } : {}),
          ...(members ? { members } : {}),
          ...(s.settings !== undefined ? { settings: copy(s.settings) } : {}),
        };
      });
    }
    f.throwIfAny('.shards()');
    return this.derive({ shards: list });
  }

  /**
   * The config server replica set of a sharded cluster: a count or a member list (no arbiters, no
   * delayed members). Defaults to one member named `configRS`.
   *
   * @throws TopologyConfigError on a bad member list.
   * @example
   * ```ts
   * cluster().shards(2).configServers(3);
   * ```
   */
  configServers(members: number | readonly MemberOptions[], options: ReplicaSetOptions = {}): this {
    const f = new Findings();
    const list = memberList(f, members, 'configServers.members');
    checkSetOptions(f, options, 'configServers');
    if (list) checkMembers(f, list, 'configServers.members', { configServer: true });
    f.throwIfAny('.configServers()');
    return this.derive({
      configServers: {
        ...(options.name !== undefined ? { name: options.name } : {}),
        members: list!,
        settings: copy(options.settings ?? {}),
      },
    });
  }

  /**
   * The mongos routers of a sharded cluster: a count or a list of router options. Defaults to one.
   *
   * @throws TopologyConfigError on a count below 1 or bad router options.
   * @example
   * ```ts
   * cluster().shards(2).mongos(2);
   * cluster().shards(1).mongos([{ args: ['--slowms', '5'] }, { port: 30000 }]);
   * ```
   */
  mongos(routers: number | readonly MongosOptions[]): this {
    const f = new Findings();
    let list: MongosOptions[] = [];
    if (typeof routers === 'number') {
      checkCount(f, routers, MONGOS_NODE_PREFIX, { min: 1, max: MAX_MONGOS });
      if (f.problems.length === 0) list = Array.from({ length: routers }, () => ({}));
    } else if (!Array.isArray(routers) || routers.length < 1 || routers.length > MAX_MONGOS) {
      f.problem('mongos', `must be a router count or a list of 1 to ${MAX_MONGOS} routers`);
    } else {
      routers.forEach((r, i) => checkMongos(f, r, `mongos[${i}]`));
      list = routers.map((r) => copy(r));
    }
    f.throwIfAny('.mongos()');
    return this.derive({ mongos: list });
  }

  /**
   * The server version to run: an exact version (`8.0.4`), a release series (`8.0`), a major (`8`), a
   * semver range, or `stable`/`latest`/`rapid`/`continuous`; `{ enterprise: true }` for MongoDB
   * Enterprise builds. With `.binDir()` too, the binaries found there must match it.
   *
   * @throws TopologyConfigError on a spec that is not a version, or admits only servers older than 4.4
   *   (mongo-topology waits for the JSON log that 4.4 introduced).
   * @example
   * ```ts
   * cluster().replicaSet(3).version('8.0');
   * cluster().version('7.0.14', { enterprise: true });
   * ```
   */
  version(spec: string, options: VersionOptions = {}): this {
    const f = new Findings();
    checkVersion(f, spec, 'version');
    if (options.enterprise !== undefined && typeof options.enterprise !== 'boolean') {
      f.problem('enterprise', 'must be true or false');
    }
    f.throwIfAny('.version()');
    return options.enterprise === true
      ? this.derive({ version: spec, enterprise: true })
      : this.derive({ version: spec }, ['enterprise']);
  }

  /**
   * A directory holding `mongod` (and `mongos` for sharded clusters) to run instead of resolving a
   * download. Relative paths are resolved against the current directory now.
   *
   * @example
   * ```ts
   * cluster().binDir('/opt/mongodb/8.0/bin');
   * ```
   */
  binDir(path: string): this {
    const abs = typeof path === 'string' && path !== '' ? resolve(path) : path;
    const f = new Findings();
    checkPath(f, abs, 'binDir');
    f.throwIfAny('.binDir()');
    return this.derive({ binDir: abs });
  }

  /**
   * Turns on access control: every server runs with authorization, replica sets and sharded clusters
   * with a generated keyFile, and the first user is created with `roles` (default `root`). Without a
   * password, one is generated. `false` turns auth off again.
   *
   * @example
   * ```ts
   * cluster().replicaSet(3).auth({ username: 'app', password: 's3cret' });
   * cluster().auth(); // user "admin" with a generated password
   * ```
   */
  auth(options: AuthOptions | false = {}): this {
    if (options === false) return this.derive({}, ['auth']);
    const f = new Findings();
    checkAuth(f, options, 'auth');
    f.throwIfAny('.auth()');
    return this.derive({
      auth: {
        username: options.username ?? 'admin',
        ...(options.password !== undefined ? { password: options.password } : {}),
        roles: copy(options.roles ?? ['root']),
      },
    });
  }

  /**
   * Adds server flags for every node (or the `roles` given) that knows them. They are written into
   * each node's config file; flags mongo-topology manages (`--port`, `--dbpath`, `--replSet`, ...)
   * are refused with what to use instead.
   *
   * @throws TopologyConfigError on an unknown or managed flag, or a bad value.
   * @example
   * ```ts
   * cluster().replicaSet(3).args(['--slowms', '5', '--setParameter', 'notablescan=true']);
   * cluster().shards(2).args(['--maxConns=200'], { roles: ['mongos'] });
   * ```
   */
  args(args: readonly string[], options: ScopeOptions = {}): this {
    const f = new Findings();
    const i = this.definition.args.length;
    checkArgs(f, args, `args[${i}].args`);
    checkSelectors(f, options.roles, `args[${i}].roles`);
    f.throwIfAny('.args()');
    return this.derive({
      args: [...this.definition.args, { args: [...args], ...(options.roles ? { roles: [...options.roles] } : {}) }],
    });
  }

  /**
   * Adds server parameters (`setParameter`) for every node (or the `roles` given) that knows them.
   * Later calls and per-node parameters win. Names are checked against the server version.
   *
   * @throws TopologyConfigError on a malformed name or value.
   * @example
   * ```ts
   * cluster().replicaSet(3).setParameters({ enableTestCommands: true, transactionLifetimeLimitSeconds: 30 });
   * ```
   */
  setParameters(parameters: ServerParameters, options: ScopeOptions = {}): this {
    const f = new Findings();
    const i = this.definition.setParameters.length;
    checkParameters(f, parameters, `setParameters[${i}].parameters`);
    checkSelectors(f, options.roles, `setParameters[${i}].roles`);
    f.throwIfAny('.setParameters()');
    return this.derive({
      setParameters: [
        ...this.definition.setParameters,
        { parameters: copy(parameters), ...(options.roles ? { roles: [...options.roles] } : {}) },
      ],
    });
  }

  /**
   * Storage settings of every mongod, merged over the current ones.
   *
   * @example
   * ```ts
   * cluster().replicaSet(3).storage({ cacheSizeGB: 1, oplogSizeMB: 256 });
   * ```
   */
  storage(options: StorageOptions): this {
    const f = new Findings();
    checkStorage(f, options, 'storage');
    f.throwIfAny('.storage()');
    return this.derive({ storage: { ...this.definition.storage, ...definedOnly(options) } });
  }

  /**
   * The cluster's name: used in its supervisor identifier and temp directory names.
   *
   * @example
   * ```ts
   * cluster().name('orders').replicaSet(3);
   * ```
   */
  name(name: string): this {
    const issue = nameProblem(name, 'cluster name', { allowReserved: true });
    const f = new Findings();
    if (issue) f.problem('name', issue);
    f.throwIfAny('.name()');
    return this.derive({ name });
  }

  /**
   * The cluster directory (configs, data, logs) instead of a fresh temp directory. Relative paths are
   * resolved against the current directory now. Add `.keepData()` to keep it after stop.
   *
   * @example
   * ```ts
   * cluster().replicaSet(3).dataDir('./.mongo-topology/dev');
   * ```
   */
  dataDir(path: string): this {
    const abs = typeof path === 'string' && path !== '' ? resolve(path) : path;
    const f = new Findings();
    checkPath(f, abs, 'dataDir');
    f.throwIfAny('.dataDir()');
    return this.derive({ dataDir: abs });
  }

  /**
   * Keeps the cluster directory (data and logs) after stop, for post-mortems. `keepData(false)`
   * removes it again (the default).
   *
   * @example
   * ```ts
   * cluster().replicaSet(3).keepData();
   * ```
   */
  keepData(keep: boolean = true): this {
    return this.derive({ keepData: keep === true });
  }

  /**
   * Deadlines, merged over the current ones: `startupMs` for the whole topology to be ready,
   * `stopMs` per process for a clean shutdown before SIGKILL.
   *
   * @example
   * ```ts
   * cluster().shards(2).timeouts({ startupMs: 120_000, stopMs: 10_000 });
   * ```
   */
  timeouts(options: TimeoutOptions): this {
    const f = new Findings();
    checkTimeouts(f, options, 'timeouts');
    f.throwIfAny('.timeouts()');
    return this.derive({ timeouts: { ...this.definition.timeouts, ...definedOnly(options) } });
  }

  /**
   * How the supervisor runs each process, merged over the current settings: `startSecs`,
   * `startRetries`, and log rotation (`logMaxBytes`, `logBackups`; small by default, the CLI uses
   * 50 MiB x 10).
   *
   * @example
   * ```ts
   * cluster().replicaSet(3).supervision({ logMaxBytes: 50 * 1024 * 1024, logBackups: 10 });
   * ```
   */
  supervision(options: SupervisionOptions): this {
    const f = new Findings();
    checkSupervision(f, options, 'supervision');
    f.throwIfAny('.supervision()');
    return this.derive({ supervision: { ...this.definition.supervision, ...definedOnly(options) } });
  }

  /**
   * Checks the whole spec without throwing: the rules across builder calls (routers without shards,
   * names, parameters against the version) and the warnings. Pass the resolved server version to
   * check version-specific rules exactly.
   *
   * @example
   * ```ts
   * const { problems, warnings } = cluster().replicaSet(2).validate();
   * ```
   */
  validate(version: VersionContext = {}): ValidationReport {
    return validateDefinition(this.definition, version);
  }

  /**
   * Traps that do not stop the topology from working, such as an even number of voters.
   *
   * @example
   * ```ts
   * cluster().replicaSet(2).warnings; // [{ path: 'replicaSet.members', message: '2 voting members: ...' }]
   * ```
   */
  get warnings(): readonly ConfigWarning[] {
    return this.validate().warnings;
  }

  /**
   * The definition, for `JSON.stringify` (cluster.json).
   *
   * @example
   * ```ts
   * writeFileSync('spec.json', JSON.stringify(cluster().replicaSet(3)));
   * ```
   */
  toJSON(): ClusterDefinition {
    return this.definition;
  }
}

function memberList(f: Findings, members: unknown, path: string): MemberOptions[] | undefined {
  if (typeof members === 'number') {
    const before = f.problems.length;
    checkCount(f, members, path, { min: 1, max: MAX_MEMBERS });
    return f.problems.length === before ? Array.from({ length: members }, () => ({})) : undefined;
  }
  if (!Array.isArray(members)) {
    f.problem(path, 'must be a member count or an array of member options');
    return undefined;
  }
  return members.map((m) => (isObject(m) ? copy(m) : m));
}

function checkSetOptions(f: Findings, o: ReplicaSetOptions, path: string): void {
  if (!isObject(o)) {
    f.problem(path, 'options must be an object { name, settings }');
    return;
  }
  for (const k of Object.keys(o)) {
    if (k !== 'name' && k !== 'settings') f.problem(`${path}.${k}`, 'unknown option; known options are name, settings');
  }
  if (o.name !== undefined) {
    const issue = nameProblem(o.name, 'replica set name');
    if (issue) f.problem(`${path}.name`, issue);
  }
  if (o.settings !== undefined) checkSettings(f, o.settings, `${path}.settings`);
}

// Not a type guard on purpose: it would narrow typed option bags to Record<string, unknown>.
function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of plain data, so later changes to the caller's objects never reach a spec. */
function copy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copy) as T;
  if (isObject(v)) return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, copy(x)])) as T;
  return v;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
