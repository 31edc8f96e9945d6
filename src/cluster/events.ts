// The typed events of a cluster's life (style-guide.md §8 rule 15): the library prints nothing; it
// emits these, the CLI renders them and tests assert on them. Every event is also written to the
// `mongo-topology:cluster` debug namespace. A listener that throws never breaks the boot.

import createDebug from 'debug';
import type { BinaryEvent, BinaryInfo, BinarySource } from '../binaries/types.js';
import type { SupervisorMode } from './layout.js';

const debug = createDebug('mongo-topology:cluster');

interface At {
  /** When it happened, ms since the epoch. */
  readonly time: number;
}

/** Something that happened to a cluster. Discriminated by `type`. */
export type ClusterEvent = At &
  (
    | {
        /** Binary resolution made progress (download, cache hit, version check). */
        readonly type: 'binaryProgress';
        readonly event: BinaryEvent;
      }
    | {
        readonly type: 'binaryResolved';
        readonly source: BinarySource;
        readonly mongod: BinaryInfo;
        readonly mongos?: BinaryInfo;
      }
    | {
        /** The cluster directory is written and every node has its port. */
        readonly type: 'planned';
        readonly clusterDir: string;
        readonly nodes: readonly { readonly name: string; readonly address: string }[];
      }
    | {
        readonly type: 'supervisorStarted';
        readonly mode: SupervisorMode;
        readonly url: string;
        readonly pid: number;
      }
    | {
        readonly type: 'nodeStarting';
        readonly node: string;
        readonly address: string;
        /** 1 for the first start; more after a port collision. */
        readonly attempt: number;
      }
    | {
        /** A node was moved to another port because its own was taken. */
        readonly type: 'portReassigned';
        readonly node: string;
        readonly fromPort: number;
        readonly toPort: number;
        readonly reason: 'taken-before-start' | 'address-in-use';
      }
    | {
        /** A node logged "Waiting for connections" (23016) and answered `hello`. */
        readonly type: 'nodeReady';
        readonly node: string;
        readonly address: string;
        readonly pid: number;
        /** From the start request to `hello`. */
        readonly elapsedMs: number;
      }
    | {
        readonly type: 'replicaSetInitiated';
        readonly replicaSet: string;
        /** The member `replSetInitiate` ran on. */
        readonly node: string;
      }
    | {
        /** A member became the set's writable primary during the boot. */
        readonly type: 'primaryElected';
        readonly replicaSet: string;
        readonly node: string;
        /** From `replSetInitiate` to writable. */
        readonly elapsedMs: number;
      }
    | {
        /** Every member of a set is PRIMARY, SECONDARY or ARBITER. */
        readonly type: 'replicaSetReady';
        readonly replicaSet: string;
      }
    | {
        readonly type: 'shardAdded';
        readonly shard: string;
        readonly connectionString: string;
      }
    | {
        /** The first user was created through the localhost exception. */
        readonly type: 'userCreated';
        readonly username: string;
        /** The node it was created on (a router, a primary, a standalone). */
        readonly node: string;
      }
    | {
        /** The boot is done: a majority write through `uri` succeeded. */
        readonly type: 'clusterReady';
        readonly uri: string;
        /** From `start()` to ready. */
        readonly elapsedMs: number;
      }
    | {
        /**
         * A node's process ended. `expected` is the supervisor's view: exit status 0 after startsecs is
         * expected (not restarted); a death by signal, another status, or any end within startsecs is not.
         */
        readonly type: 'nodeExited';
        readonly node: string;
        /** The pid that ended (0 when unknown). */
        readonly pid: number;
        readonly expected: boolean;
        /** Its exit status, -1 when killed by a signal, null when unknown. */
        readonly exitStatus: number | null;
      }
    | {
        /** The supervisor started a node again after it exited on its own (autorestart). */
        readonly type: 'nodeRestarted';
        readonly node: string;
        readonly pid: number;
        readonly previousPid?: number;
      }
    | { readonly type: 'stopping' }
    | {
        readonly type: 'stopped';
        /** Whether the cluster directory was kept. */
        readonly kept: boolean;
      }
  );

export type ClusterEventType = ClusterEvent['type'];
export type ClusterEventOf<T extends ClusterEventType> = Extract<ClusterEvent, { readonly type: T }>;
/** An event as emitted, before its time is stamped. */
export type ClusterEventInit = ClusterEvent extends infer E
  ? E extends ClusterEvent
    ? Omit<E, 'time'>
    : never
  : never;

type Listener = (e: ClusterEvent) => void;

/** Fan-out of cluster events to listeners registered by type (or `*` for all). */
export class ClusterEvents {
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(private readonly extra?: Listener) {}

  on<T extends ClusterEventType | '*'>(
    type: T,
    listener: (e: T extends ClusterEventType ? ClusterEventOf<T> : ClusterEvent) => void,
  ): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  emit(init: ClusterEventInit): ClusterEvent {
    const e = { time: Date.now(), ...init } as ClusterEvent;
    debug('%s %o', e.type, e);
    const targets = [
      ...(this.extra ? [this.extra] : []),
      ...(this.#listeners.get(e.type) ?? []),
      ...(this.#listeners.get('*') ?? []),
    ];
    for (const l of targets) {
      try {
        l(e);
      } catch (err) {
        debug('listener for %s threw (ignored): %O', e.type, err);
      }
    }
    return e;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
