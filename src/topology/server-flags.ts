// Server command-line flags a user may pass, and the YAML config key each one becomes. Every
// server option goes into the node's mongod.conf/mongos.conf (the supervisor's command line stays
// `<binary> --config <file>`), so a flag is accepted only if it has a documented YAML key here.
// Flags that mongo-topology manages itself (ports, paths, replica-set and sharding roles, auth) are
// refused with the builder method to use instead.
//
// Source: the MongoDB manual's mongod/mongos option pages and configuration-file reference
// (reference/mongod-behaviour.md §5.1).

import type { ServerParameters, ServerParameterValue } from './types.js';
import type { VersionSpan } from '../common/version-spec.js';

type Binary = 'mongod' | 'mongos';
type FlagType = 'flag' | 'bool' | 'int' | 'float' | 'string' | 'enum';

interface FlagSpec {
  /** Dotted YAML key. */
  readonly key: string;
  readonly type: FlagType;
  readonly binaries: readonly Binary[];
  /** The value a valueless flag writes. @default true */
  readonly value?: ServerParameterValue;
  readonly values?: readonly string[];
  /** Maps the command-line value to the YAML value (e.g. `--profile 2` → `all`). */
  readonly map?: Readonly<Record<string, string>>;
  /** Versions that accept the flag. */
  readonly span?: VersionSpan;
  readonly hint?: string;
}

const BOTH: readonly Binary[] = ['mongod', 'mongos'];
const MONGOD: readonly Binary[] = ['mongod'];
const MONGOS: readonly Binary[] = ['mongos'];
const COMPRESSORS = ['none', 'snappy', 'zlib', 'zstd'];

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  quiet: { key: 'systemLog.quiet', type: 'flag', binaries: BOTH },
  timeStampFormat: {
    key: 'systemLog.timeStampFormat',
    type: 'enum',
    values: ['iso8601-utc', 'iso8601-local'],
    binaries: BOTH,
  },
  maxConns: { key: 'net.maxIncomingConnections', type: 'int', binaries: BOTH },
  networkMessageCompressors: { key: 'net.compression.compressors', type: 'string', binaries: BOTH },
  ipv6: { key: 'net.ipv6', type: 'flag', binaries: BOTH },
  tlsMode: {
    key: 'net.tls.mode',
    type: 'enum',
    values: ['disabled', 'allowTLS', 'preferTLS', 'requireTLS'],
    binaries: BOTH,
  },
  tlsCertificateKeyFile: { key: 'net.tls.certificateKeyFile', type: 'string', binaries: BOTH },
  tlsCertificateKeyFilePassword: { key: 'net.tls.certificateKeyFilePassword', type: 'string', binaries: BOTH },
  tlsCAFile: { key: 'net.tls.CAFile', type: 'string', binaries: BOTH },
  tlsClusterFile: { key: 'net.tls.clusterFile', type: 'string', binaries: BOTH },
  tlsAllowInvalidCertificates: { key: 'net.tls.allowInvalidCertificates', type: 'flag', binaries: BOTH },
  tlsAllowInvalidHostnames: { key: 'net.tls.allowInvalidHostnames', type: 'flag', binaries: BOTH },
  tlsAllowConnectionsWithoutCertificates: {
    key: 'net.tls.allowConnectionsWithoutCertificates',
    type: 'flag',
    binaries: BOTH,
  },
  tlsDisabledProtocols: { key: 'net.tls.disabledProtocols', type: 'string', binaries: BOTH },
  clusterAuthMode: {
    key: 'security.clusterAuthMode',
    type: 'enum',
    values: ['keyFile', 'sendKeyFile', 'sendX509', 'x509'],
    binaries: BOTH,
  },
  transitionToAuth: { key: 'security.transitionToAuth', type: 'flag', binaries: BOTH },
  noscripting: { key: 'security.javascriptEnabled', type: 'flag', value: false, binaries: BOTH },
  slowms: { key: 'operationProfiling.slowOpThresholdMs', type: 'int', binaries: BOTH },
  slowOpSampleRate: { key: 'operationProfiling.slowOpSampleRate', type: 'float', binaries: BOTH },

  profile: {
    key: 'operationProfiling.mode',
    type: 'enum',
    values: ['0', '1', '2'],
    map: { '0': 'off', '1': 'slowOp', '2': 'all' },
    binaries: MONGOD,
  },
  storageEngine: { key: 'storage.engine', type: 'string', binaries: MONGOD },
  wiredTigerCacheSizeGB: { key: 'storage.wiredTiger.engineConfig.cacheSizeGB', type: 'float', binaries: MONGOD },
  wiredTigerJournalCompressor: {
    key: 'storage.wiredTiger.engineConfig.journalCompressor',
    type: 'enum',
    values: COMPRESSORS,
    binaries: MONGOD,
  },
  wiredTigerDirectoryForIndexes: {
    key: 'storage.wiredTiger.engineConfig.directoryForIndexes',
    type: 'flag',
    binaries: MONGOD,
  },
  wiredTigerCollectionBlockCompressor: {
    key: 'storage.wiredTiger.collectionConfig.blockCompressor',
    type: 'enum',
    values: COMPRESSORS,
    binaries: MONGOD,
  },
  wiredTigerIndexPrefixCompression: {
    key: 'storage.wiredTiger.indexConfig.prefixCompression',
    type: 'bool',
    binaries: MONGOD,
  },
  directoryperdb: { key: 'storage.directoryPerDB', type: 'flag', binaries: MONGOD },
  syncdelay: { key: 'storage.syncPeriodSecs', type: 'float', binaries: MONGOD },
  journalCommitInterval: { key: 'storage.journal.commitIntervalMs', type: 'int', binaries: MONGOD },
  nojournal: {
    key: 'storage.journal.enabled',
    type: 'flag',
    value: false,
    binaries: MONGOD,
    span: { until: '6.1' },
    hint: 'journaling cannot be turned off from 6.1 on',
  },
  oplogSize: { key: 'replication.oplogSizeMB', type: 'int', binaries: MONGOD },
  enableMajorityReadConcern: { key: 'replication.enableMajorityReadConcern', type: 'bool', binaries: MONGOD },
  notablescan: { key: 'setParameter.notablescan', type: 'flag', binaries: MONGOD },

  localThreshold: { key: 'replication.localPingThresholdMs', type: 'int', binaries: MONGOS },
};

