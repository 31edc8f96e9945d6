// The topology a CLI command boots, from flags and an optional `--config <file>` (JSON or YAML with
// the builder's vocabulary: `replicaSet`, `shards`, `configServers`, `mongos`, `version`, `auth`,
// `args`, `setParameters`, `storage`, `timeouts`, `supervision`, ...). Flags are turned into the same
// options object, merged over the file's (flags win; `args` and `setParameters` add), and the merged
// object is applied to `cluster()` through the public builder, which validates every value. Flags
// cover every builder option; the per-member and per-shard lists that do not fit on a command line
// (priorities, tags, per-router args) are for the file.

import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from '@commander-js/extra-typings';
import { parse as parseYaml } from 'yaml';
import { TopologyConfigError, type ConfigProblem } from '../errors.js';
import type {
  AuthOptions,
  ClusterSpec,
  MemberOptions,
  MongosOptions,
  NodeSelector,
  ReplicaSetSettings,
  ServerParameterValue,
  ShardOptions,
  StorageOptions,
  SupervisionOptions,
  TimeoutOptions,
  UserRole,
} from '../index.js';

/** A replica set in a config file: a member count, or members with a name and settings. */
export interface SetOptionsInFile {
  readonly members?: number | readonly MemberOptions[];
  readonly name?: string;
  readonly settings?: ReplicaSetSettings;
}

/** The topology options of a config file (and of the flags, once converted). */
export interface TopologyFileOptions {
  readonly name?: string;
  readonly replicaSet?: number | SetOptionsInFile;
  readonly shards?: number | readonly ShardOptions[];
  readonly configServers?: number | SetOptionsInFile;
  readonly mongos?: number | readonly MongosOptions[];
  readonly version?: string;
  readonly enterprise?: boolean;
  readonly binDir?: string;
  readonly auth?: boolean | AuthOptions;
  readonly args?: readonly (string | { readonly args: readonly string[]; readonly roles?: readonly NodeSelector[] })[];
  readonly setParameters?:
    | Readonly<Record<string, ServerParameterValue>>
    | readonly {
        readonly parameters: Readonly<Record<string, ServerParameterValue>>;
        readonly roles?: readonly NodeSelector[];
      }[];
  readonly storage?: StorageOptions;
  readonly dataDir?: string;
  readonly keepData?: boolean;
  readonly timeouts?: TimeoutOptions;
  readonly supervision?: SupervisionOptions;
}

const FILE_KEYS: readonly (keyof TopologyFileOptions)[] = [
  'name',
  'replicaSet',
  'shards',
  'configServers',
  'mongos',
  'version',
  'enterprise',
  'binDir',
  'auth',
  'args',
  'setParameters',
  'storage',
  'dataDir',
  'keepData',
  'timeouts',
  'supervision',
];

// ---------------------------------------------------------------------------------------------
// Flag value parsers: commander reports what they throw as a usage error naming the option.

/** A commander value parser for integers >= `min`. */
export function integer(min: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return Number(v);
  };
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

function collect(v: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), v];
}

/** `name=value`, for repeatable key/value flags. */
function keyValue(v: string, previous: [string, string][] | undefined): [string, string][] {
  const i = v.indexOf('=');
  if (i <= 0) throw new InvalidArgumentError('must be name=value');
  return [...(previous ?? []), [v.slice(0, i), v.slice(i + 1)]];
}

