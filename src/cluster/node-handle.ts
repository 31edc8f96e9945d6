// A handle on one node of a running cluster: where it is, what the supervisor says about its process,
// and the fault hooks (kill, stop, start, restart, step down, freeze, and expectAutoRestart, which
// kills the node and proves that the supervisor brought it back and that it rejoined its set). The
// same handle works in the process that started the cluster and in one that attached to it.
//
// kill('SIGKILL') vs kill('SIGTERM') vs stop(): programs run with supervisord's
// `autorestart=unexpected` and the default `exitcodes=0`. A process killed by a signal (SIGKILL)
// ends "unexpectedly", so the supervisor starts it again at once. mongod and mongos shut down
// cleanly on SIGTERM/SIGINT and exit with status 0, which is an *expected* exit: the supervisor
// leaves the node EXITED (supervisord 4.2.5 does the same). `stop()` is the supervisor's own stop
// (SIGINT, SIGKILL after the stop timeout): the node stays STOPPED until `start()`. One exception,
// also supervisord's: a process that ends within `startsecs` of being started (the spec's
// `supervision({ startSecs })`, 1 s by default) "exited too quickly" whatever its status, and is
// retried after a backoff, so a SIGTERM that soon after a start is followed by a restart too.

import type { Document } from 'mongodb';
import { MongoNetworkError } from 'mongodb';
import {
  AutoRestartError,
  StartupTimeoutError,
  TopologyConfigError,
  isMongoTopologyError,
  type AutoRestartEvidence,
} from '../errors.js';
import type { ProcessInfo, SupervisorEvent } from '../supervisor/control/types.js';
import type { NodeLayout, ReplicaSetLayout } from './layout.js';
import { LOG_ID, logIdOf } from './log-lines.js';
import { startAndWaitListening, waitHello } from './node-ops.js';
import {
  findPrimary,
  memberState,
  termOf,
  waitForPrimary,
  waitMemberHealthy,
  type MemberStateName,
} from './replica-set-ops.js';
import { currentNode, nodeEvidence, type ClusterRuntime } from './runtime.js';
import { nodeUri } from './uri.js';
import { Deadline, NotYet } from './watch.js';

/** What node handles need from the cluster they belong to. */
export interface HandleContext {
  readonly rt: ClusterRuntime;
  /** Throws when the cluster was stopped or detached. */
  assertUsable(): void;
  /** Default deadline of hooks that wait. */
  readonly defaultTimeoutMs: number;
  /** The handle of a node by name. */
  handle(name: string): NodeHandle;
}

/** Options of hooks that wait. */
export interface HookOptions {
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** Ends the wait early (rejecting with the signal's reason). */
  readonly abortSignal?: AbortSignal;
}

/** Options of {@link NodeHandle.expectAutoRestart}. */
export interface ExpectAutoRestartOptions extends HookOptions {
  /** The signal to kill the node with. Only a death by signal is restarted (see the module notes). @default 'SIGKILL' */
  readonly signal?: NodeJS.Signals;
  /** For replica-set members: also wait until the set has a writable primary again. @default true */
  readonly waitForPrimary?: boolean;
}

/** Options of {@link NodeHandle.stepDown}. */
export interface StepDownOptions extends HookOptions {
  /** Seconds the node may not become primary again (mongod's `replSetStepDown`). @default 60 */
  readonly stepDownSecs?: number;
  /** Seconds to wait for a caught-up secondary. @default 10 (at most `stepDownSecs`) */
  readonly secondaryCatchUpPeriodSecs?: number;
  /** Step down even without a caught-up secondary. @default false */
  readonly force?: boolean;
  /** Wait until another member is the writable primary. @default true when the set has another electable member */
  readonly waitForNewPrimary?: boolean;
}

/** How a node is doing right now. */
export type NodeHealth = MemberStateName | 'ROUTER' | 'STANDALONE';

/**
 * One node of a running cluster, with fault hooks.
 *
 * @example
 * ```ts
 * const evidence = await cluster.primary().then((p) => p.expectAutoRestart());
 * evidence.newPid !== evidence.oldPid; // true
 * ```
 */
export class NodeHandle {
  /** @internal */
  constructor(
    private readonly ctx: HandleContext,
    /** Stable node name: `standalone`, `rs0-1`, `shard1-0`, `config-0`, `mongos-0`. */
    readonly name: string,
  ) {}