/** Flags mongo-topology sets itself, with what to use instead. */
const MANAGED: Readonly<Record<string, string>> = {
  port: 'ports are allocated by mongo-topology; give a member or router a fixed `port` instead',
  bind_ip: 'every node listens on 127.0.0.1 only',
  bind_ip_all: 'every node listens on 127.0.0.1 only',
  dbpath: 'data lives under the cluster directory; use .dataDir()',
  logpath: "the supervisor writes each node's output to logs/<node>.log",
  logappend: "the supervisor writes each node's output to logs/<node>.log",
  syslog: "the supervisor writes each node's output to logs/<node>.log",
  fork: 'the supervisor runs every server in the foreground',
  pidfilepath: 'the supervisor tracks every pid',
  replSet: 'use .replicaSet()',
  configsvr: 'use .shards() and .configServers()',
  shardsvr: 'use .shards()',
  configdb: 'mongo-topology writes it from the config server set',
  keyFile: 'use .auth(); a keyFile is generated',
  auth: 'use .auth()',
  noauth: 'auth is off unless .auth() is called',
  config: 'mongo-topology writes the config file',
  f: 'mongo-topology writes the config file',
  nounixsocket: 'Unix sockets are always off',
  unixSocketPrefix: 'Unix sockets are always off',
  filePermissions: 'Unix sockets are always off',
  version: 'not a server option',
  help: 'not a server option',
  h: 'not a server option',
  sysinfo: 'not a server option',
  repair: 'runs a one-off repair, not a server',
  upgrade: 'runs a one-off upgrade, not a server',
  shutdown: 'stop nodes through the cluster handle',
};

/** One flag turned into a YAML key. */
export interface ServerOption {
  /** The flag as written, e.g. `--slowms`. */
  readonly flag: string;
  /** Dotted YAML key, e.g. `operationProfiling.slowOpThresholdMs`. */
  readonly key: string;
  readonly value: ServerParameterValue;
  readonly binaries: readonly Binary[];
  readonly span?: VersionSpan;
  readonly hint?: string;
}

/** Flags parsed into YAML options and parameters. */
export interface ParsedArgs {
  readonly options: readonly ServerOption[];
  readonly setParameters: ServerParameters;
  /** Binaries every flag of the list is valid for. */
  readonly binaries: readonly Binary[];
  readonly problems: readonly string[];
}

