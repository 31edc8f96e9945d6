// What a started cluster and an attached one have in common: the URI, a cached driver client, node
// handles and selectors (node, primary, secondaries, shard, config servers, routers), replica-set
// handles, cluster-wide waits, and typed events about nodes exiting and being restarted, fed by the
// supervisor's event stream.

import { MongoClient, type Document } from 'mongodb';
import { TopologyConfigError } from '../errors.js';
import type { SupervisorControl } from '../supervisor/control/types.js';
import type { ClusterEventOf, ClusterEventType, ClusterEvent } from './events.js';
import { membersOf, type ClusterLayout, type ReplicaSetLayout } from './layout.js';
import { NodeHandle, type HandleContext, type HookOptions } from './node-handle.js';
import { waitHello } from './node-ops.js';
import { memberState, waitForPrimary, waitSetHealthy, type MemberStateName } from './replica-set-ops.js';
import type { ClusterRuntime } from './runtime.js';
import { clusterUri } from './uri.js';
import { Deadline, NotYet } from './watch.js';
import { settleAll } from '../common/async.js';

/**
 * A replica set of a running cluster: the plain set, a shard, or the config servers.
 *
 * @example
 * ```ts
 * const primary = await cluster.shard(0).primary();
 * ```
 */
export class ReplicaSetHandle {
  /** @internal */
  constructor(
    private readonly ctx: HandleContext,
    readonly name: string,
  ) {}

