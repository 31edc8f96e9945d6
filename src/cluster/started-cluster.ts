// The two states of a cluster this process started (style-guide.md §8 rule 3, testcontainers'
// Started/Stopped types): a StartedCluster has the URI, node handles and fault hooks, and `stop()`;
// stopping returns a StoppedCluster that only names the directory, log files and data directories
// that remain for a post-mortem (if they were kept), so there are no fault hooks left to misuse.

import { join } from 'node:path';
import { TopologyConfigError } from '../errors.js';
import { ClusterHandle } from './cluster-handle.js';
import type { ClusterRuntime } from './runtime.js';
import { STATE_FILE } from './state-file.js';
import { teardownError, type OwnedResources } from './teardown.js';

/** Options of {@link StartedCluster.stop}. */
export interface StopOptions {
  /**
   * Per node: how long a clean shutdown may take before SIGKILL.
   * @default the spec's `timeouts({ stopMs })` (30_000)
   */
  readonly timeoutMs?: number;
}

/**
 * A stopped cluster: what is left to look at. When the directory was not kept, the paths name files
 * that no longer exist.
 */
export class StoppedCluster {
  /** @internal */
  constructor(
    readonly name: string,
    /** The cluster directory. */
    readonly clusterDir: string,
    /** Whether the directory (data, logs, cluster.json) was kept. */
    readonly kept: boolean,
    /** Each node's log file, by node name. */
    readonly logFiles: Readonly<Record<string, string>>,
    /** Each mongod's data directory, by node name. */
    readonly dataDirs: Readonly<Record<string, string>>,
    /** The supervisor's own log. */
    readonly supervisorLogFile: string,
  ) {
    Object.freeze(this);
  }

  /** The state file (cluster.json), which says `"state": "stopped"` when kept. */
  get stateFile(): string {
    return join(this.clusterDir, STATE_FILE);
  }
}

/**
 * A running cluster started by this process. Stop it with `stop()` or `await using`.
 *
 * @example
 * ```ts
 * await using c = await cluster().replicaSet(3).start();
 * await c.client().db('app').collection('t').insertOne({ a: 1 });
 * const evidence = await (await c.primary()).expectAutoRestart();
 * ```
 */
export class StartedCluster extends ClusterHandle implements AsyncDisposable {
  #stopped: Promise<StoppedCluster> | undefined;
  #detached = false;

  /** @internal */
  constructor(
    rt: ClusterRuntime,
    private readonly resources: OwnedResources,
    private readonly defaultStopMs: number,
    defaultTimeoutMs: number,
  ) {
    super(rt, defaultTimeoutMs);
  }

  protected assertUsable(): void {
    if (this.#detached)
      throw new TopologyConfigError(
        `Cluster ${this.name} was detached from this process: attach(stateFile) to drive it again`,
      );
    if (this.#stopped)
      throw new TopologyConfigError(`Cluster ${this.name} is stopped; its nodes can no longer be used`);
  }

  /** cluster.json, for other processes to {@link attach} to this cluster. */
  get stateFile(): string {
    return join(this.clusterDir, STATE_FILE);
  }

  /** Whether `stop()` keeps the cluster directory. */
  get keepsData(): boolean {
    return this.resources.keep;
  }

  /**
   * Stops the cluster: routers, then shards (or the set), then config servers, each cleanly with a
   * deadline and then SIGKILL; then the supervisor; removes the cluster directory unless kept.
   * Idempotent: later calls return the same stopped cluster.
   *
   * @throws SupervisorError (after every step ran) when something could not be stopped or removed.
   */
  stop(options: StopOptions = {}): Promise<StoppedCluster> {
    if (this.#detached) {
      return Promise.reject(
        new TopologyConfigError(
          `Cluster ${this.name} was detached from this process: stop it with attach(stateFile).stop() (or mongo-topology down)`,
        ),
      );
    }
    this.#stopped ??= this.#stop(options.timeoutMs ?? this.defaultStopMs);
    return this.#stopped;
  }

  async #stop(stopMs: number): Promise<StoppedCluster> {
    const layout = this.rt.layout();
    this.rt.events.emit({ type: 'stopping' });
    await this.release();
    const problems = await this.resources.teardown(stopMs);
    this.rt.events.emit({ type: 'stopped', kept: this.resources.keep });
    this.rt.events.clear();
    const stopped = new StoppedCluster(
      layout.name,
      layout.clusterDir,
      this.resources.keep,
      Object.fromEntries(layout.nodes.map((n) => [n.name, n.logFile])),
      Object.fromEntries(layout.nodes.flatMap((n) => (n.dataDir !== undefined ? [[n.name, n.dataDir]] : []))),
      layout.supervisor.logFile,
    );
    if (problems.length > 0) throw teardownError(layout.name, problems);
    return stopped;
  }

  /**
   * Lets go of a cluster whose supervisor runs as a daemon (`start({ supervisor: { mode: 'daemon' } })`),
   * leaving it running: this process's connections, streams, port locks and reaper are released, and
   * the handles become unusable. The cluster stays reachable through its URI, and {@link attach} on
   * its state file (from any process) drives or stops it. This is how `mongo-topology up -d` returns.
   *
   * @throws TopologyConfigError for an in-process supervisor (it ends with this process: use `stop()`).
   */
  async detach(): Promise<void> {
    if (this.rt.layout().supervisor.mode !== 'daemon') {
      throw new TopologyConfigError(
        `Cluster ${this.name} is supervised inside this process, so it cannot outlive it: stop() it, or start it with { supervisor: { mode: 'daemon' } } to detach`,
      );
    }
    if (this.#detached || this.#stopped) return;
    this.#detached = true;
    await this.release();
    await this.resources.detach();
    this.rt.events.clear();
  }

  /** `await using` support: stops the cluster. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#detached) return; // it outlives this scope on purpose
    await this.stop();
  }
}
