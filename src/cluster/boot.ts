// The boot, in tiers (DESIGN.md "Boot order"): every replica set (config servers and shards alike)
// at once, each member as soon as the supervisor can start it; each set initiated as soon as all its
// members listen, with its planned primary stepped up rather than waiting out an election timeout;
// the routers once the config set has a writable primary; `addShard` for each shard as soon as the
// routers and that shard's primary are up (secondaries finish their initial sync meanwhile); then the first user through the localhost exception; done when a
// majority write through the cluster's URI succeeds. A node whose port turns out to be taken is moved
// to a new port before its set is initiated. The first failure aborts every other wait, and the boot
// rethrows it.

import { MongoClient, MongoServerError, type Document } from 'mongodb';
import createDebug from 'debug';
import { StartupTimeoutError } from '../errors.js';
import { membersOf, type ClusterLayout, type NodeLayout, type ReplicaSetLayout } from './layout.js';
import { NodeStartFailed, startAndWaitListening, waitHello } from './node-ops.js';
import { initiate, makePrimary, waitSetHealthy } from './replica-set-ops.js';
import { currentNode, type ClusterRuntime } from './runtime.js';
import { clusterUri } from './uri.js';
import { NotYet, type Deadline } from './watch.js';
import { isTransient } from './connections.js';

const debug = createDebug('mongo-topology:boot');

/** The database the final majority write goes to; dropped again right after. */
export const BOOT_CHECK_DB = 'mongo_topology';

/** What the boot needs from the process that runs it. */
export interface BootContext {
  readonly rt: ClusterRuntime;
  /** The boot's deadline; its signal aborts on the first failure and on the caller's abort. */
  readonly deadline: Deadline;
  /** Records the first failure and aborts every other wait of the boot. */
  fail(e: unknown): void;
  /** Moves a node that could not bind its port to a new one and rewrites its files. */
  reassign(node: string): Promise<void>;
  /** Start attempts per node when its port is taken. */
  readonly portAttempts: number;
  /** A node's process is up with this pid. */
  onPid(node: string, pid: number): void;
}

/** Runs `task`, turning its failure into the boot's failure (which aborts the rest). */
function track<T>(ctx: BootContext, task: Promise<T>): Promise<T> {
  return task.catch((e: unknown) => {
    ctx.fail(e);
    throw e;
  });
}