  /** The node's layout (address, files, role). */
  get layout(): NodeLayout {
    return currentNode(this.ctx.rt, this.name);
  }
  get role(): NodeLayout['role'] {
    return this.layout.role;
  }
  /** Its replica set, if it is a member of one. */
  get replicaSet(): string | undefined {
    return this.layout.replicaSet;
  }
  get host(): string {
    return this.layout.host;
  }
  get port(): number {
    return this.layout.port;
  }
  /** `host:port`. */
  get address(): string {
    return this.layout.address;
  }
  /** A URI for this node alone (`directConnection=true`, with the user when auth is on, except for arbiters). */
  get uri(): string {
    return nodeUri(this.ctx.rt.layout(), this.layout);
  }
  /** The node's log file (its stdout and stderr, written by the supervisor). */
  get logFile(): string {
    return this.layout.logFile;
  }
  /** Its data directory; routers have none. */
  get dataDir(): string | undefined {
    return this.layout.dataDir;
  }
  get configFile(): string {
    return this.layout.configFile;
  }
  get arbiter(): boolean {
    return this.layout.arbiter;
  }
  get hidden(): boolean {
    return this.layout.hidden;
  }

  #set(): ReplicaSetLayout | undefined {
    const name = this.layout.replicaSet;
    return name === undefined ? undefined : this.ctx.rt.layout().replicaSets.find((s) => s.name === name);
  }