  #layout(): ReplicaSetLayout {
    return this.ctx.rt.layout().replicaSets.find((s) => s.name === this.name)!;
  }

  /** `replset`, `shardsvr` or `configsvr`. */
  get role(): ReplicaSetLayout['role'] {
    return this.#layout().role;
  }

  /** The members, in member order. */
  get members(): readonly NodeHandle[] {
    return this.#layout().members.map((m) => this.ctx.handle(m));
  }

  /** `name/host:port,...` */
  get connectionString(): string {
    return this.#layout().connectionString;
  }

  #deadline(options: HookOptions | undefined): Deadline {
    return new Deadline(options?.timeoutMs ?? this.ctx.defaultTimeoutMs, options?.abortSignal);
  }

  /** Waits for a writable primary and returns it. */
  async primary(options: HookOptions = {}): Promise<NodeHandle> {
    this.ctx.assertUsable();
    const p = await waitForPrimary(this.ctx.rt, this.#layout(), this.#deadline(options));
    return this.ctx.handle(p.node.name);
  }

  /** Alias of {@link primary}: waits for a writable primary. */
  waitForPrimary(options: HookOptions = {}): Promise<NodeHandle> {
    return this.primary(options);
  }

  /** The members whose own state is SECONDARY right now (hidden and delayed members included). */
  async secondaries(options: HookOptions = {}): Promise<NodeHandle[]> {
    const states = await this.states(options);
    return this.members.filter((m) => states[m.name] === 'SECONDARY');
  }

  /** Each member's own state right now (`UNKNOWN` when it does not answer). */
  async states(options: HookOptions = {}): Promise<Record<string, MemberStateName | 'UNKNOWN'>> {
    this.ctx.assertUsable();
    const d = this.#deadline({ timeoutMs: 10_000, ...options });
    const members = membersOf(this.ctx.rt.layout(), this.#layout());
    const states = await Promise.all(
      members.map(async (n) => {
        try {
          return await memberState(this.ctx.rt, n, d);
        } catch {
          return 'UNKNOWN' as const;
        }
      }),
    );
    return Object.fromEntries(members.map((n, i) => [n.name, states[i]]));
  }

  /** Waits until every member is PRIMARY, SECONDARY or ARBITER and the set has a writable primary. */
  async waitHealthy(options: HookOptions = {}): Promise<Record<string, MemberStateName>> {
    this.ctx.assertUsable();
    const d = this.#deadline(options);
    await waitForPrimary(this.ctx.rt, this.#layout(), d);
    return waitSetHealthy(this.ctx.rt, this.#layout(), d);
  }

  /** `replSetGetStatus` from the primary. */
  async status(options: HookOptions = {}): Promise<Document> {
    const p = await this.primary(options);
    return this.ctx.rt.conns.command(p.layout, { replSetGetStatus: 1 }, { timeoutMs: 10_000 });
  }
}

/** Shared implementation of started and attached clusters. */
export abstract class ClusterHandle {
  /** Every node, in plan order. */
  readonly nodes: readonly NodeHandle[];
  readonly #handles: Map<string, NodeHandle>;
  readonly #sets: Map<string, ReplicaSetHandle>;
  readonly #context: HandleContext;
  #client: MongoClient | undefined;
  #usable = true;

  /** @internal */
  protected constructor(
    protected readonly rt: ClusterRuntime,
    defaultTimeoutMs: number,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.#context = {
      rt,
      defaultTimeoutMs,
      assertUsable: () => self.assertUsable(),
      handle: (name) => self.node(name),
    };
    const layout = rt.layout();
    this.#handles = new Map(layout.nodes.map((n) => [n.name, new NodeHandle(this.#context, n.name)]));
    this.nodes = [...this.#handles.values()];
    this.#sets = new Map(layout.replicaSets.map((s) => [s.name, new ReplicaSetHandle(this.#context, s.name)]));
  }

  /** Throws when the cluster can no longer be driven (stopped, or detached). */
  protected abstract assertUsable(): void;

  /** Marks the handles unusable and closes the client; called by stop/detach. */
  protected async release(): Promise<void> {
    this.#usable = false;
    const c = this.#client;
    this.#client = undefined;
    await c?.close().catch(() => undefined);
  }

  protected get usable(): boolean {
    return this.#usable;
  }

  /** The layout: every node, set and path. */
  get layout(): ClusterLayout {
    return this.rt.layout();
  }
  get name(): string {
    return this.rt.layout().name;
  }
  /** `standalone`, `replicaSet` or `sharded`. */
  get kind(): ClusterLayout['kind'] {
    return this.rt.layout().kind;
  }
  /** The cluster directory (configs, data, logs, cluster.json). */
  get clusterDir(): string {
    return this.rt.layout().clusterDir;
  }
  /** The exact server version, e.g. `8.0.4`. */
  get version(): string {
    return this.rt.layout().serverVersion;
  }
  /**
   * The URI to connect to: `replicaSet=<name>` for a replica set, every router for a sharded
   * cluster, `directConnection=true` for a standalone; with the user and `authSource` when auth is on.
   */
  get uri(): string {
    return clusterUri(this.rt.layout());
  }
  /** The supervisor that runs the cluster's processes (in this process, or a client of it). */
  get supervisor(): SupervisorControl {
    return this.rt.control;
  }
  /** The supervisor's control API: `http://127.0.0.1:<port>` (basic auth, see cluster.json). */
  get controlUrl(): string {
    return this.rt.layout().supervisor.url;
  }

  /**
   * A driver client connected to {@link uri}, made on first call and reused; closed by `stop()`.
   *
   * @example
   * ```ts
   * await cluster.client().db('app').collection('users').insertOne({ name: 'a' });
   * ```
   */
  client(): MongoClient {
    this.assertUsable();
    this.#client ??= new MongoClient(this.uri, { appName: 'mongo-topology' });
    return this.#client;
  }

  /**
   * The node called `name`.
   *
   * @throws TopologyConfigError naming the nodes there are.
   */
  node(name: string): NodeHandle {
    const h = this.#handles.get(name);
    if (!h) {
      throw new TopologyConfigError(
        `No node named "${name}" in cluster ${this.name}; nodes: ${[...this.#handles.keys()].join(', ')}`,
      );
    }
    return h;
  }

  /** Every replica set: the plain set, or the config servers and every shard. */
  get replicaSets(): readonly ReplicaSetHandle[] {
    return [...this.#sets.values()];
  }

  /** The replica set called `name` (default: the plain set of a replica-set cluster). */
  replicaSet(name?: string): ReplicaSetHandle {
    if (name === undefined) {
      if (this.kind !== 'replicaSet') throw this.#shapeError('replicaSet()', 'a replica set');
      return this.replicaSets[0];
    }
    const s = this.#sets.get(name);
    if (!s) throw new TopologyConfigError(`No replica set named "${name}"; sets: ${[...this.#sets.keys()].join(', ')}`);
    return s;
  }

  /** The shards of a sharded cluster, in order. */
  get shards(): readonly ReplicaSetHandle[] {
    return this.replicaSets.filter((s) => s.role === 'shardsvr');
  }

  /** Shard `index` (or the shard called so). */
  shard(indexOrName: number | string): ReplicaSetHandle {
    if (this.kind !== 'sharded') throw this.#shapeError('shard()', 'a sharded cluster');
    const s =
      typeof indexOrName === 'number' ? this.shards[indexOrName] : this.shards.find((x) => x.name === indexOrName);
    if (!s) {
      throw new TopologyConfigError(
        `No shard ${JSON.stringify(indexOrName)}; shards: ${this.shards.map((x, i) => `${i} (${x.name})`).join(', ')}`,
      );
    }
    return s;
  }

  /** The config server replica set of a sharded cluster. */
  configServers(): ReplicaSetHandle {
    const s = this.replicaSets.find((x) => x.role === 'configsvr');
    if (!s) throw this.#shapeError('configServers()', 'a sharded cluster');
    return s;
  }

  /** The routers of a sharded cluster. */
  get routers(): readonly NodeHandle[] {
    return this.nodes.filter((n) => n.role === 'mongos');
  }

  /** Router `index` of a sharded cluster. */
  mongos(index = 0): NodeHandle {
    const r = this.routers[index];
    if (!r) {
      if (this.routers.length === 0) throw this.#shapeError('mongos()', 'a cluster with routers');
      throw new TopologyConfigError(`No router ${index}; routers: 0-${this.routers.length - 1}`);
    }
    return r;
  }

  /** The writable primary of a replica-set cluster (waits for one). For shards use `shard(i).primary()`. */
  async primary(options: HookOptions = {}): Promise<NodeHandle> {
    return this.replicaSet().primary(options);
  }

  /** The members of a replica-set cluster that are SECONDARY right now. */
  async secondaries(options: HookOptions = {}): Promise<NodeHandle[]> {
    return this.replicaSet().secondaries(options);
  }

  #shapeError(call: string, what: string): TopologyConfigError {
    return new TopologyConfigError(`${call} needs ${what}; cluster ${this.name} is a ${this.kind} cluster`);
  }

  /** Waits until every replica set has a writable primary; returns them by set name. */
  async waitForPrimary(options: HookOptions = {}): Promise<Record<string, NodeHandle>> {
    this.assertUsable();
    const d = new Deadline(options.timeoutMs ?? this.#context.defaultTimeoutMs, options.abortSignal);
    const sets = this.rt.layout().replicaSets;
    const primaries = await settleAll(
      sets.map((s) => waitForPrimary(this.rt, s, d)),
      'waits for a primary',
    );
    return Object.fromEntries(sets.map((s, i) => [s.name, this.node(primaries[i].node.name)]));
  }

  /**
   * Waits until the whole cluster is usable again: every node answers hello, every set has a
   * writable primary and every member is PRIMARY/SECONDARY/ARBITER, and a sharded cluster's routers
   * list every shard.
   */
  async waitHealthy(options: HookOptions = {}): Promise<void> {
    this.assertUsable();
    const d = new Deadline(options.timeoutMs ?? this.#context.defaultTimeoutMs, options.abortSignal);
    const layout = this.rt.layout();
    await settleAll<unknown>(
      [
        ...layout.replicaSets.map(async (s) => {
          await waitForPrimary(this.rt, s, d);
          await waitSetHealthy(this.rt, s, d);
        }),
        ...layout.nodes.filter((n) => n.replicaSet === undefined).map((n) => waitHello(this.rt, n, d)),
      ],
      'health waits',
    );
    const shards = layout.replicaSets.filter((s) => s.role === 'shardsvr').map((s) => s.name);
    for (const r of layout.nodes.filter((n) => n.role === 'mongos')) {
      await this.rt.watch.waitUntil({
        what: `${r.name} to list every shard`,
        deadline: d,
        check: async () => {
          const res = await this.rt.conns.attempt(
            r,
            { listShards: 1 },
            { timeoutMs: Math.min(10_000, d.remainingMs()) },
          );
          const listed = new Set(((res.shards ?? []) as Document[]).map((s) => String(s._id)));
          if (shards.every((s) => listed.has(s))) return true;
          throw new NotYet(`${r.name} does not list every shard yet`);
        },
        pollMs: 250,
      });
    }
  }

  /**
   * Calls `listener` for every event of `type` (or `'*'` for all) from now on; returns the function
   * that removes it.
   *
   * @example
   * ```ts
   * const off = cluster.on('nodeRestarted', (e) => console.log(`${e.node} is back as pid ${e.pid}`));
   * ```
   */
  on<T extends ClusterEventType | '*'>(
    type: T,
    listener: (e: T extends ClusterEventType ? ClusterEventOf<T> : ClusterEvent) => void,
  ): () => void {
    return this.rt.events.on(type, listener);
  }
}