function parseValue(spec: FlagSpec, flag: string, raw: string): ServerParameterValue | { problem: string } {
  switch (spec.type) {
    case 'int':
      return /^-?\d+$/.test(raw) ? Number(raw) : { problem: `${flag} needs an integer, got "${raw}"` };
    case 'float':
      return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : { problem: `${flag} needs a number, got "${raw}"` };
    case 'bool':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return { problem: `${flag} needs true or false, got "${raw}"` };
    case 'enum':
      if (!spec.values?.includes(raw))
        return { problem: `${flag} must be one of ${spec.values?.join(', ')}; got "${raw}"` };
      return spec.map?.[raw] ?? raw;
    default:
      return raw;
  }
}

/** Turns a `--setParameter` value into a scalar: `true`/`false` and integers become typed. */
function parameterScalar(raw: string): ServerParameterValue {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d{1,15}$/.test(raw)) return Number(raw);
  return raw;
}

/**
 * Parses server flags (`['--slowms', '5', '--setParameter', 'notablescan=true', '-vv']`) into YAML
 * options. Both `--name value` and `--name=value` work. Problems are collected, not thrown.
 */
export function parseServerArgs(args: readonly string[]): ParsedArgs {
  const options: ServerOption[] = [];
  const setParameters: Record<string, ServerParameterValue> = {};
  const problems: string[] = [];
  let binaries: Binary[] = ['mongod', 'mongos'];
  for (let i = 0; i < args.length; i++) {
    const token = args[i] ?? '';
    if (typeof token !== 'string') {
      problems.push(`every argument must be a string, got ${typeof token}`);
      continue;
    }
    const verbosity = /^-(v{1,5})$/.exec(token);
    if (verbosity) {
      options.push({ flag: token, key: 'systemLog.verbosity', value: verbosity[1].length, binaries: BOTH });
      continue;
    }
    const m = /^--?([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(token);
    if (!m) {
      problems.push(`"${token}" is not a flag (flags look like --name or --name=value)`);
      continue;
    }
    const name = m[1];
    const inline = m[2];
    const flag = `--${name}`;
    const managed = MANAGED[name];
    if (managed !== undefined) {
      problems.push(`${flag} is managed by mongo-topology: ${managed}`);
      if (inline === undefined && args[i + 1] !== undefined && !args[i + 1].startsWith('-')) i++;
      continue;
    }
    if (name === 'setParameter') {
      const raw = inline ?? args[++i];
      const eq = raw?.indexOf('=') ?? -1;
      if (raw === undefined || eq <= 0) {
        problems.push(`--setParameter needs name=value, got ${raw === undefined ? 'nothing' : `"${raw}"`}`);
        continue;
      }
      setParameters[raw.slice(0, eq)] = parameterScalar(raw.slice(eq + 1));
      continue;
    }
    const spec = FLAGS[name];
    if (spec === undefined) {
      problems.push(
        `${flag} is not a server flag mongo-topology can write into a config file; use .setParameters() for server parameters`,
      );
      if (inline === undefined && args[i + 1] !== undefined && !args[i + 1].startsWith('-')) i++;
      continue;
    }
    let value: ServerParameterValue;
    if (spec.type === 'flag') {
      if (inline !== undefined) {
        problems.push(`${flag} takes no value, got "${inline}"`);
        continue;
      }
      value = spec.value ?? true;
    } else {
      const raw = inline ?? args[++i];
      if (raw === undefined) {
        problems.push(`${flag} needs a value`);
        continue;
      }
      const parsed = parseValue(spec, flag, raw);
      if (typeof parsed === 'object') {
        problems.push(parsed.problem);
        continue;
      }
      value = parsed;
    }
    if (spec.key.startsWith('setParameter.')) {
      setParameters[spec.key.slice('setParameter.'.length)] = value;
    } else {
      options.push({
        flag,
        key: spec.key,
        value,
        binaries: spec.binaries,
        ...(spec.span ? { span: spec.span } : {}),
        ...(spec.hint ? { hint: spec.hint } : {}),
      });
    }
    binaries = binaries.filter((b) => spec.binaries.includes(b));
  }
  return { options, setParameters, binaries, problems };
}