  #deadline(options: HookOptions | undefined): Deadline {
    return new Deadline(options?.timeoutMs ?? this.ctx.defaultTimeoutMs, options?.abortSignal);
  }

  /** The supervisor's view of the node's process. */
  async info(): Promise<ProcessInfo> {
    this.ctx.assertUsable();
    return this.ctx.rt.control.info(this.layout.namespec);
  }

  /** The pid of the node's process, 0 when it is not running. */
  async pid(): Promise<number> {
    return (await this.info()).pid;
  }

  /** The node's `hello` reply. */
  async hello(options: HookOptions = {}): Promise<Document> {
    this.ctx.assertUsable();
    const d = this.#deadline({ timeoutMs: 10_000, ...options });
    return this.ctx.rt.conns.command(this.layout, { hello: 1 }, { timeoutMs: d.remainingMs(), signal: d.signal });
  }

  /** The node's own state: its replica-set member state, `ROUTER` or `STANDALONE`. */
  async state(options: HookOptions = {}): Promise<NodeHealth> {
    this.ctx.assertUsable();
    if (this.role === 'mongos') return 'ROUTER';
    if (this.role === 'standalone') return 'STANDALONE';
    return memberState(this.ctx.rt, this.layout, this.#deadline({ timeoutMs: 10_000, ...options }));
  }

  /** The last `bytes` of the node's log. */
  async logs(options: { readonly bytes?: number } = {}): Promise<string> {
    this.ctx.assertUsable();
    return this.ctx.rt.control.tail(this.layout.namespec, { bytes: options.bytes ?? 16_000 });
  }

  /**
   * Sends a signal to the node's process. SIGKILL makes the supervisor start it again; SIGTERM and
   * SIGINT make it shut down cleanly and stay down (see the module notes). Returns the pid signalled.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ readonly pid: number; readonly signal: NodeJS.Signals }> {
    this.ctx.assertUsable();
    const before = await this.ctx.rt.control.info(this.layout.namespec);
    await this.ctx.rt.control.signal(this.layout.namespec, signal.replace(/^SIG/, ''));
    return { pid: before.pid, signal };
  }

  /** Stops the node cleanly through the supervisor (SIGINT, SIGKILL after the stop timeout). It stays stopped. */
  async stop(options: HookOptions = {}): Promise<void> {
    this.ctx.assertUsable();
    await this.ctx.rt.control.stop(this.layout.namespec, { timeoutMs: options.timeoutMs ?? this.ctx.defaultTimeoutMs });
  }

  /**
   * Starts the node (if it is not running) and waits until it is healthy: listening, answering
   * hello and, for a replica-set member, PRIMARY, SECONDARY or ARBITER.
   */
  async start(options: HookOptions = {}): Promise<NodeHealth> {
    this.ctx.assertUsable();
    const d = this.#deadline(options);
    const node = this.layout;
    const info = await this.ctx.rt.control.info(node.namespec);
    if (info.state !== 'RUNNING' && info.state !== 'STARTING') {
      await startAndWaitListening(this.ctx.rt, node, d);
    }
    return this.waitHealthy({ ...options, timeoutMs: d.remainingMs() });
  }

  /** Stops the node cleanly, then starts it and waits until it is healthy. */
  async restart(options: HookOptions = {}): Promise<NodeHealth> {
    const d = this.#deadline(options);
    await this.stop({ timeoutMs: d.remainingMs() });
    return this.start({ ...options, timeoutMs: d.remainingMs() });
  }

  /** Waits until the node answers hello and, for a member, is PRIMARY, SECONDARY or ARBITER. */
  async waitHealthy(options: HookOptions = {}): Promise<NodeHealth> {
    this.ctx.assertUsable();
    const d = this.#deadline(options);
    const node = this.layout;
    await waitHello(this.ctx.rt, node, d);
    const set = this.#set();
    if (set) return waitMemberHealthy(this.ctx.rt, set, node, d);
    return node.role === 'mongos' ? 'ROUTER' : 'STANDALONE';
  }

  /**
   * Steps the node down from primary (`replSetStepDown`) and, by default, waits until another member
   * is the writable primary, which it returns.
   */
  async stepDown(options: StepDownOptions = {}): Promise<{ readonly newPrimary?: NodeHandle }> {
    this.ctx.assertUsable();
    const set = this.#requireSet('stepDown');
    const d = this.#deadline(options);
    const secs = options.stepDownSecs ?? 60;
    try {
      await this.ctx.rt.conns.command(
        this.layout,
        {
          replSetStepDown: secs,
          secondaryCatchUpPeriodSecs: options.secondaryCatchUpPeriodSecs ?? Math.min(10, secs),
          ...(options.force ? { force: true } : {}),
        },
        { timeoutMs: d.remainingMs(), signal: d.signal },
      );
    } catch (e) {
      // Servers before 4.2 close every connection when they step down.
      if (!(e instanceof MongoNetworkError)) throw e;
    }
    const others = set.members.filter((m) => m !== this.name);
    const electableOthers = others.some((m) => {
      const doc = set.config.members[currentNode(this.ctx.rt, m).memberIndex!];
      return doc !== undefined && !doc.arbiterOnly && !doc.hidden && doc.priority > 0 && doc.votes === 1;
    });
    if (!(options.waitForNewPrimary ?? electableOthers)) return {};
    const p = await waitForPrimary(this.ctx.rt, set, d, { notNode: this.name });
    return { newPrimary: this.ctx.handle(p.node.name) };
  }

  /** Keeps the node from seeking election for `seconds` (`replSetFreeze`; 0 unfreezes). */
  async freeze(seconds: number, options: HookOptions = {}): Promise<void> {
    this.ctx.assertUsable();
    this.#requireSet('freeze');
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new TopologyConfigError(`freeze(${seconds}): seconds must be a number >= 0`);
    const d = this.#deadline({ timeoutMs: 10_000, ...options });
    await this.ctx.rt.conns.command(
      this.layout,
      { replSetFreeze: seconds },
      { timeoutMs: d.remainingMs(), signal: d.signal },
    );
  }

  #requireSet(hook: string): ReplicaSetLayout {
    const set = this.#set();
    if (!set) {
      throw new TopologyConfigError(`${hook}() needs a replica-set member; ${this.name} is a ${this.role} node`);
    }
    return set;
  }

  /**
   * Kills the node (SIGKILL by default) and proves it came back: the supervisor restarts it under a
   * new pid, it listens again, it is healthy in its set (PRIMARY/SECONDARY/ARBITER; a router answers
   * hello) and, by default, its set has a writable primary again. Returns what was observed.
   *
   * @throws AutoRestartError with the evidence gathered so far when it does not come back in time,
   *   or when the kill makes the process exit cleanly (SIGTERM/SIGINT), which the supervisor does not
   *   restart.
   */
  async expectAutoRestart(options: ExpectAutoRestartOptions = {}): Promise<AutoRestartEvidence> {
    this.ctx.assertUsable();
    const rt = this.ctx.rt;
    const node = this.layout;
    const ns = node.namespec;
    const signal = options.signal ?? 'SIGKILL';
    const d = this.#deadline(options);
    const set = this.#set();
    const evidence: Partial<Record<keyof AutoRestartEvidence, unknown>> = { node: node.name, signal };
    const fail = (phase: string, message: string, cause?: unknown): AutoRestartError =>
      new AutoRestartError(`Node ${node.name} (${node.address}) ${message}`, {
        ...nodeEvidence(node),
        phase,
        evidence: { ...evidence } as Partial<AutoRestartEvidence>,
        ...(isMongoTopologyError(cause) && cause.timeoutMs !== undefined ? { timeoutMs: cause.timeoutMs } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });

    const before = await rt.control.info(ns);
    if (before.pid === 0 || (before.state !== 'RUNNING' && before.state !== 'STARTING')) {
      throw fail('exit', `is not running (supervisor state ${before.state}); start it before killing it`);
    }
    const oldPid = before.pid;
    evidence.oldPid = oldPid;
    const primaryBefore = set ? await findPrimary(rt, set, new Deadline(5_000, d.signal)) : undefined;
    if (primaryBefore) evidence.primaryBefore = primaryBefore.node.name;

    // Everything after the kill is recorded from the supervisor's streams, subscribed before the kill.
    let exit: Extract<SupervisorEvent, { type: 'PROCESS_STATE_EXITED' }> | undefined;
    let gaveUp: SupervisorEvent | undefined;
    let respawnAt: number | undefined;
    let exitStatus: number | null | undefined;
    let listening: { pid: number; time: number } | undefined;
    const offEvent = rt.watch.onEvent((e) => {
      if (!('name' in e) || e.name !== ns) return;
      if (e.type === 'PROCESS_STATE_EXITED' && e.pid === oldPid) exit ??= e;
      else if (e.type === 'PROCESS_STATE_BACKOFF') {
        // Killed within startsecs of its start: a failed start to the supervisor, retried after a backoff.
        if (e.fromState === 'STARTING' && exitStatus === undefined) exitStatus = e.exitStatus ?? null;
      } else if (e.type === 'PROCESS_STATE_FATAL') gaveUp ??= e;
      else if (e.type === 'PROCESS_STATE_STARTING' && (e.fromState === 'EXITED' || e.fromState === 'BACKOFF'))
        respawnAt ??= e.time;
    });
    const offLine = rt.watch.onLine((l) => {
      if (l.name === ns && l.pid !== oldPid && l.pid !== 0 && logIdOf(l.text) === LOG_ID.waitingForConnections)
        listening ??= { pid: l.pid, time: l.time };
    });
    const killedAt = Date.now();
    const since = (t: number) => Math.max(0, t - killedAt);
    try {
      await rt.control.signal(ns, signal.replace(/^SIG/, ''));
      const wake = (e: SupervisorEvent) => 'name' in e && e.name === ns;
      // 1. The process ended and the supervisor started a new one.
      let newPid: number;
      try {
        newPid = await rt.watch.waitUntil({
          what: `${node.name} to be started again by the supervisor after ${signal}`,
          deadline: d,
          check: async () => {
            if (gaveUp) throw fail('respawn', 'could not be started again: the supervisor gave up on it (FATAL)');
            const info = await rt.control.info(ns);
            if (exit?.expected || (info.state === 'EXITED' && info.exitStatus === 0)) {
              evidence.exitStatus = exit?.exitStatus ?? info.exitStatus;
              throw fail(
                'respawn',
                `exited with status ${info.exitStatus} after ${signal}: a clean shutdown, which autorestart=unexpected does not restart (kill it with SIGKILL, or use stop() and start())`,
              );
            }
            if (info.pid !== 0 && info.pid !== oldPid) {
              // A process that ended within startsecs of its start is retried (BACKOFF): status unknown.
              evidence.exitStatus = exit?.exitStatus ?? exitStatus ?? null;
              return info.pid;
            }
            throw new NotYet(`${node.name} is ${info.state}`);
          },
          wakeOnEvent: wake,
          pollMs: 250,
        });
      } catch (e) {
        if (e instanceof AutoRestartError) throw e;
        throw fail(
          exit ? 'respawn' : 'exit',
          exit ? 'was not started again by the supervisor in time' : `did not exit after ${signal}`,
          e,
        );
      }
      evidence.newPid = newPid;
      evidence.respawnMs = since(respawnAt ?? Date.now());
      // 2. The new process listens.
      try {
        await rt.watch.waitUntil({
          what: `${node.name} (pid ${newPid}) to log id ${LOG_ID.waitingForConnections}`,
          deadline: d,
          check: async () => {
            if (listening) return listening;
            const info = await rt.control.info(ns);
            if (info.pid !== newPid && info.pid !== 0) newPid = info.pid;
            return undefined;
          },
          wakeOnLine: (l) => l.name === ns,
          wakeOnEvent: wake,
          pollMs: 1_000,
        });
      } catch (e) {
        throw fail('listening', 'was started again but did not listen in time', e);
      }
      evidence.newPid = listening!.pid;
      evidence.listeningMs = since(listening!.time);
      // 3. It is healthy in its set (or answers hello).
      let state: NodeHealth;
      try {
        await waitHello(rt, node, d);
        state = set ? await waitMemberHealthy(rt, set, node, d) : node.role === 'mongos' ? 'ROUTER' : 'STANDALONE';
      } catch (e) {
        throw fail('healthy', 'came back but did not become healthy in time', e);
      }
      evidence.state = state;
      evidence.readyMs = since(Date.now());
      evidence.newPrimaryElected = false;
      // 4. Its set has a writable primary again.
      if (set && (options.waitForPrimary ?? true)) {
        try {
          const after = await waitForPrimary(rt, set, d);
          evidence.primaryAfter = after.node.name;
          evidence.newPrimaryElected =
            !primaryBefore ||
            after.node.name !== primaryBefore.node.name ||
            termOf(after.hello) > termOf(primaryBefore.hello);
        } catch (e) {
          throw fail('primary', `came back, but its set ${set.name} has no writable primary`, e);
        }
      }
      evidence.restartCount = (await rt.control.info(ns)).restartCount;
      return evidence as unknown as AutoRestartEvidence;
    } catch (e) {
      if (e instanceof AutoRestartError || !(e instanceof StartupTimeoutError)) throw e;
      throw fail('unknown', 'did not come back', e);
    } finally {
      offEvent();
      offLine();
    }
  }
}
