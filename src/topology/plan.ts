// plan(spec): everything decided from a spec before anything is written or started. Every node gets
// its stable name, role, replica set, 127.0.0.1:port (pre-allocated), config/data/log paths and
// supervisor group; every set its initial primary and `replSetInitiate` document; the cluster its
// supervisor control endpoint and secrets. A plan is plain frozen data (it goes into cluster.json);
// the port reservations behind it are held by the PortSource it was made with.
//
// Cluster directory layout (DESIGN.md): supervisor.ini, supervisor.log, supervisor.pid, keyfile,
// conf/<node>/{mongod,mongos}.conf, conf/<node>/program.ini, data/<node>/, logs/<node>.log.

import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { join } from 'node:path';
import createDebug from 'debug';
import semver from 'semver';
import { TopologyConfigError, type ConfigProblem } from '../errors.js';
import { settleAll } from '../common/async.js';
import { deepFreeze } from '../common/freeze.js';
import type { TopologySpec } from './builder.js';
import { CONFIG_NODE_PREFIX, MONGOS_NODE_PREFIX, nodeName } from './names.js';
import { sharedPortAllocator, isPortFree, type PortSource } from './ports.js';
import { replicaSetConfigDocument, usesSlaveDelay, type ReplicaSetConfigDocument } from './replica-set-config.js';
import { checkParameter } from './server-parameters.js';
import { parseServerArgs } from './server-flags.js';
import { initialPrimaryIndex, resolveShape, type ResolvedShape, type TopologyKind } from './shape.js';
import type {
  ClusterDefinition,
  ConfigWarning,
  MemberOptions,
  MongosOptions,
  NodeRole,
  ServerParameters,
  ServerParameterValue,
} from './types.js';
import { appliesTo, Findings, checkPath, throwProblems, validateDefinition } from './validate.js';
import {
  isSupportedServerVersion,
  MIN_SERVER_VERSION,
  tryParseVersionSpec,
  versionSatisfies,
  type VersionSpec,
} from '../common/version-spec.js';

const debug = createDebug('mongo-topology:plan');

/** Every node listens here, and only here. */
export const LOOPBACK = '127.0.0.1';

/** Group start priorities (supervisord: lower starts first and stops last). */
export const GROUP_PRIORITY = Object.freeze({ configsvr: 100, data: 200, mongos: 300 });

/** One node of a plan. */
export interface PlannedNode {
  /** Stable name: `standalone`, `rs0-1`, `shard1-0`, `config-0`, `mongos-0`. */
  readonly name: string;
  readonly role: NodeRole;
  readonly binary: 'mongod' | 'mongos';
  /** The node's replica set (for routers: none). */
  readonly replicaSet?: string;
  /** Its `_id` in the replica-set config. */
  readonly memberIndex?: number;
  readonly arbiter: boolean;
  /** Supervisor group: the set's name, `config` for config servers, `mongos` for routers; none for a standalone. */
  readonly group?: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** conf/<node>/ */
  readonly confDir: string;
  /** conf/<node>/mongod.conf or mongos.conf */
  readonly configFile: string;
  /** conf/<node>/program.ini */
  readonly programFile: string;
  /** data/<node>/; routers have none. */
  readonly dataDir?: string;
  /** logs/<node>.log: the node's stdout and stderr, written by the supervisor. */
  readonly logFile: string;
  /** The user's server options for this node as dotted YAML keys (global flags, then the node's own). */
  readonly serverOptions: Readonly<Record<string, ServerParameterValue>>;
  /** The user's server parameters for this node (global, then the node's own). */
  readonly setParameters: ServerParameters;
  /** Nodes that must be ready before this one starts (routers wait for the config servers). */
  readonly dependsOn: readonly string[];
}

/** One replica set of a plan. */
export interface PlannedReplicaSet {
  readonly name: string;
  readonly role: Extract<NodeRole, 'replset' | 'shardsvr' | 'configsvr'>;
  /** Node names in member order. */
  readonly members: readonly string[];
  /** The member the boot code makes primary: highest priority, else member 0. */
  readonly initialPrimary: string;
  /** The `replSetInitiate` document. */
  readonly config: ReplicaSetConfigDocument;
  /** `name/host:port,...`: a seed list (mongos `configDB`, `addShard`). */
  readonly connectionString: string;
}

/** A supervisor group: a tier or a shard. */
export interface PlannedGroup {
  readonly name: string;
  readonly nodes: readonly string[];
  readonly priority: number;
}