/** Waits for every task; throws the boot's first failure (the others failed because of it). */
async function all<T>(ctx: BootContext, tasks: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks.map((t) => track(ctx, t)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw ctx.deadline.signal?.aborted ? ctx.deadline.signal.reason : failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** A node that logged "Waiting for connections"; `ready` settles once it answered hello. */
interface Started {
  readonly node: NodeLayout;
  readonly ready: Promise<void>;
}

/**
 * Starts one node until it listens (log id 23016), moving it to a new port if its port is taken;
 * then checks it answers hello (`ready`, emitting `nodeReady`) without holding up the caller, so a
 * set's initiation can overlap its members' hello round trips.
 */
async function startNode(ctx: BootContext, name: string): Promise<Started> {
  const { rt } = ctx;
  for (let attempt = 1; ; attempt++) {
    const node = currentNode(rt, name);
    rt.events.emit({ type: 'nodeStarting', node: name, address: node.address, attempt });
    const t0 = Date.now();
    try {
      const listening = await startAndWaitListening(rt, node, ctx.deadline);
      ctx.onPid(name, listening.pid);
      const ready = track(
        ctx,
        waitHello(rt, node, ctx.deadline).then(() => {
          rt.events.emit({
            type: 'nodeReady',
            node: name,
            address: node.address,
            pid: listening.pid,
            elapsedMs: Date.now() - t0,
          });
        }),
      );
      ready.catch(() => undefined);
      return { node, ready };
    } catch (e) {
      if (e instanceof NodeStartFailed && e.failure.kind === 'address-in-use' && attempt < ctx.portAttempts) {
        debug('%s: port %d taken, moving it', name, node.port);
        await ctx.reassign(name);
        continue;
      }
      throw e;
    }
  }
}

/** Starts one node until it listens and answers hello. */
export async function bootNode(ctx: BootContext, name: string): Promise<NodeLayout> {
  const started = await startNode(ctx, name);
  await started.ready;
  return started.node;
}

/**
 * Boots one replica set up to its planned primary: members, initiate (as soon as every member
 * listens; their hello round trips run alongside), step up, writable.
 */
export async function bootSetToPrimary(ctx: BootContext, setName: string): Promise<void> {
  const { rt } = ctx;
  const setOf = (): ReplicaSetLayout => rt.layout().replicaSets.find((s) => s.name === setName)!;
  const members = await all(
    ctx,
    setOf().members.map((m) => startNode(ctx, m)),
  );
  const set = setOf();
  const t0 = Date.now();
  await all(ctx, [
    ...members.map((m) => m.ready),
    (async () => {
      await initiate(rt, set, ctx.deadline);
      rt.events.emit({ type: 'replicaSetInitiated', replicaSet: set.name, node: set.initialPrimary });
      await makePrimary(rt, set, currentNode(rt, set.initialPrimary), ctx.deadline);
    })(),
  ]);
  rt.events.emit({
    type: 'primaryElected',
    replicaSet: set.name,
    node: set.initialPrimary,
    elapsedMs: Date.now() - t0,
  });
}

/** Waits until every member of a set with a primary is PRIMARY, SECONDARY or ARBITER. */
export async function waitSetReady(ctx: BootContext, setName: string): Promise<void> {
  const { rt } = ctx;
  await waitSetHealthy(
    rt,
    rt.layout().replicaSets.find((s) => s.name === setName)!,
    ctx.deadline,
  );
  rt.events.emit({ type: 'replicaSetReady', replicaSet: setName });
}

/** The seed list `addShard` gets: the set's visible members (hidden ones are not in `hello.hosts`). */
function shardSeeds(layout: ClusterLayout, set: ReplicaSetLayout): string {
  const hosts = membersOf(layout, set)
    .filter((n) => !n.hidden)
    .map((n) => n.address);
  return `${set.name}/${hosts.join(',')}`;
}

/** Server errors from addShard that no retry fixes. */
const ADD_SHARD_FATAL = new Set([2, 13, 20, 72]);

/**
 * Adds a shard through a router. With auth, it is first tried through the localhost exception (which
 * some servers allow for addShard); refused (Unauthorized), the cluster's user is created through the
 * router (once, `routerUser`) and the shard is added as that user, the order MongoDB's own keyFile
 * tutorial follows.
 */
async function addShard(
  ctx: BootContext,
  set: ReplicaSetLayout,
  router: NodeLayout,
  routerUser: () => Promise<void>,
): Promise<void> {
  const { rt } = ctx;
  const seeds = shardSeeds(rt.layout(), set);
  await rt.watch.waitUntil({
    what: `addShard ${seeds} through ${router.name}`,
    deadline: ctx.deadline,
    check: async () => {
      try {
        await rt.conns.attempt(
          router,
          { addShard: seeds, name: set.name },
          { timeoutMs: Math.min(30_000, ctx.deadline.remainingMs()), signal: ctx.deadline.signal },
        );
        return true;
      } catch (e) {
        if (e instanceof MongoServerError && e.code === 13 && rt.layout().auth && !rt.conns.userCreated) {
          await routerUser();
          throw new NotYet(`addShard ${set.name}: retrying as ${rt.layout().auth!.username}`, { cause: e });
        }
        if (e instanceof MongoServerError && !ADD_SHARD_FATAL.has(Number(e.code)))
          throw new NotYet(`addShard ${set.name}: ${e.message}`, { cause: e });
        throw e;
      }
    },
    pollMs: 200,
  });
  rt.events.emit({ type: 'shardAdded', shard: set.name, connectionString: seeds });
}

async function waitShardsListed(ctx: BootContext, router: NodeLayout, shards: readonly string[]): Promise<void> {
  const { rt } = ctx;
  await rt.watch.waitUntil({
    what: `listShards on ${router.name} to show ${shards.join(', ')}`,
    deadline: ctx.deadline,
    check: async () => {
      const r = await rt.conns.attempt(
        router,
        { listShards: 1 },
        { timeoutMs: Math.min(10_000, ctx.deadline.remainingMs()) },
      );
      const listed = new Set(((r.shards ?? []) as Document[]).map((s) => String(s._id)));
      const missing = shards.filter((s) => !listed.has(s));
      if (missing.length > 0) throw new NotYet(`not listed yet: ${missing.join(', ')}`);
      return true;
    },
    pollMs: 200,
  });
}

/** Creates the first user on `node` through the localhost exception (an unauthenticated local connection). */
/**
 * The write concern of the first user on `node`: every data-bearing member without a delay, so
 * that each member's own URI authenticates as soon as the boot is done (a majority alone would
 * leave a secondary without the user for a moment). On a router the config servers' default applies.
 */
function userWriteConcern(layout: ClusterLayout, node: NodeLayout): { w: number | 'majority' } | undefined {
  if (node.binary !== 'mongod') return undefined;
  const set = layout.replicaSets.find((s) => s.name === node.replicaSet);
  if (!set) return { w: 1 };
  const members = set.config.members.filter(
    (m) => !m.arbiterOnly && !((m.secondaryDelaySecs ?? 0) > 0) && !((m.slaveDelay ?? 0) > 0),
  );
  return { w: Math.max(1, members.length) };
}

async function createFirstUser(ctx: BootContext, node: NodeLayout): Promise<void> {
  const { rt } = ctx;
  const auth = rt.layout().auth!;
  const writeConcern = userWriteConcern(rt.layout(), node);
  await rt.watch.waitUntil({
    what: `createUser ${auth.username} on ${node.name}`,
    deadline: ctx.deadline,
    check: async () => {
      try {
        await rt.conns.attempt(
          node,
          {
            createUser: auth.username,
            pwd: auth.password,
            roles: auth.roles.map((r) => ({ ...r })),
            ...(writeConcern ? { writeConcern } : {}),
          },
          { as: 'none', timeoutMs: Math.min(30_000, ctx.deadline.remainingMs()), signal: ctx.deadline.signal },
        );
      } catch (e) {
        // 51003 UserAlreadyExists: a retried attempt whose reply was lost already created it.
        if (e instanceof MongoServerError && e.code === 51003) return true;
        throw e;
      }
      return true;
    },
    pollMs: 200,
  });
  rt.events.emit({ type: 'userCreated', username: auth.username, node: node.name });
}

/**
 * The last step: a `w: majority` write through the cluster's URI (as the user when auth is on), then
 * the database it went to is dropped again. A user whose roles do not allow writing there gets a
 * `ping` through the URI instead.
 */
async function majorityWrite(ctx: BootContext): Promise<void> {
  const { rt, deadline } = ctx;
  const uri = clusterUri(rt.layout());
  const client = new MongoClient(uri, {
    appName: 'mongo-topology',
    serverSelectionTimeoutMS: Math.max(1_000, Math.min(10_000, deadline.remainingMs())),
  });
  try {
    await rt.watch.waitUntil({
      what: 'a majority write through the cluster URI',
      deadline,
      check: async () => {
        const timeoutMS = Math.max(1, Math.min(30_000, deadline.remainingMs()));
        const db = client.db(BOOT_CHECK_DB);
        try {
          await db
            .collection('boot')
            .insertOne({ at: new Date(), pid: process.pid }, { writeConcern: { w: 'majority' }, timeoutMS });
          await db.dropDatabase({ writeConcern: { w: 'majority' }, timeoutMS });
          return true;
        } catch (e) {
          if (e instanceof MongoServerError && e.code === 13) {
            debug('the user may not write to %s; checking the URI with ping instead', BOOT_CHECK_DB);
            await client.db('admin').command({ ping: 1 }, { timeoutMS });
            return true;
          }
          if (isTransient(e)) throw new NotYet(`majority write: ${(e as Error).message}`, { cause: e });
          throw e;
        }
      },
      pollMs: 200,
      onTimeout: (last) =>
        new StartupTimeoutError(`No majority write through the cluster URI succeeded within ${deadline.timeoutMs}ms`, {
          waitingFor: 'a majority write through the cluster URI',
          timeoutMs: deadline.timeoutMs,
          cause: last,
        }),
    });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Boots a planned, rendered, supervised cluster. */
export async function bootCluster(ctx: BootContext): Promise<void> {
  const { rt } = ctx;
  const layout = rt.layout();
  const auth = layout.auth;
  if (layout.kind === 'standalone') {
    const node = await bootNode(ctx, layout.nodes[0].name);
    if (auth) {
      await createFirstUser(ctx, node);
      rt.conns.userWasCreated();
    }
    await majorityWrite(ctx);
  } else if (layout.kind === 'replicaSet') {
    const set = layout.replicaSets[0];
    await bootSetToPrimary(ctx, set.name);
    await waitSetReady(ctx, set.name);
    // After the set is ready: a majority write (or createUser, whose write concern is majority)
    // issued while secondaries still sync waits for their position reports, which can be slower
    // than waiting for them to be SECONDARY first.
    if (auth) {
      await createFirstUser(ctx, currentNode(rt, set.initialPrimary));
      rt.conns.userWasCreated();
    }
    await majorityWrite(ctx);
  } else {
    const configSet = layout.replicaSets.find((s) => s.role === 'configsvr')!;
    const shardSets = layout.replicaSets.filter((s) => s.role === 'shardsvr');
    const routers = layout.nodes.filter((n) => n.role === 'mongos').map((n) => n.name);
    // Critical path: config primary -> routers -> addShard. Secondaries finish syncing alongside.
    const primaries = new Map(layout.replicaSets.map((s) => [s.name, track(ctx, bootSetToPrimary(ctx, s.name))]));
    const ready = [...primaries].map(([name, p]) =>
      track(
        ctx,
        p.then(() => waitSetReady(ctx, name)),
      ),
    );
    const routersUp = track(
      ctx,
      primaries.get(configSet.name)!.then(() =>
        all(
          ctx,
          routers.map((r) => bootNode(ctx, r)),
        ),
      ),
    );
    // The cluster's user lives on the config servers and is created through a router, once.
    let routerUser: Promise<void> | undefined;
    const ensureRouterUser = () =>
      (routerUser ??= (async () => {
        await createFirstUser(ctx, currentNode(rt, routers[0]));
        rt.conns.userWasCreated();
      })());
    const added = shardSets.map((s) =>
      track(
        ctx,
        Promise.all([primaries.get(s.name)!, routersUp]).then(() =>
          addShard(
            ctx,
            rt.layout().replicaSets.find((x) => x.name === s.name)!,
            currentNode(rt, routers[0]),
            ensureRouterUser,
          ),
        ),
      ),
    );
    // Users and the final write once every shard is added and every set is ready (see above).
    const finished = track(
      ctx,
      Promise.all([...added, ...ready]).then(async () => {
        if (auth) {
          // Each shard gets the same user locally, so the per-node URIs of shard members authenticate too.
          await all(ctx, [
            ensureRouterUser(),
            ...shardSets.map((s) => createFirstUser(ctx, currentNode(rt, s.initialPrimary))),
          ]);
        }
        // As the user when auth is on: listShards is not open to the localhost exception.
        await waitShardsListed(
          ctx,
          currentNode(rt, routers[0]),
          shardSets.map((s) => s.name),
        );
        await majorityWrite(ctx);
      }),
    );
    await all<unknown>(ctx, [...primaries.values(), ...ready, routersUp, ...added, finished]);
  }
}