/** Server parameter and setting values as YAML reads them: `true`, `5`, `1.5`, else the string. */
export function scalar(v: string): ServerParameterValue {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

const GROUP = 'Topology options:';

/** The flags every booting command (`up`, `exec`) takes, one per builder option. */
export function addTopologyOptions<C extends Command<any, any, any>>(cmd: C): C {
  const opts: Option<any, any, any>[] = [
    new Option('--config <file>', 'JSON or YAML file of topology options (builder vocabulary); flags override it'),
    new Option('--name <name>', 'cluster name (default: generated)'),
    new Option(
      '--replset <members>',
      'a replica set of this many members (with --shards: the members of each shard)',
    ).argParser(integer(1)),
    new Option('--replset-name <name>', 'replica set name (default rs0)'),
    new Option('--arbiters <n>', 'make the last <n> replica-set members arbiters').argParser(integer(1)),
    new Option(
      '--replset-setting <name=value>',
      'replica-set setting, e.g. electionTimeoutMillis=2000 (repeatable)',
    ).argParser(keyValue),
    new Option('--shards <n>', 'a sharded cluster of <n> shards').argParser(integer(1)),
    new Option('--config-servers <n>', 'config server replica set members (default 1)').argParser(integer(1)),
    new Option('--mongos <n>', 'mongos routers (default 1)').argParser(integer(1)),
    new Option('--version <spec>', 'server version: 8.0.4, 8.0, 8, latest, rapid, a semver range'),
    new Option('--enterprise', 'MongoDB Enterprise builds (needs --version)'),
    new Option(
      '--bin-dir <dir>',
      'directory with mongod (and mongos) to use (else $MONGO_TOPOLOGY_BIN_DIR, PATH, cache, download)',
    ),
    new Option('--auth', 'turn on access control with a first user (default admin, generated password)'),
    new Option('--username <name>', 'first user (implies --auth)'),
    new Option('--password <password>', 'its password (implies --auth)'),
    new Option('--role <role>', 'its roles: role or role@db (repeatable; default root; implies --auth)').argParser(
      collect,
    ),
    new Option('--server-arg <arg>', 'server flag for every node, e.g. --server-arg=--slowms=5 (repeatable)').argParser(
      collect,
    ),
    new Option('--mongod-arg <arg>', 'server flag for mongod nodes only (repeatable)').argParser(collect),
    new Option('--mongos-arg <arg>', 'server flag for routers only (repeatable)').argParser(collect),
    new Option('--set-parameter <name=value>', 'server parameter for every node (repeatable)').argParser(keyValue),
    new Option('--cache-size-gb <gb>', 'WiredTiger cache per mongod (default 0.25)').argParser(positiveNumber),
    new Option('--oplog-size-mb <mb>', 'oplog size of replica-set members').argParser(positiveNumber),
    new Option('--data-dir <dir>', 'cluster directory instead of one in the state directory'),
    new Option('--keep-data', 'keep data and logs after the cluster stops'),
    new Option('--startup-timeout-ms <ms>', 'deadline for the topology to be ready (default 60000)').argParser(
      integer(1),
    ),
    new Option(
      '--stop-timeout-ms <ms>',
      'per process: clean shutdown deadline before SIGKILL (default 30000)',
    ).argParser(integer(1)),
    new Option('--start-secs <s>', 'seconds a process must run to count as started (default 5)').argParser(integer(0)),
    new Option('--start-retries <n>', 'failed starts before a process is FATAL (default 3)').argParser(integer(0)),
    new Option('--log-max-bytes <bytes>', 'rotate node logs at this size, 0 never (default 50 MiB)').argParser(
      integer(0),
    ),
    new Option('--log-backups <n>', 'rotated logs kept per node (default 10)').argParser(integer(0)),
  ];
  for (const o of opts) cmd.addOption(o.helpGroup(GROUP));
  return cmd;
}

/** The flags of {@link addTopologyOptions}, as commander parsed them. */
export interface TopologyFlags {
  readonly config?: string;
  readonly name?: string;
  readonly replset?: number;
  readonly replsetName?: string;
  readonly arbiters?: number;
  readonly replsetSetting?: [string, string][];
  readonly shards?: number;
  readonly configServers?: number;
  readonly mongos?: number;
  readonly version?: string;
  readonly enterprise?: boolean;
  readonly binDir?: string;
  readonly auth?: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly role?: string[];
  readonly serverArg?: string[];
  readonly mongodArg?: string[];
  readonly mongosArg?: string[];
  readonly setParameter?: [string, string][];
  readonly cacheSizeGb?: number;
  readonly oplogSizeMb?: number;
  readonly dataDir?: string;
  readonly keepData?: boolean;
  readonly startupTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly startSecs?: number;
  readonly startRetries?: number;
  readonly logMaxBytes?: number;
  readonly logBackups?: number;
}

// ---------------------------------------------------------------------------------------------

/**
 * Reads a config file: JSON (`.json`) or YAML (anything else). Relative `binDir`/`dataDir` are
 * resolved against the file's directory.
 *
 * @throws TopologyConfigError when the file cannot be read or parsed, or has unknown keys.
 */
export function readConfigFile(file: string): TopologyFileOptions {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TopologyConfigError(`Cannot read the config file ${path}: ${(e as Error).message}`, { cause: e });
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new TopologyConfigError(`Cannot parse the config file ${path}: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
    });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new TopologyConfigError(`The config file ${path} must hold an object of topology options`);
  }
  const unknown = Object.keys(data).filter((k) => !FILE_KEYS.includes(k as keyof TopologyFileOptions));
  if (unknown.length > 0) {
    throw new TopologyConfigError(`The config file ${path} has unknown options`, {
      problems: unknown.map((k) => ({ path: k, message: `unknown option; known options are ${FILE_KEYS.join(', ')}` })),
    });
  }
  const o = data as Record<string, unknown>;
  const base = dirname(path);
  return {
    ...(o as TopologyFileOptions),
    ...(typeof o.binDir === 'string' ? { binDir: resolve(base, o.binDir) } : {}),
    ...(typeof o.dataDir === 'string' ? { dataDir: resolve(base, o.dataDir) } : {}),
  };
}

function setOf(v: number | SetOptionsInFile | undefined): SetOptionsInFile | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'number' ? { members: v } : v;
}

function roleOf(r: string): UserRole {
  const at = r.lastIndexOf('@');
  return at > 0 ? { role: r.slice(0, at), db: r.slice(at + 1) } : r;
}

/**
 * Merges flags over a config file's options. Flags replace the file's values; `args` and
 * `setParameters` from flags come after the file's; replica-set name and settings merge.
 *
 * @throws TopologyConfigError on flag combinations that cannot work (`--enterprise` without a version,
 *   more arbiters than members).
 */
export function mergeFlags(file: TopologyFileOptions, f: TopologyFlags): TopologyFileOptions {
  const problems: ConfigProblem[] = [];
  const out: Record<string, unknown> = { ...file };
  const set = (k: keyof TopologyFileOptions, v: unknown) => {
    if (v !== undefined) out[k] = v;
  };
  set('name', f.name);
  set('shards', f.shards);
  set('mongos', f.mongos);
  set('version', f.version);
  set('binDir', f.binDir !== undefined ? resolve(f.binDir) : undefined);
  set('dataDir', f.dataDir !== undefined ? resolve(f.dataDir) : undefined);
  if (f.enterprise) out.enterprise = true;
  if (f.keepData) out.keepData = true;

  // Replica set: any of its flags makes (or changes) one.
  if (f.replset !== undefined || f.replsetName !== undefined || f.arbiters !== undefined || f.replsetSetting) {
    const current = setOf(file.replicaSet) ?? {};
    let members = current.members ?? 1;
    if (f.replset !== undefined) members = f.replset;
    if (f.arbiters !== undefined) {
      const count = typeof members === 'number' ? members : members.length;
      if (f.arbiters >= count) {
        problems.push({
          path: '--arbiters',
          message: `${f.arbiters} arbiters leave no data-bearing member of ${count}`,
        });
      } else {
        const list: MemberOptions[] =
          typeof members === 'number' ? Array.from({ length: members }, () => ({})) : [...members];
        for (let i = count - f.arbiters; i < count; i++) list[i] = { ...list[i], arbiterOnly: true };
        members = list;
      }
    }
    const settings = f.replsetSetting
      ? { ...current.settings, ...Object.fromEntries(f.replsetSetting.map(([k, v]) => [k, scalar(v)])) }
      : current.settings;
    out.replicaSet = {
      members,
      ...(f.replsetName !== undefined
        ? { name: f.replsetName }
        : current.name !== undefined
          ? { name: current.name }
          : {}),
      ...(settings !== undefined ? { settings } : {}),
    };
  }
  if (f.configServers !== undefined) out.configServers = { ...setOf(file.configServers), members: f.configServers };

  if (f.auth || f.username !== undefined || f.password !== undefined || f.role !== undefined) {
    const current = typeof file.auth === 'object' ? file.auth : {};
    out.auth = {
      ...current,
      ...(f.username !== undefined ? { username: f.username } : {}),
      ...(f.password !== undefined ? { password: f.password } : {}),
      ...(f.role !== undefined ? { roles: f.role.map(roleOf) } : {}),
    };
  }

  const args = [...(file.args ?? [])];
  if (f.serverArg) args.push({ args: f.serverArg });
  if (f.mongodArg) args.push({ args: f.mongodArg, roles: ['mongod'] });
  if (f.mongosArg) args.push({ args: f.mongosArg, roles: ['mongos'] });
  if (args.length > 0) out.args = args;
  if (f.setParameter) {
    const fromFile =
      file.setParameters === undefined
        ? []
        : Array.isArray(file.setParameters)
          ? file.setParameters
          : [{ parameters: file.setParameters }];
    out.setParameters = [
      ...fromFile,
      { parameters: Object.fromEntries(f.setParameter.map(([k, v]) => [k, scalar(v)])) },
    ];
  }
  const storage = {
    ...file.storage,
    ...(f.cacheSizeGb !== undefined ? { cacheSizeGB: f.cacheSizeGb } : {}),
    ...(f.oplogSizeMb !== undefined ? { oplogSizeMB: f.oplogSizeMb } : {}),
  };
  if (Object.keys(storage).length > 0) out.storage = storage;
  const timeouts = {
    ...file.timeouts,
    ...(f.startupTimeoutMs !== undefined ? { startupMs: f.startupTimeoutMs } : {}),
    ...(f.stopTimeoutMs !== undefined ? { stopMs: f.stopTimeoutMs } : {}),
  };
  if (Object.keys(timeouts).length > 0) out.timeouts = timeouts;
  const supervision = {
    ...file.supervision,
    ...(f.startSecs !== undefined ? { startSecs: f.startSecs } : {}),
    ...(f.startRetries !== undefined ? { startRetries: f.startRetries } : {}),
    ...(f.logMaxBytes !== undefined ? { logMaxBytes: f.logMaxBytes } : {}),
    ...(f.logBackups !== undefined ? { logBackups: f.logBackups } : {}),
  };
  if (Object.keys(supervision).length > 0) out.supervision = supervision;
  if (out.enterprise === true && out.version === undefined) {
    problems.push({ path: '--enterprise', message: 'needs --version (e.g. --version 8.0)' });
  }
  if (problems.length > 0) throw new TopologyConfigError('Invalid topology options', { problems });
  return out;
}

/**
 * Applies topology options to a base spec through the builder (which validates every value); the
 * CLI's base is `cluster().supervision(CLI_SUPERVISION)` (50 MiB x 10 log rotation, startsecs 5).
 *
 * @throws TopologyConfigError naming every problem.
 */
export function specFromOptions(o: TopologyFileOptions, base: ClusterSpec): ClusterSpec {
  let s = base;
  if (o.name !== undefined) s = s.name(o.name);
  const rs = setOf(o.replicaSet);
  if (rs)
    s = s.replicaSet(rs.members ?? 1, {
      ...(rs.name !== undefined ? { name: rs.name } : {}),
      ...(rs.settings ? { settings: rs.settings } : {}),
    });
  if (o.shards !== undefined) s = s.shards(o.shards);
  const cs = setOf(o.configServers);
  if (cs)
    s = s.configServers(cs.members ?? 1, {
      ...(cs.name !== undefined ? { name: cs.name } : {}),
      ...(cs.settings ? { settings: cs.settings } : {}),
    });
  if (o.mongos !== undefined) s = s.mongos(o.mongos);
  if (o.version !== undefined) s = s.version(o.version, { enterprise: o.enterprise === true });
  else if (o.enterprise === true)
    throw new TopologyConfigError('Invalid topology options', {
      problems: [{ path: 'enterprise', message: 'needs a version' }],
    });
  if (o.binDir !== undefined) s = s.binDir(o.binDir);
  if (o.auth !== undefined && o.auth !== false) s = s.auth(o.auth === true ? {} : o.auth);
  for (const a of o.args ?? [])
    s = typeof a === 'string' ? s.args([a]) : s.args(a.args, a.roles ? { roles: a.roles } : {});
  if (o.setParameters !== undefined) {
    const list = Array.isArray(o.setParameters)
      ? o.setParameters
      : [{ parameters: o.setParameters as Readonly<Record<string, ServerParameterValue>> }];
    for (const p of list) s = s.setParameters(p.parameters, p.roles ? { roles: p.roles } : {});
  }
  if (o.storage !== undefined) s = s.storage(o.storage);
  if (o.dataDir !== undefined) s = s.dataDir(o.dataDir);
  if (o.keepData !== undefined) s = s.keepData(o.keepData);
  if (o.timeouts !== undefined) s = s.timeouts(o.timeouts);
  if (o.supervision !== undefined) s = s.supervision(o.supervision);
  const { problems } = s.validate();
  if (problems.length > 0) throw new TopologyConfigError('Invalid topology', { problems });
  return s;
}

/** Flags (and the config file they name) to a validated spec. */
export function specFromFlags(f: TopologyFlags, base: ClusterSpec): ClusterSpec {
  const file = f.config !== undefined ? readConfigFile(f.config) : {};
  return specFromOptions(mergeFlags(file, f), base);
}
