// The shape of a `mongo-topology.config.{ts,js,json,yaml}` file: the builder's vocabulary as plain
// data (so JSON and YAML can say everything `cluster()` can), plus the start options that make
// sense in a file. A TypeScript or JavaScript config may give a spec made with `cluster()` instead.

import type { TopologySpec } from '../../topology/builder.js';
import type {
  AuthOptions,
  MemberOptions,
  MongosOptions,
  ReplicaSetOptions,
  ServerParameters,
  ShardOptions,
  StorageOptions,
  SupervisionOptions,
  TimeoutOptions,
} from '../../topology/types.js';

/** A replica set in a config file: a member count, a member list, or the members with a name and settings. */
export type ReplicaSetConfig =
  | number
  | readonly MemberOptions[]
  | (ReplicaSetOptions & {
      /** Member count or member list. @default 1 */
      readonly members?: number | readonly MemberOptions[];
    });

/**
 * A topology as plain data: each key is the builder method of the same name (`replicaSet: 3` is
 * `.replicaSet(3)`). Relative paths (`binDir`, `dataDir`) are relative to the config file.
 *
 * @example
 * ```yaml
 * # mongo-topology.config.yaml
 * replicaSet: 3
 * version: "8.0"
 * ```
 */
export interface TopologyConfig {
  /** `.name()`. @default 'cluster' */
  readonly name?: string;
  /** `.replicaSet()`: the plain set, or the shape of every shard. */
  readonly replicaSet?: ReplicaSetConfig;
  /** `.shards()`: a count or a list of shards. */
  readonly shards?: number | readonly ShardOptions[];
  /** `.configServers()`. */
  readonly configServers?: ReplicaSetConfig;
  /** `.mongos()`: a count or a list of routers. */
  readonly mongos?: number | readonly MongosOptions[];
  /** `.version()`: a version or range (`'8.0'`, `'>=7.0'`). */
  readonly version?: string;
  /** `.version(v, { enterprise: true })`. @default false */
  readonly enterprise?: boolean;
  /** `.binDir()`: where mongod and mongos are. */
  readonly binDir?: string;
  /** `.auth()`: `true` for the defaults, `false` for none, or the user. @default false */
  readonly auth?: boolean | AuthOptions;
  /** `.args()`: extra server flags for every node that knows them. */
  readonly args?: readonly string[];
  /** `.setParameters()` for every node that knows them. */
  readonly setParameters?: ServerParameters;
  /** `.storage()`. */
  readonly storage?: StorageOptions;
  /** `.timeouts()`. */
  readonly timeouts?: TimeoutOptions;
  /** `.supervision()`. */
  readonly supervision?: SupervisionOptions;
  /** `.dataDir()`: a fixed cluster directory instead of a temporary one. */
  readonly dataDir?: string;
  /** `.keepData()`. @default false */
  readonly keepData?: boolean;
}

/** Options of `spec.start()` a config file may set. Relative paths are relative to the config file. */
export interface ConfigStartOptions {
  /** Where the temporary cluster directory is made. @default `$MONGO_TOPOLOGY_TMP_DIR`, else the OS temp dir */
  readonly tmpDir?: string;
  /** Keep the cluster directory after the run. @default the topology's `keepData` */
  readonly keep?: boolean;
  /** Deadline of the boot. @default the topology's `timeouts.startupMs` (60_000) */
  readonly startupTimeoutMs?: number;
  /** The orphan reaper. @default true */
  readonly reaper?: boolean;
  /** Extra environment variables for the server processes. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The contents of a config file: a topology as data, or (TypeScript/JavaScript only) a spec under
 * `topology`, plus start options. Write it with {@link defineConfig} for type checking.
 */
export interface MongoTopologyConfig extends TopologyConfig {
  /** A spec made with `cluster()`, instead of the topology keys. TypeScript and JavaScript configs only. */
  readonly topology?: TopologySpec;
  /** Options of `spec.start()`. */
  readonly start?: ConfigStartOptions;
}

/** What a config file may export (as default, or as the whole module for JSON and YAML). */
export type ConfigExport =
  | MongoTopologyConfig
  | TopologySpec
  | (() => MongoTopologyConfig | TopologySpec | Promise<MongoTopologyConfig | TopologySpec>);
