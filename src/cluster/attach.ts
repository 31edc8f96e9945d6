// attach(stateFileOrDir): drives a cluster started by another process (vitest globalSetup, jest
// globalSetup, `npx mongo-topology up`, another terminal) through its cluster.json and the
// supervisor's control API: the same node handles, selectors, waits and fault hooks as the process
// that started it, so a test in a worker can kill a node and see it come back.
//
// Stopping from an attached process: `stop()` is refused while the process that started the cluster
// is alive (it owns the cluster and stops it; stopping behind its back would leave it holding a dead
// cluster), and refused for a cluster whose supervisor runs inside that process. It works for a
// cluster whose supervisor is a daemon and whose starter has exited, which is what the CLI's
// detached clusters are. `detach()` (or `await using`) only closes this process's connections.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisorError, TopologyConfigError } from '../errors.js';
import { SupervisorClient } from '../supervisor/control/client.js';
import { ClusterHandle } from './cluster-handle.js';
import { Connections } from './connections.js';
import { ClusterEvents, type ClusterEvent } from './events.js';
import type { ClusterLayout } from './layout.js';
import { followLifecycle } from './lifecycle.js';
import type { ClusterRuntime } from './runtime.js';
import { StoppedCluster, type StopOptions } from './started-cluster.js';
import { layoutOfState, readStateFile, STATE_FILE, type ClusterStateFile } from './state-file.js';
import { alive, daemonHost } from './supervisor-host.js';
import { OwnedResources, teardownError } from './teardown.js';
import { SupervisorWatch } from './watch.js';

/** Options of {@link attach}. */
export interface AttachOptions {
  /** Default deadline of the hooks that wait. @default 60_000 */
  readonly timeoutMs?: number;
  /** Receives node events (`nodeExited`, `nodeRestarted`) seen from now on. */
  readonly onEvent?: (event: ClusterEvent) => void;
}

/** No ports are held by an attached process. */
const NO_PORTS = {
  allocate: () => Promise.reject(new Error('an attached cluster allocates no ports')),
  reserve: () => Promise.resolve(),
  release: () => Promise.resolve(),
};

/**
 * A cluster started by another process, driven from this one. Detach with `detach()` or
 * `await using`; see the module notes for `stop()`.
 *
 * @example
 * ```ts
 * await using c = await attach(inject('mongoTopology').stateFile);
 * const evidence = await c.node('rs0-1').expectAutoRestart();
 * ```
 */
export class AttachedCluster extends ClusterHandle implements AsyncDisposable {
  #detached: Promise<void> | undefined;
  #stopped: Promise<StoppedCluster> | undefined;

  /** @internal */
  constructor(
    rt: ClusterRuntime,
    private readonly state: ClusterStateFile,
    private readonly stopFollowing: () => void,
    defaultTimeoutMs: number,
  ) {
    super(rt, defaultTimeoutMs);
  }

  protected assertUsable(): void {
    if (this.#stopped) throw new TopologyConfigError(`Cluster ${this.name} was stopped through this attachment`);
    if (this.#detached) throw new TopologyConfigError(`Detached from cluster ${this.name}; attach again to use it`);
  }

  /** The cluster.json this attachment was made from. */
  get stateFile(): string {
    return join(this.clusterDir, STATE_FILE);
  }

  /** The process that started the cluster. */
  get ownerPid(): number {
    return this.state.owner.pid;
  }

  /** Closes this process's connections to the cluster; the cluster keeps running. Idempotent. */
  detach(): Promise<void> {
    this.#detached ??= (async () => {
      this.stopFollowing();
      await this.release();
      await this.rt.conns.close();
      await this.rt.watch.close();
    })();
    return this.#detached;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.detach();
  }

