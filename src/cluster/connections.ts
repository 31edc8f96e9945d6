// The driver connections mongo-topology itself uses to drive a cluster (hello, replSetInitiate,
// replSetStepUp, addShard, createUser, replSetGetStatus, ...): one direct connection per node and
// identity, made on first use and closed with the cluster. Which identity a command runs as:
// - no access control: none;
// - a mongod with a key file: the internal user `__system@local`, which authenticates with the key
//   (mongod's own member authentication). It works on every member, arbiters and shard members
//   included, before and after the first user exists, whatever roles that user has;
// - a router, or a standalone (no key file): unauthenticated through the localhost exception until
//   the first user exists, then as that user.
// Every command has a deadline (the driver's `timeoutMS`); errors that mean "try again" (network,
// server selection, not primary, shutting down) are told apart from real failures.

import createDebug from 'debug';
import {
  MongoClient,
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  type Document,
  type MongoClientOptions,
} from 'mongodb';
import type { ClusterLayout, NodeLayout } from './layout.js';
import { NotYet } from './watch.js';

const debug = createDebug('mongo-topology:connections');

/** Who a command runs as. */
export type Identity = 'none' | 'internal' | 'user';

/** Server error codes that mean "not now" rather than "never" (src/mongo/base/error_codes.yml). */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  74, // NodeNotFound (replSetInitiate quorum check)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  94, // NotYetInitialized
  133, // FailedToSatisfyReadPreference
  189, // PrimarySteppedDown
  202, // NetworkInterfaceExceededTimeLimit
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Whether a driver error means the command may succeed if tried again later. */
export function isTransient(e: unknown): boolean {
  if (e instanceof MongoNetworkError || e instanceof MongoServerSelectionError) return true;
  if (e instanceof MongoOperationTimeoutError) return true;
  if (e instanceof MongoServerError) {
    if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
    if (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('TransientTransactionError')) return true;
  }
  return false;
}

/** Options of one command. */
export interface CommandOptions {
  /** Deadline of this command (driver `timeoutMS`). */
  readonly timeoutMs: number;
  /** @default the node's identity (see the module header) */
  readonly as?: Identity;
  readonly signal?: AbortSignal;
  /** Database. @default 'admin' */
  readonly db?: string;
}

/** The connections of one cluster. */
export class Connections {
  readonly #clients = new Map<string, MongoClient>();
  readonly #retired: MongoClient[] = [];
  #userCreated: boolean;
  #closed = false;

  constructor(
    private readonly layout: () => ClusterLayout,
    /** The key file's contents, when the cluster has one: the internal user's password. */
    private readonly key?: string,
    options: { readonly userCreated?: boolean } = {},
  ) {
    this.#userCreated = options.userCreated ?? false;
  }

  /** Whether the first user exists (from then on routers and a standalone authenticate as it). */
  get userCreated(): boolean {
    return this.#userCreated;
  }

  /** Switches routers and a standalone to the user's credentials (after the boot created it). */
  userWasCreated(): void {
    this.#userCreated = true;
    // Unauthenticated connections lose the localhost exception now: new commands get fresh clients.
    // The old ones are only retired, not closed: other boot steps may have a command in flight on
    // them (a router's hello), and closing would interrupt it with MongoClientClosedError. They are
    // closed with the rest in close().
    const stale = [...this.#clients.entries()].filter(([k]) => k.endsWith('|none'));
    for (const [k, c] of stale) {
      this.#clients.delete(k);
      this.#retired.push(c);
    }
  }

  /** The identity commands on `node` run as by default. */
  identityFor(node: NodeLayout): Identity {
    const auth = this.layout().auth;
    if (!auth) return 'none';
    if (node.binary === 'mongod' && this.key !== undefined) return 'internal';
    return this.#userCreated && !node.arbiter ? 'user' : 'none';
  }

  /** A direct client to `node` as `as`, made on first use. */
  client(node: NodeLayout, as: Identity = this.identityFor(node)): MongoClient {
    if (this.#closed) throw new Error('the cluster connections are closed');
    const key = `${node.address}|${as}`;
    let c = this.#clients.get(key);
    if (!c) {
      c = new MongoClient(`mongodb://${node.address}/?directConnection=true`, this.#options(as));
      this.#clients.set(key, c);
      debug('client for %s as %s', node.name, as);
    }
    return c;
  }

  #options(as: Identity): MongoClientOptions {
    const base: MongoClientOptions = {
      appName: 'mongo-topology',
      serverSelectionTimeoutMS: 2_000,
      connectTimeoutMS: 2_000,
      maxPoolSize: 4,
      minPoolSize: 0,
      retryWrites: false,
      retryReads: false,
    };
    const auth = this.layout().auth;
    if (as === 'internal') {
      if (this.key === undefined) throw new Error('no key file: cannot authenticate as the internal user');
      return { ...base, auth: { username: '__system', password: this.key }, authSource: 'local' };
    }
    if (as === 'user' && auth) {
      return { ...base, auth: { username: auth.username, password: auth.password }, authSource: auth.authSource };
    }
    return base;
  }

  /** Runs a command on `node`. Driver errors are thrown as they are. */
  async command(node: NodeLayout, cmd: Document, options: CommandOptions): Promise<Document> {
    const client = this.client(node, options.as);
    return client.db(options.db ?? 'admin').command(cmd, {
      timeoutMS: Math.max(1, Math.ceil(options.timeoutMs)),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * Runs a command on `node`; errors that mean "try again" become {@link NotYet} (for waits), the
   * rest are thrown as they are.
   */
  async attempt(node: NodeLayout, cmd: Document, options: CommandOptions): Promise<Document> {
    try {
      return await this.command(node, cmd, options);
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (isTransient(e))
        throw new NotYet(`${Object.keys(cmd)[0]} on ${node.name}: ${(e as Error).message}`, { cause: e });
      throw e;
    }
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#clients.values(), ...this.#retired.splice(0)];
    this.#clients.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
