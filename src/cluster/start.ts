// `spec.start(options)`: from a spec to a running cluster (DESIGN.md "One-way data flow"): the
// orphan reaper first, binaries, the plan (ports re-checked just before use), the cluster directory,
// the supervisor and its control API, cluster.json, then the tiered boot. A boot that fails stops
// everything it started, removes what it created (unless kept) and rethrows the typed error with
// its evidence.

import { isAbsolute } from 'node:path';
import createDebug from 'debug';
import { resolveBinaries } from '../binaries/resolve.js';
import type { ResolveBinariesOptions } from '../binaries/types.js';
import { renderCluster } from '../config/render.js';
import { writeClusterFiles } from '../config/write.js';
import { TopologyConfigError, type ConfigProblem } from '../errors.js';
import type { TopologySpec } from '../topology/builder.js';
import {
  SUPERVISOR_PORT_OWNER,
  findPortConflicts,
  plan as planCluster,
  reassignPort,
  type ClusterPlan,
} from '../topology/plan.js';
import { PortAllocator, sharedPortAllocator, type PortSource } from '../topology/ports.js';
import { throwProblems, validateDefinition } from '../topology/validate.js';
import { bootCluster, type BootContext } from './boot.js';
import { CLUSTER_ENTRIES, chooseClusterDir, claimClusterDir, createClusterDir } from './cluster-dir.js';
import { Connections } from './connections.js';
import { ClusterEvents, type ClusterEvent } from './events.js';
import { layoutFromPlan, type ClusterLayout, type SupervisorMode } from './layout.js';
import { followLifecycle, passThroughServerLogs } from './lifecycle.js';
import { Reaper, reaperEnabled } from './reaper.js';
import type { ClusterRuntime } from './runtime.js';
import { StartedCluster } from './started-cluster.js';
import { ControlPortTaken, killGroup, startSupervisorHost, type SupervisorOption } from './supervisor-host.js';
import { OwnedResources } from './teardown.js';
import { clusterUri } from './uri.js';
import { Deadline, SupervisorWatch } from './watch.js';

const debug = createDebug('mongo-topology:cluster');

/** Options of `spec.start()`. Explicit options win over `MONGO_TOPOLOGY_*` variables, which win over defaults. */
export interface StartOptions {
  /** Aborts the boot: everything started so far is stopped and removed, and `start()` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Receives every event of the cluster's life (also available later through `cluster.on()`). */
  readonly onEvent?: (event: ClusterEvent) => void;
  /**
   * The cluster directory (configs, data, logs, cluster.json). A directory that exists is reused:
   * the files of a previous cluster in it are replaced, nothing else is touched, and it is not
   * removed as a whole. @default the spec's `.dataDir()`, else a new directory under `tmpDir`
   */
  readonly clusterDir?: string;
  /** Where the temporary cluster directory is created. @default `$MONGO_TOPOLOGY_TMP_DIR`, else the OS temp dir */
  readonly tmpDir?: string;
  /** Keep the cluster directory after `stop()` and after a failed boot. @default the spec's `.keepData()` */
  readonly keep?: boolean;
  /** Deadline for the whole boot once the binaries are resolved. @default the spec's `timeouts({ startupMs })` (60_000) */
  readonly startupTimeoutMs?: number;
  /**
   * Where the supervisor runs: in this process (default; the cluster lives as long as this process),
   * or as a daemon (`{ mode: 'daemon' }`; the cluster outlives this process, as the CLI's do).
   */
  readonly supervisor?: SupervisorOption;
  /**
   * Start the orphan reaper, which stops the cluster and removes its directory if this process dies
   * without stopping it (even by SIGKILL). `MONGO_TOPOLOGY_REAPER=false` turns it off in any case.
   * @default true with the in-process supervisor, false with a daemon (that cluster outlives this process)
   */
  readonly reaper?: boolean;
  /** Extra environment variables for the server processes (on top of this process's environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where node ports come from. @default the process-wide allocator (cross-process locks, bind checks) */
  readonly ports?: PortSource;
  /** More binary resolution options (cache dir, mirror, download on/off, ...). The spec gives version, edition and binDir. */
  readonly binaries?: Omit<
    ResolveBinariesOptions,
    'binDir' | 'version' | 'enterprise' | 'requireMongos' | 'signal' | 'onEvent'
  >;
}

/** Start attempts per node when its port turns out to be taken, and of the supervisor's control port. */
const PORT_ATTEMPTS = 3;