  /**
   * Stops a cluster whose supervisor is a daemon and whose starting process has exited (the CLI's
   * clusters): routers, data nodes, config servers, the daemon; removes the directory unless kept.
   *
   * @throws TopologyConfigError while the starting process is alive, or when the supervisor runs inside it.
   */
  stop(options: StopOptions = {}): Promise<StoppedCluster> {
    this.assertUsable();
    const s = this.state;
    if (s.owner.pid !== process.pid && alive(s.owner.pid)) {
      return Promise.reject(
        new TopologyConfigError(
          `Cluster ${this.name} belongs to process ${s.owner.pid}, which is still running: stop it there (attached processes may only detach)`,
        ),
      );
    }
    if (s.supervisor.mode !== 'daemon') {
      return Promise.reject(
        new TopologyConfigError(
          `Cluster ${this.name} runs its supervisor inside process ${s.owner.pid}; it cannot be stopped from here`,
        ),
      );
    }
    this.#stopped ??= this.#stop(options.timeoutMs ?? this.rt.layout().definition.timeouts.stopMs);
    return this.#stopped;
  }

  async #stop(stopMs: number): Promise<StoppedCluster> {
    const layout = this.rt.layout();
    const s = this.state;
    this.stopFollowing();
    await this.release();
    const res = new OwnedResources(
      { path: layout.clusterDir, ownsDir: s.ownsDir },
      s.keep,
      NO_PORTS,
      new Date(s.owner.startedAt),
    );
    res.layout = layout;
    res.conns = this.rt.conns;
    res.watch = this.rt.watch;
    res.host = daemonHost(this.rt.control as SupervisorClient, s.supervisor.pid, s.supervisor.url);
    for (const p of await this.rt.control.status().catch(() => [])) {
      const node = layout.nodes.find((n) => n.namespec === p.name);
      if (node) res.pids.set(node.name, p.pid);
    }
    const problems = await res.teardown(stopMs);
    const stopped = new StoppedCluster(
      layout.name,
      layout.clusterDir,
      s.keep,
      Object.fromEntries(layout.nodes.map((n) => [n.name, n.logFile])),
      Object.fromEntries(layout.nodes.flatMap((n) => (n.dataDir !== undefined ? [[n.name, n.dataDir]] : []))),
      layout.supervisor.logFile,
    );
    if (problems.length > 0) throw teardownError(layout.name, problems);
    return stopped;
  }
}

/**
 * Attaches to a running cluster through its cluster.json (the file, or the cluster directory).
 *
 * @throws TopologyConfigError when there is no cluster.json or it is not one.
 * @throws SupervisorError when the cluster's supervisor does not answer (the cluster is not running).
 */
export async function attach(stateFileOrDir: string, options: AttachOptions = {}): Promise<AttachedCluster> {
  const { file, state } = readStateFile(stateFileOrDir);
  if (state.state === 'stopped') throw new TopologyConfigError(`Cluster ${state.name} (${file}) was stopped`);
  const layout: ClusterLayout = layoutOfState(state);
  const client = new SupervisorClient({
    url: layout.supervisor.url,
    username: layout.supervisor.username,
    password: layout.supervisor.password,
  });
  try {
    await client.getStatus();
  } catch (e) {
    throw new SupervisorError(
      `Cluster ${state.name} (${file}) is not running: its supervisor at ${layout.supervisor.url} does not answer`,
      { code: 'MT_NOT_RUNNING', cause: e },
    );
  }
  let key: string | undefined;
  if (layout.auth?.keyFile !== undefined) {
    try {
      key = readFileSync(layout.auth.keyFile, 'utf8').replace(/\s+/g, '');
    } catch (e) {
      throw new TopologyConfigError(`Cannot read the key file ${layout.auth.keyFile} of cluster ${state.name}`, {
        cause: e,
      });
    }
  }
  const events = new ClusterEvents(options.onEvent);
  const watch = await SupervisorWatch.open(client);
  const conns = new Connections(() => layout, key, { userCreated: state.state === 'running' });
  const rt: ClusterRuntime = { layout: () => layout, control: client, watch, conns, events };
  const stopFollowing = followLifecycle(rt);
  return new AttachedCluster(rt, state, stopFollowing, options.timeoutMs ?? 60_000);
}
