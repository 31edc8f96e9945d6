// Everything the process that started a cluster holds for it, and the one teardown that releases it,
// used by `stop()` and by a boot that fails: routers, then data-bearing nodes, then config servers,
// each stopped cleanly by the supervisor (SIGINT, SIGKILL after the stop timeout); then the
// supervisor itself, any process left in a node's process group, the cluster directory (unless kept),
// the port reservations and the reaper. Every step runs even when an earlier one failed.

import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import createDebug from 'debug';
import { settleAll } from '../common/async.js';
import { SupervisorError } from '../errors.js';
import { releasePlanPorts, type ClusterPlan } from '../topology/plan.js';
import type { PortSource } from '../topology/ports.js';
import { releaseClusterDir, removeClusterDir, type ClusterDir } from './cluster-dir.js';
import type { Connections } from './connections.js';
import type { ClusterLayout, NodeLayout } from './layout.js';
import type { Reaper } from './reaper.js';
import { stateOf, writeStateFile, type ClusterStateName } from './state-file.js';
import { alive, killGroup, type SupervisorHost } from './supervisor-host.js';
import type { SupervisorWatch } from './watch.js';

const debug = createDebug('mongo-topology:cluster');

/** Stop order: routers first, config servers last (they hold the cluster's metadata). */
export function stopTiers(layout: ClusterLayout): NodeLayout[][] {
  const routers = layout.nodes.filter((n) => n.role === 'mongos');
  const config = layout.nodes.filter((n) => n.role === 'configsvr');
  const data = layout.nodes.filter((n) => n.role !== 'mongos' && n.role !== 'configsvr');
  return [routers, data, config].filter((t) => t.length > 0);
}

/** Whether `pid` still runs in the cluster directory (so a reused pid is never killed). */
function stillOurs(pid: number, clusterDir: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === clusterDir;
  } catch {
    // No /proc here: trust the pid (it was ours moments ago).
    return process.platform !== 'linux';
  }
}

/** What the owner of a cluster holds. Filled in as the boot gets further. */
export class OwnedResources {
  reaper?: Reaper;
  host?: SupervisorHost;
  watch?: SupervisorWatch;
  conns?: Connections;
  plan?: ClusterPlan;
  layout?: ClusterLayout;
  stopFollowing?: () => void;
  /** Last pid seen per node (0: not running). */
  readonly pids = new Map<string, number>();
  #stateChain: Promise<void> = Promise.resolve();
  #tornDown: Promise<string[]> | undefined;
  readonly #onTeardown: (() => void)[] = [];

  constructor(
    readonly dir: ClusterDir,
    readonly keep: boolean,
    readonly ports: PortSource,
    readonly startedAt: Date,
  ) {}

  /** Rewrites cluster.json (serialized; a failure is logged, never thrown). */
  writeState(state: ClusterStateName): Promise<void> {
    const layout = this.layout;
    if (!layout) return Promise.resolve();
    const contents = stateOf(layout, {
      state,
      ownerPid: process.pid,
      startedAt: this.startedAt,
      supervisorPid: this.host?.pid ?? 0,
      ownsDir: this.dir.ownsDir,
      keep: this.keep,
      pids: this.pids,
    });
    this.#stateChain = this.#stateChain
      .then(() => writeStateFile(layout.clusterDir, contents))
      .catch((e: unknown) => debug('could not write cluster.json: %s', (e as Error).message));
    return this.#stateChain;
  }

  /** Tells the reaper every pid we know of. */
  reportPids(): void {
    this.reaper?.update({
      pids: [...this.pids.values(), ...(this.host && this.host.mode === 'daemon' ? [this.host.pid] : [])].filter(
        (p) => p > 0,
      ),
    });
  }

  /** Lock directories of the plan's ports, for the reaper to remove after a crash. */
  static lockPaths(plan: ClusterPlan, lockDir: string | undefined): string[] {
    if (lockDir === undefined) return [];
    return [...plan.nodes.map((n) => n.port), plan.supervisor.port].map((p) => join(lockDir, `${p}.lock`));
  }

  /** Runs `f` at the start of teardown. */
  onTeardown(f: () => void): void {
    this.#onTeardown.push(f);
  }

  /**
   * Lets go of a daemon-supervised cluster without stopping it: closes this process's connections
   * and supervisor streams, releases the port locks and the reaper. The daemon keeps running the
   * servers; cluster.json stays for attach and stop.
   */
  async detach(): Promise<void> {
    this.stopFollowing?.();
    await this.conns?.close();
    await this.watch?.close();
    if (this.plan) await releasePlanPorts(this.plan, { ports: this.ports });
    await this.reaper?.release();
    releaseClusterDir(this.dir);
  }

  /** Releases everything, once. Resolves with the problems met (each step still ran). */
  teardown(stopTimeoutMs: number): Promise<string[]> {
    this.#tornDown ??= this.#teardown(stopTimeoutMs);
    return this.#tornDown;
  }

  async #teardown(stopTimeoutMs: number): Promise<string[]> {
    const problems: string[] = [];
    const step = async (what: string, f: () => unknown) => {
      try {
        await f();
      } catch (e) {
        const msg = `${what}: ${(e as Error).message.split('\n')[0]}`;
        debug('teardown: %s', msg);
        problems.push(msg);
      }
    };
    for (const f of this.#onTeardown) f();
    this.stopFollowing?.();
    await step('closing connections', () => this.conns?.close());
    const host = this.host;
    const layout = this.layout;
    if (host && layout) {
      for (const tier of stopTiers(layout)) {
        await step(`stopping ${tier.map((n) => n.name).join(', ')}`, () =>
          settleAll(
            tier.map((n) => host.control.stop(n.namespec, { timeoutMs: stopTimeoutMs + 10_000 })),
            'stops',
          ),
        );
      }
    }
    await step('closing the supervisor streams', () => this.watch?.close());
    if (host) await step('shutting the supervisor down', () => host.shutdown(stopTimeoutMs + 10_000));
    if (layout) {
      // Anything a supervisor could not stop (or a daemon that had to be killed left behind).
      for (const [name, pid] of this.pids) {
        if (pid > 0 && stillOurs(pid, layout.clusterDir)) {
          debug('%s (pid %d) still ran after the supervisor stopped; killing its process group', name, pid);
          killGroup(pid);
        }
      }
    }
    if (this.keep) {
      for (const k of this.pids.keys()) this.pids.set(k, 0);
      await step('writing cluster.json', () => this.writeState('stopped'));
    } else {
      await this.#stateChain;
      await step(`removing ${this.dir.path}`, () => removeClusterDir(this.dir));
    }
    if (this.plan) {
      const plan = this.plan;
      await step('releasing ports', () => releasePlanPorts(plan, { ports: this.ports }));
    }
    await step('releasing the reaper', () => this.reaper?.release());
    releaseClusterDir(this.dir);
    return problems;
  }
}

/** The error `stop()` throws when teardown met problems (after finishing every step). */
export function teardownError(name: string, problems: readonly string[]): SupervisorError {
  return new SupervisorError(
    `Stopping cluster ${name} met ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    {
      code: 'MT_STOP',
    },
  );
}