function checkOptions(o: StartOptions): void {
  const problems: ConfigProblem[] = [];
  const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (o.startupTimeoutMs !== undefined && !posInt(o.startupTimeoutMs))
    problems.push({
      path: 'startupTimeoutMs',
      message: `must be a positive integer of milliseconds, got ${String(o.startupTimeoutMs)}`,
    });
  for (const k of ['clusterDir', 'tmpDir'] as const) {
    const v = o[k];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      problems.push({ path: k, message: 'must be a non-empty path' });
  }
  const s = o.supervisor;
  if (s !== undefined && s !== 'in-process') {
    if (typeof s !== 'object' || s === null || s.mode !== 'daemon')
      problems.push({ path: 'supervisor', message: `must be 'in-process' or { mode: 'daemon', cli? }` });
    else if (s.cli !== undefined && (typeof s.cli !== 'string' || !isAbsolute(s.cli)))
      problems.push({ path: 'supervisor.cli', message: 'must be an absolute path to the mongo-topology CLI entry' });
  }
  if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null))
    problems.push({ path: 'env', message: 'must be an object of environment variables' });
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function')
    problems.push({ path: 'onEvent', message: 'must be a function' });
  if (problems.length > 0) throw new TopologyConfigError('Invalid start options', { problems });
}

/**
 * Starts a cluster: resolves the binaries, plans and writes the cluster directory, starts the
 * supervisor and boots every node in tiers; resolves once the cluster is usable.
 */
