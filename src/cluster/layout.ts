// The layout of a started cluster: what every node is, where it listens, which supervisor program runs
// it, and where its files are, as plain data. The process that starts a cluster builds it from the
// plan; another process rebuilds it from cluster.json (attach). Node handles, URIs and waits are made
// from a layout only, so the owner and an attached process behave the same.

import type { ClusterPlan, PlannedNode } from '../topology/plan.js';
import type { ReplicaSetConfigDocument } from '../topology/replica-set-config.js';
import type { TopologyKind } from '../topology/shape.js';
import type { ClusterDefinition, NodeRole } from '../topology/types.js';

/** How the supervisor of a cluster runs: inside the process that started it, or as a daemon. */
export type SupervisorMode = 'in-process' | 'daemon';

/** One node of a started cluster. */
export interface NodeLayout {
  /** Stable name: `standalone`, `rs0-1`, `shard1-0`, `config-0`, `mongos-0`. */
  readonly name: string;
  readonly role: NodeRole;
  readonly binary: 'mongod' | 'mongos';
  /** The node's replica set; routers and a standalone have none. */
  readonly replicaSet?: string;
  /** Its `_id` in the replica-set config. */
  readonly memberIndex?: number;
  readonly arbiter: boolean;
  readonly hidden: boolean;
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** The supervisor program's namespec: `group:name`, or `name` for a program without a group. */
  readonly namespec: string;
  /** The command line the supervisor runs. */
  readonly command: readonly string[];
  readonly configFile: string;
  readonly logFile: string;
  /** data/<node>/; routers have none. */
  readonly dataDir?: string;
}

/** One replica set of a started cluster. */
export interface ReplicaSetLayout {
  readonly name: string;
  readonly role: 'replset' | 'shardsvr' | 'configsvr';
  /** Node names in member order. */
  readonly members: readonly string[];
  /** The member the boot made primary. */
  readonly initialPrimary: string;
  /** `name/host:port,...` */
  readonly connectionString: string;
  /** The document the set was initiated with. */
  readonly config: ReplicaSetConfigDocument;
}

/** The supervisor of a started cluster and how to reach its control API. */
export interface SupervisorLayout {
  readonly mode: SupervisorMode;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly pidFile: string;
}

/** Access control of a started cluster. */
export interface AuthLayout {
  readonly username: string;
  readonly password: string;
  /** Database the user is defined in. */
  readonly authSource: 'admin';
  readonly roles: readonly { readonly role: string; readonly db: string }[];
  /** The key file replica-set members and routers authenticate to each other with. */
  readonly keyFile?: string;
}

/** Everything about a started cluster that is plain data. */
export interface ClusterLayout {
  readonly name: string;
  readonly kind: TopologyKind;
  readonly clusterDir: string;
  /** Exact server version of the binaries, e.g. `8.0.4`. */
  readonly serverVersion: string;
  readonly binaries: { readonly mongod: string; readonly mongos?: string };
  readonly nodes: readonly NodeLayout[];
  readonly replicaSets: readonly ReplicaSetLayout[];
  /** The config server set's connection string, for a sharded cluster. */
  readonly configDB?: string;
  readonly supervisor: SupervisorLayout;
  readonly auth?: AuthLayout;
  /** The spec's definition. */
  readonly definition: ClusterDefinition;
}

/** The supervisor namespec of a planned node (supervisord: `group:process`, or `process` alone). */
export function namespecOf(node: Pick<PlannedNode, 'name' | 'group'>): string {
  return node.group !== undefined && node.group !== node.name ? `${node.group}:${node.name}` : node.name;
}

/** Builds the layout of a cluster from its plan and the binaries it runs. */
export function layoutFromPlan(
  plan: ClusterPlan,
  binaries: { readonly mongod: string; readonly mongos?: string },
  serverVersion: string,
  mode: SupervisorMode,
): ClusterLayout {
  const hiddenOf = (n: PlannedNode): boolean => {
    if (n.replicaSet === undefined || n.memberIndex === undefined) return false;
    const set = plan.replicaSets.find((s) => s.name === n.replicaSet);
    return set?.config.members[n.memberIndex]?.hidden === true;
  };
  const nodes = plan.nodes.map((n): NodeLayout => ({
    name: n.name,
    role: n.role,
    binary: n.binary,
    ...(n.replicaSet !== undefined ? { replicaSet: n.replicaSet, memberIndex: n.memberIndex! } : {}),
    arbiter: n.arbiter,
    hidden: hiddenOf(n),
    host: n.host,
    port: n.port,
    address: n.address,
    namespec: namespecOf(n),
    command: [n.binary === 'mongos' ? binaries.mongos! : binaries.mongod, '--config', n.configFile],
    configFile: n.configFile,
    logFile: n.logFile,
    ...(n.dataDir !== undefined ? { dataDir: n.dataDir } : {}),
  }));
  const s = plan.supervisor;
  return {
    name: plan.name,
    kind: plan.kind,
    clusterDir: plan.clusterDir,
    serverVersion,
    binaries: { mongod: binaries.mongod, ...(binaries.mongos !== undefined ? { mongos: binaries.mongos } : {}) },
    nodes,
    replicaSets: plan.replicaSets.map((r) => ({
      name: r.name,
      role: r.role,
      members: r.members,
      initialPrimary: r.initialPrimary,
      connectionString: r.connectionString,
      config: r.config,
    })),
    ...(plan.configDB !== undefined ? { configDB: plan.configDB } : {}),
    supervisor: {
      mode,
      url: s.url,
      username: s.username,
      password: s.password,
      configFile: s.configFile,
      logFile: s.logFile,
      pidFile: s.pidFile,
    },
    ...(plan.auth
      ? {
          auth: {
            username: plan.auth.username,
            password: plan.auth.password,
            authSource: 'admin' as const,
            roles: plan.auth.roles,
            ...(plan.auth.keyFile !== undefined ? { keyFile: plan.auth.keyFile } : {}),
          },
        }
      : {}),
    definition: plan.definition,
  };
}

/** Looks up a node by name. */
export function nodeOf(layout: ClusterLayout, name: string): NodeLayout | undefined {
  return layout.nodes.find((n) => n.name === name);
}

/** The nodes of a replica set, in member order. */
export function membersOf(layout: ClusterLayout, set: ReplicaSetLayout): NodeLayout[] {
  return set.members.map((m) => nodeOf(layout, m)!);
}

/** Electable members: not arbiters, not hidden, priority > 0, voting. */
export function electableMembers(layout: ClusterLayout, set: ReplicaSetLayout): NodeLayout[] {
  return membersOf(layout, set).filter((n) => {
    const doc = set.config.members[n.memberIndex!];
    return doc !== undefined && !doc.arbiterOnly && !doc.hidden && doc.priority > 0 && doc.votes === 1;
  });
}