/** The supervisor's files and control endpoint. */
export interface PlannedSupervisor {
  readonly configFile: string;
  readonly logFile: string;
  readonly pidFile: string;
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

/** Auth as planned: the first user and the keyFile. */
export interface PlannedAuth {
  readonly username: string;
  readonly password: string;
  readonly roles: readonly { readonly role: string; readonly db: string }[];
  /** The keyFile path; replica sets and sharded clusters only. */
  readonly keyFile?: string;
  /** The keyFile's contents (base64 characters, 1008 of them). */
  readonly keyFileContents?: string;
}

/** Everything decided from a spec. Plain frozen data. */
export interface ClusterPlan {
  readonly name: string;
  readonly kind: TopologyKind;
  readonly clusterDir: string;
  readonly nodes: readonly PlannedNode[];
  readonly replicaSets: readonly PlannedReplicaSet[];
  readonly groups: readonly PlannedGroup[];
  /** The config server set's connection string, for a sharded cluster. */
  readonly configDB?: string;
  readonly supervisor: PlannedSupervisor;
  readonly auth?: PlannedAuth;
  /** The exact server version the plan was made for, when known. */
  readonly serverVersion?: string;
  readonly warnings: readonly ConfigWarning[];
  /** The spec's definition. */
  readonly definition: ClusterDefinition;
}

/** Options of {@link plan}. */
export interface PlanOptions {
  /** The cluster directory. @default the spec's `.dataDir()`; one of the two is required */
  readonly clusterDir?: string;
  /** Where ports come from. @default the process-wide PortAllocator */
  readonly ports?: PortSource;
  /** The exact version of the binaries that will run (from binary resolution), e.g. `8.0.4`. */
  readonly serverVersion?: string;
  /** Randomness for secrets (keyFile, supervisor password, generated user password). @default crypto.randomBytes */
  readonly randomBytes?: (size: number) => Buffer;
}

/** What a plan is assembled from; kept so a node can be re-planned on a new port. */
interface Inputs {
  readonly def: ClusterDefinition;
  readonly clusterDir: string;
  readonly serverVersion?: string;
  readonly ports: ReadonlyMap<string, number>;
  readonly supervisorPort: number;
  readonly secrets: { readonly supervisorPassword: string; readonly userPassword?: string; readonly keyFile?: string };
  readonly warnings: readonly ConfigWarning[];
}

/** The port owner name {@link reassignPort} uses for the supervisor's control endpoint. */
export const SUPERVISOR_PORT_OWNER = 'supervisor';

/**
 * Plans a topology: validates it (throwing every problem at once), names every node, pre-allocates
 * its port on 127.0.0.1 and lays out its files. Nothing is written. The ports stay reserved in
 * `options.ports` until {@link releasePlanPorts}.
 *
 * @throws TopologyConfigError listing every problem of the spec, with paths, or naming a fixed port
 *   that is taken.
 * @throws ProcessStartError (code `MT_NO_FREE_PORT`) when no free port can be found.
 * @example
 * ```ts
 * const p = await plan(cluster().replicaSet(3), { clusterDir: '/tmp/my-cluster' });
 * p.nodes.map((n) => `${n.name} ${n.address}`); // ['rs0-0 127.0.0.1:41235', ...]
 * ```
 */
export async function plan(spec: TopologySpec | ClusterDefinition, options: PlanOptions = {}): Promise<ClusterPlan> {
  const def = 'definition' in spec ? spec.definition : spec;
  const f = new Findings();
  const clusterDir = options.clusterDir ?? def.dataDir;
  if (clusterDir === undefined)
    f.problem('clusterDir', 'plan() needs a cluster directory: pass { clusterDir } or use .dataDir()');
  else checkPath(f, clusterDir, 'clusterDir');
  const serverVersion = options.serverVersion;
  if (serverVersion !== undefined) checkServerVersion(f, serverVersion, def.version);
  const report = validateDefinition(
    def,
    serverVersion !== undefined && f.problems.length === 0 ? { exact: serverVersion } : {},
  );
  throwProblems([...f.problems, ...report.problems], 'plan');

  const ports = options.ports ?? sharedPortAllocator();
  const random = options.randomBytes ?? cryptoRandomBytes;
  const shape = resolveShape(def);
  const fixed = fixedPorts(shape);
  const names = allNodeNames(shape);

  const taken: number[] = [];
  const assigned = new Map<string, number>();
  try {
    const problems: ConfigProblem[] = [];
    for (const [name, port] of fixed) {
      try {
        await ports.reserve(port);
        taken.push(port);
        assigned.set(name, port);
      } catch (e) {
        problems.push({ path: name, message: `fixed port ${port}: ${(e as Error).message}` });
      }
    }
    throwProblems(problems, 'plan');
    for (const name of names) {
      if (assigned.has(name)) continue;
      const port = await ports.allocate();
      taken.push(port);
      assigned.set(name, port);
    }
    const supervisorPort = await ports.allocate();
    taken.push(supervisorPort);

    // A standalone needs no keyFile: it has no members or routers to authenticate to each other.
    const needsKeyFile = shape.kind !== 'standalone';
    const auth = def.auth;
    debug('planned %s: %o, supervisor on %d', def.name, Object.fromEntries(assigned), supervisorPort);
    return assemble({
      def,
      clusterDir: clusterDir!,
      ...(serverVersion !== undefined ? { serverVersion } : {}),
      ports: assigned,
      supervisorPort,
      secrets: {
        supervisorPassword: random(24).toString('hex'),
        ...(auth && auth.password === undefined ? { userPassword: random(18).toString('base64url') } : {}),
        // 756 random bytes are 1008 base64 characters: inside mongod's 6-1024 limit, with no padding.
        ...(auth && needsKeyFile ? { keyFile: random(756).toString('base64') } : {}),
      },
      warnings: report.warnings,
    });
  } catch (e) {
    await settleAll(
      taken.map((p) => ports.release(p)),
      'port releases',
    ).catch(() => undefined);
    throw e;
  }
}

/**
 * Moves one node (or the supervisor, as `'supervisor'`) to a newly allocated port, for when its port
 * turned out to be taken at start (mongod exits with code 48), before its replica set is initiated. Returns the new plan, whose replica-set
 * documents and router `configDB` name the new address; the old port is released. Re-render the
 * node's config (and the routers' when a config server moved) before starting it again.
 *
 * @example
 * ```ts
 * if (exitCode === 48) current = await reassignPort(current, 'rs0-1', { ports });
 * ```
 */
export async function reassignPort(
  current: ClusterPlan,
  owner: string,
  options: { readonly ports?: PortSource } = {},
): Promise<ClusterPlan> {
  const ports = options.ports ?? sharedPortAllocator();
  const inputs = inputsOf(current);
  const old = owner === SUPERVISOR_PORT_OWNER ? inputs.supervisorPort : inputs.ports.get(owner);
  if (old === undefined) {
    throw new TopologyConfigError(`reassignPort: no node named "${owner}" in cluster ${current.name}`, {
      problems: [{ path: owner, message: `known nodes: ${current.nodes.map((n) => n.name).join(', ')}` }],
    });
  }
  const port = await ports.allocate();
  await ports.release(old);
  debug('moved %s of %s from port %d to %d', owner, current.name, old, port);
  if (owner === SUPERVISOR_PORT_OWNER) return assemble({ ...inputs, supervisorPort: port });
  const next = new Map(inputs.ports);
  next.set(owner, port);
  return assemble({ ...inputs, ports: next });
}

/** Releases every port of a plan held by `ports`. */
export async function releasePlanPorts(p: ClusterPlan, options: { readonly ports?: PortSource } = {}): Promise<void> {
  const ports = options.ports ?? sharedPortAllocator();
  await settleAll([...p.nodes.map((n) => ports.release(n.port)), ports.release(p.supervisor.port)], 'port releases');
}

/** A port of a plan that something else listens on now. */
export interface PortConflict {
  /** Node name, or `supervisor`. */
  readonly owner: string;
  readonly port: number;
}

/**
 * Re-checks a plan's ports just before start: which of them something listens on now. Call it before
 * the first start of each node; a conflict then means another program took the port since planning.
 *
 * @example
 * ```ts
 * for (const c of await findPortConflicts(p)) p = await reassignPort(p, c.owner, { ports });
 * ```
 */
export async function findPortConflicts(p: ClusterPlan): Promise<PortConflict[]> {
  const owners = [
    ...p.nodes.map((n) => ({ owner: n.name, port: n.port, host: n.host })),
    { owner: SUPERVISOR_PORT_OWNER, port: p.supervisor.port, host: p.supervisor.host },
  ];
  const free = await settleAll(
    owners.map((o) => isPortFree(o.port, o.host)),
    'port checks',
  );
  return owners.filter((_, i) => !free[i]).map(({ owner, port }) => ({ owner, port }));
}

// ------------------------------------------------------------------------------------------------

function checkServerVersion(f: Findings, version: string, specRaw: string | undefined): void {
  if (semver.valid(version) === null) {
    f.problem('serverVersion', `"${version}" is not a server version such as 8.0.4`);
    return;
  }
  if (!isSupportedServerVersion(version)) {
    f.problem(
      'serverVersion',
      `server ${version} is older than ${MIN_SERVER_VERSION}, which mongo-topology does not support`,
    );
  }
  if (specRaw !== undefined) {
    const spec = tryParseVersionSpec(specRaw);
    if (!('problem' in spec) && versionSatisfies(version, spec) === false) {
      f.problem('serverVersion', `server ${version} does not match .version('${specRaw}')`);
    }
  }
}

function allNodeNames(shape: ResolvedShape): string[] {
  return [
    ...(shape.standalone ? [shape.standalone] : []),
    ...shape.sets.flatMap((s) => s.members.map((_, i) => nodeName(s.nodePrefix, i))),
    ...shape.mongos.map((_, i) => nodeName(MONGOS_NODE_PREFIX, i)),
  ];
}

function fixedPorts(shape: ResolvedShape): Map<string, number> {
  const fixed = new Map<string, number>();
  for (const s of shape.sets) {
    s.members.forEach((m, i) => {
      if (m.port !== undefined) fixed.set(nodeName(s.nodePrefix, i), m.port);
    });
  }
  shape.mongos.forEach((m, i) => {
    if (m.port !== undefined) fixed.set(nodeName(MONGOS_NODE_PREFIX, i), m.port);
  });
  return fixed;
}

// Inputs travel with the plan (non-enumerable, so cluster.json stays plain) for reassignPort().
const INPUTS = new WeakMap<ClusterPlan, Inputs>();

function inputsOf(p: ClusterPlan): Inputs {
  const inputs = INPUTS.get(p);
  if (inputs) return inputs;
  // A plan read back from cluster.json: recover the inputs from its data.
  return {
    def: p.definition,
    clusterDir: p.clusterDir,
    ...(p.serverVersion !== undefined ? { serverVersion: p.serverVersion } : {}),
    ports: new Map(p.nodes.map((n) => [n.name, n.port])),
    supervisorPort: p.supervisor.port,
    secrets: {
      supervisorPassword: p.supervisor.password,
      ...(p.auth && p.definition.auth?.password === undefined ? { userPassword: p.auth.password } : {}),
      ...(p.auth?.keyFileContents !== undefined ? { keyFile: p.auth.keyFileContents } : {}),
    },
    warnings: p.warnings,
  };
}

/** Merges the user's global and per-node flags and parameters for one node. */
function userServerOptions(
  def: ClusterDefinition,
  role: NodeRole,
  own: MemberOptions | MongosOptions,
  version: { readonly exact?: string; readonly spec?: VersionSpec },
): { options: Record<string, ServerParameterValue>; parameters: Record<string, ServerParameterValue> } {
  const binary = role === 'mongos' ? 'mongos' : 'mongod';
  const options: Record<string, ServerParameterValue> = {};
  const parameters: Record<string, ServerParameterValue> = {};
  // A global parameter goes to the nodes whose binary (and version) knows it; validation has made
  // sure some node does. Unknown names go everywhere they are scoped to.
  const addGlobal = (params: ServerParameters) => {
    for (const [name, value] of Object.entries(params)) {
      const c = checkParameter(name, binary, version);
      if (c.kind === 'ok' || c.kind === 'unknown') parameters[name] = value;
    }
  };
  for (const scoped of def.args) {
    if (!appliesTo(scoped.roles, role)) continue;
    const parsed = parseServerArgs(scoped.args);
    for (const o of parsed.options) if (o.binaries.includes(binary)) options[o.key] = o.value;
    addGlobal(parsed.setParameters);
  }
  for (const scoped of def.setParameters) if (appliesTo(scoped.roles, role)) addGlobal(scoped.parameters);
  if (own.args) {
    const parsed = parseServerArgs(own.args);
    for (const o of parsed.options) options[o.key] = o.value;
    Object.assign(parameters, parsed.setParameters);
  }
  if (own.setParameters) Object.assign(parameters, own.setParameters);
  return { options, parameters };
}

function assemble(inputs: Inputs): ClusterPlan {
  const { def, clusterDir } = inputs;
  const shape = resolveShape(def);
  const specParsed = def.version !== undefined ? tryParseVersionSpec(def.version) : undefined;
  const spec = specParsed && !('problem' in specParsed) ? specParsed : undefined;
  const version = {
    ...(inputs.serverVersion !== undefined ? { exact: inputs.serverVersion } : {}),
    ...(spec ? { spec } : {}),
  };
  const slaveDelay = usesSlaveDelay(version);
  const portOf = (name: string) => inputs.ports.get(name)!;
  const address = (name: string) => `${LOOPBACK}:${portOf(name)}`;

  const nodes: PlannedNode[] = [];
  const makeNode = (
    name: string,
    role: NodeRole,
    own: MemberOptions | MongosOptions,
    extra: Partial<Pick<PlannedNode, 'replicaSet' | 'memberIndex' | 'group' | 'dependsOn'>> & { arbiter?: boolean },
  ): PlannedNode => {
    const binary = role === 'mongos' ? 'mongos' : 'mongod';
    const confDir = join(clusterDir, 'conf', name);
    const user = userServerOptions(def, role, own, version);
    return {
      name,
      role,
      binary,
      ...(extra.replicaSet !== undefined ? { replicaSet: extra.replicaSet, memberIndex: extra.memberIndex! } : {}),
      arbiter: extra.arbiter ?? false,
      ...(extra.group !== undefined ? { group: extra.group } : {}),
      host: LOOPBACK,
      port: portOf(name),
      address: address(name),
      confDir,
      configFile: join(confDir, `${binary}.conf`),
      programFile: join(confDir, 'program.ini'),
      ...(binary === 'mongod' ? { dataDir: join(clusterDir, 'data', name) } : {}),
      logFile: join(clusterDir, 'logs', `${name}.log`),
      serverOptions: user.options,
      setParameters: user.parameters,
      dependsOn: extra.dependsOn ?? [],
    };
  };

  if (shape.standalone) nodes.push(makeNode(shape.standalone, 'standalone', {}, {}));
  const replicaSets: PlannedReplicaSet[] = [];
  const groups: PlannedGroup[] = [];
  for (const set of shape.sets) {
    const names = set.members.map((_, i) => nodeName(set.nodePrefix, i));
    const group = set.role === 'configsvr' ? CONFIG_NODE_PREFIX : set.name;
    set.members.forEach((m, i) =>
      nodes.push(
        makeNode(names[i], set.role, m, {
          replicaSet: set.name,
          memberIndex: i,
          group,
          arbiter: m.arbiterOnly === true,
        }),
      ),
    );
    const hosts = names.map(address);
    replicaSets.push({
      name: set.name,
      role: set.role,
      members: names,
      initialPrimary: names[initialPrimaryIndex(set.members) ?? 0],
      config: replicaSetConfigDocument(set.name, set.members, hosts, set.settings, {
        configsvr: set.role === 'configsvr',
        slaveDelay,
      }),
      connectionString: `${set.name}/${hosts.join(',')}`,
    });
    groups.push({
      name: group,
      nodes: names,
      priority: set.role === 'configsvr' ? GROUP_PRIORITY.configsvr : GROUP_PRIORITY.data,
    });
  }
  const configSet = replicaSets.find((s) => s.role === 'configsvr');
  const routerNames = shape.mongos.map((_, i) => nodeName(MONGOS_NODE_PREFIX, i));
  shape.mongos.forEach((m, i) =>
    nodes.push(
      makeNode(routerNames[i], 'mongos', m, { group: MONGOS_NODE_PREFIX, dependsOn: configSet?.members ?? [] }),
    ),
  );
  if (routerNames.length > 0)
    groups.push({ name: MONGOS_NODE_PREFIX, nodes: routerNames, priority: GROUP_PRIORITY.mongos });

  const auth = def.auth;
  const planned: ClusterPlan = {
    name: def.name,
    kind: shape.kind,
    clusterDir,
    nodes,
    replicaSets,
    groups,
    ...(configSet ? { configDB: configSet.connectionString } : {}),
    supervisor: {
      configFile: join(clusterDir, 'supervisor.ini'),
      logFile: join(clusterDir, 'supervisor.log'),
      pidFile: join(clusterDir, 'supervisor.pid'),
      host: LOOPBACK,
      port: inputs.supervisorPort,
      url: `http://${LOOPBACK}:${inputs.supervisorPort}`,
      username: 'mongo-topology',
      password: inputs.secrets.supervisorPassword,
    },
    ...(auth
      ? {
          auth: {
            username: auth.username,
            password: auth.password ?? inputs.secrets.userPassword!,
            roles: auth.roles.map((r) =>
              typeof r === 'string' ? { role: r, db: 'admin' } : { role: r.role, db: r.db },
            ),
            ...(inputs.secrets.keyFile !== undefined
              ? { keyFile: join(clusterDir, 'keyfile'), keyFileContents: inputs.secrets.keyFile }
              : {}),
          },
        }
      : {}),
    ...(inputs.serverVersion !== undefined ? { serverVersion: inputs.serverVersion } : {}),
    warnings: inputs.warnings,
    definition: def,
  };
  const frozen = deepFreeze(planned);
  INPUTS.set(frozen, inputs);
  return frozen;
}