export async function startCluster(spec: TopologySpec, options: StartOptions = {}): Promise<StartedCluster> {
  checkOptions(options);
  const def = spec.definition;
  throwProblems(validateDefinition(def).problems, 'start');
  options.signal?.throwIfAborted();
  const t0 = Date.now();
  const startedAt = new Date();
  const env = process.env;
  const events = new ClusterEvents(options.onEvent);
  const ports = options.ports ?? sharedPortAllocator();
  const lockDir = ports instanceof PortAllocator ? ports.lockDir : undefined;
  const keep = options.keep ?? def.keepData;
  const mode: SupervisorMode =
    options.supervisor === undefined || options.supervisor === 'in-process' ? 'in-process' : 'daemon';
  const stopMs = def.timeouts.stopMs;
  const timeoutMs = options.startupTimeoutMs ?? def.timeouts.startupMs;
  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
  const dir = chooseClusterDir({
    explicit: options.clusterDir ?? def.dataDir,
    tmpDir: options.tmpDir ?? (env.MONGO_TOPOLOGY_TMP_DIR || undefined),
    name: def.name,
  });
  const res = new OwnedResources(dir, keep, ports, startedAt);
  claimClusterDir(dir);
  try {
    // The reaper is spawned before anything is created, so no moment leaves an orphan behind. It is
    // not waited for: once spawned, it notices this process's death even before it reports ready
    // (it then finds the channel to us closed), and finds the cluster's processes by their working
    // directory and arguments.
    // A daemon-supervised cluster is meant to outlive this process: no reaper unless asked for.
    if (reaperEnabled(options.reaper ?? (mode === 'daemon' ? false : undefined), env)) {
      res.reaper = Reaper.spawn({
        ownerPid: process.pid,
        clusterDir: dir.path,
        removal: keep ? 'none' : dir.ownsDir ? 'dir' : 'entries',
        entries: CLUSTER_ENTRIES,
        lockPaths: [],
        pids: [],
        graceMs: 2_000,
        pollMs: 1_000,
      });
    }
    const binaries = await resolveBinaries({
      ...options.binaries,
      ...(def.binDir !== undefined ? { binDir: def.binDir } : {}),
      ...(def.version !== undefined ? { version: def.version } : {}),
      ...(def.enterprise !== undefined ? { enterprise: def.enterprise } : {}),
      requireMongos: def.shards !== undefined,
      signal,
      onEvent: (event) => events.emit({ type: 'binaryProgress', event }),
    });
    events.emit({
      type: 'binaryResolved',
      source: binaries.source,
      mongod: binaries.mongod,
      ...(binaries.mongos ? { mongos: binaries.mongos } : {}),
    });
    const serverVersion = binaries.mongod.version;
    const paths = { mongod: binaries.mongod.path, ...(binaries.mongos ? { mongos: binaries.mongos.path } : {}) };
    signal.throwIfAborted();
    createClusterDir(dir);

    let plan: ClusterPlan = await planCluster(def, { clusterDir: dir.path, serverVersion, ports });
    res.plan = plan;
    for (const c of await findPortConflicts(plan)) {
      plan = await reassignPort(plan, c.owner, { ports });
      res.plan = plan;
      const to =
        c.owner === SUPERVISOR_PORT_OWNER ? plan.supervisor.port : plan.nodes.find((n) => n.name === c.owner)!.port;
      events.emit({
        type: 'portReassigned',
        node: c.owner,
        fromPort: c.port,
        toPort: to,
        reason: 'taken-before-start',
      });
    }
    res.reaper?.update({ lockPaths: OwnedResources.lockPaths(plan, lockDir) });
    let layout: ClusterLayout = layoutFromPlan(plan, paths, serverVersion, mode);
    res.layout = layout;
    const write = async () => {
      await writeClusterFiles(renderCluster(plan, { serverVersion, binaries: paths }));
      layout = layoutFromPlan(plan, paths, serverVersion, mode);
      res.layout = layout;
      res.plan = plan;
    };
    await write();
    events.emit({
      type: 'planned',
      clusterDir: dir.path,
      nodes: layout.nodes.map((n) => ({ name: n.name, address: n.address })),
    });

    for (let attempt = 1; ; attempt++) {
      try {
        res.host = await startSupervisorHost(layout, {
          supervisor: options.supervisor ?? 'in-process',
          env: { ...env, ...options.env },
          timeoutMs: Math.max(15_000, timeoutMs),
        });
        break;
      } catch (e) {
        if (!(e instanceof ControlPortTaken) || attempt >= PORT_ATTEMPTS) throw e;
        const from = plan.supervisor.port;
        plan = await reassignPort(plan, SUPERVISOR_PORT_OWNER, { ports });
        await write();
        res.reaper?.update({ lockPaths: OwnedResources.lockPaths(plan, lockDir) });
        events.emit({
          type: 'portReassigned',
          node: SUPERVISOR_PORT_OWNER,
          fromPort: from,
          toPort: plan.supervisor.port,
          reason: 'address-in-use',
        });
      }
    }
    const host = res.host;
    res.reportPids();
    if (host.mode === 'in-process') {
      // Last resort when the process exits without stopping the cluster and without a reaper:
      // synchronously kill the servers this process supervises.
      const onExit = () => {
        for (const pid of res.pids.values()) if (pid > 0) killGroup(pid);
      };
      process.on('exit', onExit);
      res.onTeardown(() => process.off('exit', onExit));
    }
    events.emit({ type: 'supervisorStarted', mode, url: host.url, pid: host.pid });

    res.watch = await SupervisorWatch.open(host.control);
    res.conns = new Connections(() => layout, plan.auth?.keyFileContents);
    const rt: ClusterRuntime = {
      layout: () => layout,
      control: host.control,
      watch: res.watch,
      conns: res.conns,
      events,
    };
    // Unsubscribed with the watch itself (closed at teardown).
    passThroughServerLogs(rt);
    // Not awaited: nothing needs it before the boot is done (the file is rewritten then).
    void res.writeState('starting');

    let moving: Promise<void> = Promise.resolve();
    const ctx: BootContext = {
      rt,
      deadline: new Deadline(timeoutMs, signal),
      portAttempts: PORT_ATTEMPTS,
      fail: (e) => {
        if (!abort.signal.aborted) abort.abort(e);
      },
      // Serialized: every move derives a new plan from the previous one.
      reassign: (name) => {
        const next = moving.then(async () => {
          const from = plan.nodes.find((n) => n.name === name)!.port;
          plan = await reassignPort(plan, name, { ports });
          await write();
          res.reaper?.update({ lockPaths: OwnedResources.lockPaths(plan, lockDir) });
          const to = plan.nodes.find((n) => n.name === name)!.port;
          events.emit({ type: 'portReassigned', node: name, fromPort: from, toPort: to, reason: 'address-in-use' });
        });
        moving = next.catch(() => undefined);
        return next;
      },
      onPid: (name, pid) => {
        res.pids.set(name, pid);
        res.reportPids();
      },
    };
    await bootCluster(ctx);
    // A reaper that could not start fails the boot (its cluster would not be protected).
    await res.reaper?.ready;

    for (const p of await host.control.status()) {
      const node = layout.nodes.find((n) => n.namespec === p.name);
      if (node) res.pids.set(node.name, p.pid);
    }
    res.reportPids();
    res.stopFollowing = followLifecycle(rt, (name, pid) => {
      if (res.pids.get(name) === pid) return;
      res.pids.set(name, pid);
      res.reportPids();
      void res.writeState('running');
    });
    await res.writeState('running');
    events.emit({ type: 'clusterReady', uri: clusterUri(layout), elapsedMs: Date.now() - t0 });
    debug('cluster %s ready in %dms at %s', layout.name, Date.now() - t0, layout.clusterDir);
    return new StartedCluster(rt, res, stopMs, 60_000);
  } catch (e) {
    if (!abort.signal.aborted) abort.abort(e);
    const problems = await res.teardown(stopMs);
    if (problems.length > 0) debug('cleanup after a failed boot: %o', problems);
    throw options.signal?.aborted ? options.signal.reason : e;
  }
}
