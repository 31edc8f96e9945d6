// The in-process supervisor: process groups with supervisord's semantics (autostart in priority
// order, RPC-equivalent start/stop/signal with the same faults and result structs, ordered
// shutdown one group at a time), plus what s6 adds (READY distinct from RUNNING, dependencies
// that gate starts and order stops), logs, line streams, events and /proc metrics.
// The control server (control/http-server.ts) serves this object over XML-RPC and JSON.

import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AsyncQueue } from '../common/async-queue.js';
import { withTimeout } from '../common/async.js';
import { StartupTimeoutError, TopologyConfigError } from '../errors.js';
import { AUTO_LOG, type GroupConfig, type ProcessConfig, type SupervisorConfig } from './config/model.js';
import { programToProcessConfigs } from './config/program.js';
import type { ProgramSpec } from './config/render.js';
import { parseSignal } from './config/value-types.js';
import { findDependencyCycle } from './config/load.js';
import {
  EventBus,
  eventMatches,
  type EventInit,
  type EventSubscriptionOptions,
  type SupervisorEvent,
} from './events.js';
import { ExecError, resolveExec } from './exec.js';
import { Faults, RpcFault, type ProcessResult } from './faults.js';
import { followFile } from './logs/follow.js';
import { LogReadError, readLogFile, tailLogFile, type TailResult } from './logs/read.js';
import type { Channel, LogLine } from './logs/output-channel.js';
import { debugLogger, type SupervisorLogger } from './main-log.js';
import { processGroupMembers, processStartTicks, readProcMetrics } from './metrics.js';
import { SupervisedProcess, type ProcessHost } from './process.js';
import {
  DEFAULT_READY_INTERVAL_MS,
  describeCheck,
  linePredicate,
  pollReadiness,
  type ReadinessCheck,
} from './readiness.js';
import {
  ProcessState,
  RUNNING_STATES,
  SIGNALLABLE_STATES,
  STOPPED_STATES,
  SupervisorState,
  type ProcessStateName,
  type SupervisorStateName,
} from './states.js';
import type {
  ActionOptions,
  FollowOptions,
  LineStreamOptions,
  LogReadOptions,
  ProcessInfo,
  ProcessMetrics,
  SupervisorControl,
  SupervisorStatus,
  WaitOptions,
} from './control/types.js';

/** A program defined in code: the INI shape plus readiness checks that may be functions. */
export interface ProgramDefinition extends Omit<ProgramSpec, 'ready'> {
  readonly ready?: ReadinessCheck;
}

export interface SupervisorOptions {
  /** A config read from INI (`loadSupervisorConfig`). */
  readonly config?: SupervisorConfig;
  /** Programs defined in code, added after the config's groups. */
  readonly programs?: readonly ProgramDefinition[];
  /** `[group:x]` equivalents for code-defined programs. */
  readonly groups?: readonly {
    readonly name: string;
    readonly programs: readonly string[];
    readonly priority?: number;
  }[];
  /** @default config identifier, else `supervisor` */
  readonly identifier?: string;
  /** Where the supervisor's own messages go. @default debug('mongo-topology:supervisor') */
  readonly logger?: SupervisorLogger;
  /** Path of the main log file, for the readLog/clearLog RPCs (the daemon sets it). */
  readonly mainLogFile?: string;
  /** Base environment of every child. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `SUPERVISOR_SERVER_URL` given to children. */
  readonly serverUrl?: string | null;
  /** Directory for AUTO child logs. @default config childlogdir, else a private temp dir removed on close */
  readonly childLogDir?: string;
  /** Keep AUTO child logs after close (supervisord does; in-process use removes them). @default false */
  readonly keepAutoLogs?: boolean;
  /** Delete stale AUTO logs of this identifier in childLogDir at start (supervisord's nocleanup=false). @default false */
  readonly cleanupStaleAutoLogs?: boolean;
  /** Poll interval of tcp/http/command/function readiness checks. @default 100 */
  readonly readyIntervalMs?: number;
  /** Readiness checks by program name (override `x_ready`; may be functions). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** Re-reads the config for the reloadConfig RPC / SIGHUP (the daemon passes a file reader). */
  readonly reload?: () => SupervisorConfig;
  /**
   * After every program stopped at close, SIGKILL what is left in their process groups (children a
   * program forked and did not take down with it). @default true
   */
  readonly killOrphansOnClose?: boolean;
  readonly stripAnsi?: boolean;
}

/** The supervisord-format process struct of getProcessInfo (key order as supervisord sends it). */
export interface ProcessInfoStruct {
  name: string;
  group: string;
  start: number;
  stop: number;
  now: number;
  state: number;
  statename: string;
  spawnerr: string;
  exitstatus: number;
  logfile: string;
  stdout_logfile: string;
  stderr_logfile: string;
  pid: number;
  description: string;
}

interface GroupRuntime {
  readonly config: GroupConfig;
  readonly processes: Map<string, SupervisedProcess>;
}

interface ReadinessRun {
  readonly controller: AbortController;
  readonly cleanup: () => void;
}

const MAXINT = 2 ** 31 - 1;
/** Completions within this window count as one of supervisord's result-polling rounds. */
const ROUND_MS = 250;
const capped = (n: number) => Math.min(MAXINT, Math.max(-MAXINT - 1, Math.trunc(n)));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Python `str(timedelta(seconds=s))`: `0:01:02`, `1 day, 0:00:05`. */
export function formatTimedelta(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds));
  const days = Math.floor(s / 86400);
  const rest = s % 86400;
  const hms = `${Math.floor(rest / 3600)}:${String(Math.floor((rest % 3600) / 60)).padStart(2, '0')}:${String(rest % 60).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${hms}` : hms;
}

/** `strftime('%b %d %I:%M %p')` in local time: `Nov 24 03:56 AM`. */
function formatStopTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const h12 = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${p(d.getDate())} ${p(h12)}:${p(d.getMinutes())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}

function byPriority(a: { config: { priority: number } }, b: { config: { priority: number } }): number {
  return a.config.priority - b.config.priority;
}

/**
 * A process supervisor with supervisord's semantics, in this process.
 * @example
 * await using sup = new Supervisor({
 *   programs: [{ name: 'db', command: ['/opt/mongo/bin/mongod', '--port', '27017'], ready: { kind: 'log-id', id: 23016 } }],
 * });
 * await sup.startSupervisor();
 * await sup.waitReady('db', { timeoutMs: 30_000 });
 */
export class Supervisor implements SupervisorControl, AsyncDisposable {
  /** Synchronous event fan-out (use `on` for callbacks, `events()` for an async iterator). */
  readonly bus = new EventBus();
  readonly identifier: string;
  readonly logger: SupervisorLogger;
  readonly #childLogDir: string | undefined;

  #mood: SupervisorStateName = 'RESTARTING';
  #started = false;
  #closing: Promise<void> | undefined;
  #closed = false;
  #configGroups: GroupConfig[];
  readonly #codeDefined: GroupConfig[];
  readonly #groups = new Map<string, GroupRuntime>();
  readonly #options: SupervisorOptions;
  #privateLogDir: string | undefined;
  readonly #autoLogs = new Set<string>();
  readonly #lineHandlers = new Set<(l: LogLine) => void>();
  readonly #pending = new Set<SupervisedProcess>();
  readonly #readiness = new Map<SupervisedProcess, ReadinessRun>();
  readonly #readyFailed = new Set<SupervisedProcess>();
  readonly #spawnedGroups = new Map<number, number>();
  readonly #host: ProcessHost;
  readonly #env: Readonly<Record<string, string | undefined>>;
  #checkingPending = false;
  #pendingRecheck = false;
  readonly #shutdownListeners = new Set<() => void>();
  readonly #waiters = new Set<() => void>();
  readonly #codeReadiness = new Map<string, ReadinessCheck>();

  constructor(options: SupervisorOptions = {}) {
    this.#options = options;
    const cfg = options.config;
    this.identifier = options.identifier ?? cfg?.supervisord.identifier ?? 'supervisor';
    this.logger = options.logger ?? debugLogger;
    this.#env = options.env ?? process.env;
    this.#childLogDir = options.childLogDir ?? cfg?.supervisord.childlogdir;
    this.#codeDefined = this.#codeGroups(options);
    this.#configGroups = this.#validateGroups([...(cfg?.groups ?? []), ...this.#codeDefined]);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.#host = {
      get running() {
        return self.#mood === 'RUNNING';
      },
      logger: this.logger,
      baseEnv: this.#env,
      serverUrl: options.serverUrl ?? null,
      stripAnsi: options.stripAnsi ?? cfg?.supervisord.stripAnsi ?? false,
      emit: (init) => {
        this.bus.emit(init);
      },
      line: (l) => {
        for (const h of [...this.#lineHandlers]) h(l);
      },
      requestAutostart: (p) => this.#requestStart(p),
      stateChanged: (p, from, to) => this.#stateChanged(p, from, to),
      spawned: (p, pid) => this.#spawned(p, pid),
    };
  }

  /**
   * Directory for AUTO child logs: the configured one, else a private temp dir created on first
   * use (so a constructor that throws on bad input leaves no directory behind) and removed on close.
   */
  get childLogDir(): string {
    if (this.#childLogDir !== undefined) return this.#childLogDir;
    this.#privateLogDir ??= mkdtempSync(join(tmpdir(), 'mt-supervisor-'));
    return this.#privateLogDir;
  }

  #codeGroups(options: SupervisorOptions): GroupConfig[] {
    const programs = options.programs ?? [];
    const env = options.config?.supervisord.environment ?? {};
    const inGroup = new Map<string, { name: string; priority: number }>();
    for (const g of options.groups ?? [])
      for (const p of g.programs) inGroup.set(p, { name: g.name, priority: g.priority ?? 999 });
    const groups = new Map<string, { name: string; priority: number; processes: ProcessConfig[] }>();
    for (const def of programs) {
      const { ready, ...spec } = def;
      const serializable =
        ready &&
        ready.kind !== 'function' &&
        !(ready.kind === 'log' && ready.pattern instanceof RegExp) &&
        !(ready.kind === 'log-id' && typeof ready.attr === 'function');
      const g = inGroup.get(def.name);
      const procs = programToProcessConfigs(
        { ...spec, ready: serializable ? (ready as ProgramSpec['ready']) : undefined },
        { group: g?.name ?? def.name, supervisordEnvironment: env },
      );
      // Checks with code (functions, RegExp objects) cannot live in the serializable config.
      if (ready && !serializable) this.#codeReadiness.set(def.name, ready);
      const name = g?.name ?? def.name;
      const entry = groups.get(name) ?? { name, priority: g?.priority ?? procs[0]?.priority ?? 999, processes: [] };
      entry.processes.push(...procs);
      groups.set(name, entry);
    }
    for (const g of options.groups ?? []) {
      for (const p of g.programs) {
        if (!programs.some((d) => d.name === p)) {
          throw new TopologyConfigError(`group ${g.name} names unknown program ${p}`, {
            problems: [{ path: `groups.${g.name}`, message: `unknown program ${p}` }],
          });
        }
      }
    }
    return [...groups.values()];
  }

  /** Checks names, dependencies and cycles; returns the groups in supervisord's order. */
  #validateGroups(groups: readonly GroupConfig[]): GroupConfig[] {
    const seen = new Set<string>();
    for (const g of groups) {
      if (seen.has(g.name)) {
        throw new TopologyConfigError(`process group ${g.name} is defined twice`, {
          problems: [{ path: `group:${g.name}`, message: 'duplicate group name' }],
        });
      }
      seen.add(g.name);
    }
    const programs = new Set(groups.flatMap((g) => g.processes.map((p) => p.programName)));
    for (const g of groups) {
      for (const p of g.processes) {
        for (const d of p.dependsOn) {
          if (!programs.has(d) && !seen.has(d)) {
            throw new TopologyConfigError(`program ${p.programName} depends on unknown program or group ${d}`, {
              problems: [{ path: `program:${p.programName}.dependsOn`, message: `unknown program or group ${d}` }],
            });
          }
        }
      }
    }
    const cycle = findDependencyCycle(groups);
    if (cycle) {
      throw new TopologyConfigError(`dependency cycle: ${cycle.join(' -> ')}`, {
        problems: [{ path: `program:${cycle[0]}.dependsOn`, message: `cycle ${cycle.join(' -> ')}` }],
      });
    }
    return [...groups].sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---------------------------------------------------------------- lifecycle

  /** supervisord's mood. */
  get state(): SupervisorStateName {
    return this.#mood;
  }

  /**
   * Adds every configured group and autostarts programs in priority order (with dependencies
   * gating each start), like supervisord at startup. Returns at once; use waitFor/waitReady.
   */
  startSupervisor(): void {
    if (this.#closed || this.#closing) throw new RpcFault('SHUTDOWN_STATE', null, { node: this.identifier });
    if (this.#started) return;
    this.#started = true;
    if (this.#options.cleanupStaleAutoLogs) this.#cleanupStaleAutoLogs();
    this.#setMood('RUNNING');
    for (const g of this.#configGroups) this.#addGroup(g);
    this.#transitionAll();
  }

  #setMood(mood: SupervisorStateName): void {
    this.#mood = mood;
    this.#kick();
    if (mood === 'RUNNING') this.bus.emit({ type: 'SUPERVISOR_STATE_CHANGE_RUNNING' });
    else this.bus.emit({ type: 'SUPERVISOR_STATE_CHANGE_STOPPING' });
  }

  #transitionAll(): void {
    for (const g of this.#sortedGroups()) for (const p of g.processes.values()) p.transition();
  }

  /** Active groups by priority, then name (supervisord's order). */
  #sortedGroups(): GroupRuntime[] {
    return [...this.#groups.values()].sort(
      (a, b) =>
        a.config.priority - b.config.priority ||
        (a.config.name < b.config.name ? -1 : a.config.name > b.config.name ? 1 : 0),
    );
  }

  #cleanupStaleAutoLogs(): void {
    const re = new RegExp(
      `^.+?---${this.identifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\S+\\.log\\.{0,1}\\d{0,4}`,
    );
    let names: string[] = [];
    try {
      names = readdirSync(this.childLogDir);
    } catch {
      this.logger.log('warn', 'Could not clear childlog dir');
      return;
    }
    for (const n of names) {
      if (!re.test(n)) continue;
      try {
        unlinkSync(join(this.childLogDir, n));
      } catch {
        this.logger.log('warn', `Failed to clean up '${join(this.childLogDir, n)}'`);
      }
    }
  }

  #autoLogName(processName: string, channel: Channel): string {
    for (;;) {
      const rand = randomBytes(6).toString('base64url').toLowerCase().replace(/-/g, '_').slice(0, 8);
      const path = join(this.childLogDir, `${processName}-${channel}---${this.identifier}-${rand}.log`);
      try {
        closeSync(openSync(path, 'wx', 0o600));
        this.#autoLogs.add(path);
        return path;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  #addGroup(config: GroupConfig): GroupRuntime {
    const processes = new Map<string, SupervisedProcess>();
    for (const pc of config.processes) {
      const effective: ProcessConfig = {
        ...pc,
        stdoutLogfile: pc.stdoutLogfile === AUTO_LOG ? this.#autoLogName(pc.name, 'stdout') : pc.stdoutLogfile,
        stderrLogfile: pc.stderrLogfile === AUTO_LOG ? this.#autoLogName(pc.name, 'stderr') : pc.stderrLogfile,
      };
      processes.set(pc.name, new SupervisedProcess(effective, this.#host));
    }
    const runtime = { config, processes };
    this.#groups.set(config.name, runtime);
    this.bus.emit({ type: 'PROCESS_GROUP_ADDED', groupName: config.name });
    return runtime;
  }

  #removeGroup(name: string): void {
    const g = this.#groups.get(name);
    if (!g) return;
    for (const p of g.processes.values()) {
      this.#cancelReadiness(p);
      this.#pending.delete(p);
      p.dispose();
      if (!this.#options.keepAutoLogs) this.#removeAutoLogsOf(p);
    }
    this.#groups.delete(name);
    this.bus.emit({ type: 'PROCESS_GROUP_REMOVED', groupName: name });
  }

  #removeAutoLogsOf(p: SupervisedProcess): void {
    for (const f of [p.config.stdoutLogfile, p.config.stderrLogfile]) {
      if (f && this.#autoLogs.has(f)) {
        for (const candidate of [f, ...Array.from({ length: 20 }, (_, i) => `${f}.${i + 1}`)])
          rmSync(candidate, { force: true });
        this.#autoLogs.delete(f);
      }
    }
  }

  /** Re-opens every child log file (after an external logrotate; supervisord's SIGUSR2). */
  reopenLogs(): void {
    for (const p of this.#allLexical()) {
      if (p.stdout.file?.isOpen) p.stdout.file.open();
      if (p.stderr?.file?.isOpen) p.stderr.file.open();
    }
  }

  /** Called with `true` once shutdown begins (daemon uses it to exit after close). */
  onShutdownRequested(listener: () => void): () => void {
    this.#shutdownListeners.add(listener);
    return () => this.#shutdownListeners.delete(listener);
  }

  /**
   * Stops every program, groups one at a time from the highest priority down (dependents before
   * their dependencies), reaps every child, kills stragglers left in their process groups, and
   * releases timers, files and subscriptions. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #doClose(): Promise<void> {
    for (const l of [...this.#shutdownListeners]) l();
    if (this.#started) {
      this.#setMood('SHUTDOWN');
      await this.#stopEverything('shutdown');
    }
    this.#mood = 'SHUTDOWN';
    for (const g of [...this.#groups.keys()]) {
      const rt = this.#groups.get(g)!;
      for (const p of rt.processes.values()) {
        p.dispose();
        if (!this.#options.keepAutoLogs) this.#removeAutoLogsOf(p);
      }
    }
    this.#groups.clear();
    if (this.#options.killOrphansOnClose ?? true) this.#killOrphans();
    if (this.#privateLogDir) rmSync(this.#privateLogDir, { recursive: true, force: true });
    this.#lineHandlers.clear();
    this.#closed = true;
  }

  /** Stops all groups in reverse start order, one group at a time (supervisord's shutdown loop). */
  async #stopEverything(why: string): Promise<void> {
    for (const p of [...this.#pending]) this.#cancelPending(p, `supervisor ${why}`);
    for (const p of [...this.#readiness.keys()]) this.#cancelReadiness(p);
    const order = this.#groupsInStartOrder().reverse();
    const problems: string[] = [];
    let lastReport = Date.now();
    for (const g of order) {
      const procs = [...g.processes.values()];
      const waves = this.#stopWaves(procs);
      for (const wave of waves) {
        for (const p of [...wave].sort(byPriority).reverse()) {
          if (p.state === 'RUNNING' || p.state === 'STARTING') p.stop();
          else if (p.state === 'BACKOFF') p.giveUp();
        }
        const limitMs = Math.max(0, ...wave.map((p) => p.config.stopwaitsecs * 1000)) + 10_000;
        const deadline = Date.now() + limitMs;
        while (wave.some((p) => !STOPPED_STATES.has(p.state))) {
          if (Date.now() > deadline) {
            problems.push(
              ...wave
                .filter((p) => !STOPPED_STATES.has(p.state))
                .map((p) => `${p.namespec} (pid ${p.pid}) still ${p.state}`),
            );
            break;
          }
          if (Date.now() - lastReport >= 3000) {
            lastReport = Date.now();
            const unstopped = [...this.#groups.values()]
              .flatMap((x) => [...x.processes.values()])
              .filter((p) => !STOPPED_STATES.has(p.state));
            this.logger.log('info', `waiting for ${unstopped.map((p) => p.config.name).join(', ')} to die`);
          }
          await this.#nextStateChange(wave, Math.min(1000, Math.max(10, deadline - Date.now())));
        }
      }
    }
    if (problems.length > 0) this.logger.log('critical', `processes did not stop: ${problems.join('; ')}`);
  }

  /** Resolves on the next state event of any of `procs`, or after `ms`. */
  #nextStateChange(procs: readonly SupervisedProcess[], ms: number): Promise<void> {
    return new Promise((resolve) => {
      const names = new Set(procs.map((p) => p.namespec));
      const t = setTimeout(done, ms);
      const off = this.bus.on((e) => {
        if (e.type.startsWith('PROCESS_STATE_') && 'name' in e && names.has(e.name)) done();
      });
      function done() {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  }

  /** Groups ordered for starting: dependencies first, then priority, then name. */
  #groupsInStartOrder(): GroupRuntime[] {
    const groups = this.#sortedGroups();
    const programGroup = new Map<string, string>();
    for (const g of groups) for (const p of g.processes.values()) programGroup.set(p.config.programName, g.config.name);
    const deps = new Map<string, Set<string>>();
    for (const g of groups) {
      const set = new Set<string>();
      for (const p of g.processes.values()) {
        for (const d of p.config.dependsOn) {
          const dg = programGroup.get(d) ?? (this.#groups.has(d) ? d : undefined);
          if (dg && dg !== g.config.name) set.add(dg);
        }
      }
      deps.set(g.config.name, set);
    }
    const out: GroupRuntime[] = [];
    const done = new Set<string>();
    while (out.length < groups.length) {
      const next = groups.find(
        (g) => !done.has(g.config.name) && [...deps.get(g.config.name)!].every((d) => done.has(d)),
      );
      // Cycles between groups (possible only across groups of mutually independent programs) fall back to priority order.
      const pick = next ?? groups.find((g) => !done.has(g.config.name))!;
      done.add(pick.config.name);
      out.push(pick);
    }
    return out;
  }

  /** Splits `procs` into waves: each wave only contains processes no other remaining one depends on. */
  #stopWaves(procs: readonly SupervisedProcess[]): SupervisedProcess[][] {
    const remaining = new Set(procs);
    const waves: SupervisedProcess[][] = [];
    while (remaining.size > 0) {
      const wave = [...remaining].filter((p) => ![...remaining].some((q) => q !== p && this.#dependsOn(q, p)));
      const pick = wave.length > 0 ? wave : [...remaining];
      for (const p of pick) remaining.delete(p);
      waves.push(pick);
    }
    return waves;
  }

  /** Does `a` depend (directly or transitively) on `b`? */
  #dependsOn(a: SupervisedProcess, b: SupervisedProcess, seen = new Set<SupervisedProcess>()): boolean {
    for (const d of this.#depsOf(a)) {
      if (d === b) return true;
      if (seen.has(d)) continue;
      seen.add(d);
      if (this.#dependsOn(d, b, seen)) return true;
    }
    return false;
  }

  #killOrphans(): void {
    for (const [pgid, since] of this.#spawnedGroups) {
      const members = processGroupMembers(pgid, since);
      if (members.length === 0) continue;
      this.logger.log(
        'warn',
        `killing ${members.length} leftover process(es) in process group ${pgid}: ${members.join(', ')}`,
      );
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Gone in the meantime.
      }
    }
    this.#spawnedGroups.clear();
  }

  // ---------------------------------------------------------------- process callbacks

  #stateChanged(p: SupervisedProcess, _from: ProcessStateName, to: ProcessStateName): void {
    if (to === 'STARTING') this.#readyFailed.delete(p);
    if (to !== 'STARTING' && to !== 'RUNNING') this.#cancelReadiness(p);
    if (to === 'RUNNING' && !this.#readinessCheckOf(p)) this.#markReady(p, p.pid, 'entered RUNNING');
    this.#checkPending();
    this.#kick();
  }

  #spawned(p: SupervisedProcess, pid: number): void {
    const ticks = processStartTicks(pid);
    if (ticks !== undefined) this.#spawnedGroups.set(pid, ticks);
    const check = this.#readinessCheckOf(p);
    if (check) this.#startReadiness(p, pid, check);
    this.#kick();
  }

  #readinessCheckOf(p: SupervisedProcess): ReadinessCheck | undefined {
    const name = p.config.programName;
    return this.#options.readiness?.[name] ?? this.#codeReadiness.get(name) ?? p.config.ready ?? undefined;
  }

  #startReadiness(p: SupervisedProcess, pid: number, check: ReadinessCheck): void {
    this.#cancelReadiness(p);
    const controller = new AbortController();
    const description = describeCheck(check);
    let timer: NodeJS.Timeout | undefined;
    let offLines: (() => void) | undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      offLines?.();
      controller.abort(new Error('readiness check ended'));
    };
    const success = () => {
      if (this.#readiness.get(p)?.controller !== controller) return;
      this.#readiness.delete(p);
      cleanup();
      this.#markReady(p, pid, description);
    };
    this.#readiness.set(p, { controller, cleanup });
    const pred = linePredicate(check);
    if (pred) {
      const handler = (l: LogLine) => {
        if (l.name === p.namespec && l.pid === pid && pred(l)) success();
      };
      this.#lineHandlers.add(handler);
      offLines = () => this.#lineHandlers.delete(handler);
    } else {
      pollReadiness(
        check,
        { name: p.namespec, pid, signal: controller.signal },
        this.#options.readyIntervalMs ?? DEFAULT_READY_INTERVAL_MS,
      ).then(success, () => {});
    }
    const timeoutSecs = p.config.readyTimeoutSecs;
    if (timeoutSecs > 0) {
      timer = setTimeout(() => {
        if (this.#readiness.get(p)?.controller !== controller) return;
        this.#readiness.delete(p);
        cleanup();
        const reason = `not ready after ${timeoutSecs}s (waiting for ${description})`;
        this.logger.log('warn', `readiness: ${p.config.name} ${reason}; stopping it`);
        this.#readyFailed.add(p);
        this.bus.emit({
          type: 'PROCESS_READY_FAILED',
          name: p.namespec,
          processName: p.config.name,
          groupName: p.config.group,
          pid,
          reason,
        });
        if (p.pid === pid && (p.state === 'STARTING' || p.state === 'RUNNING')) p.stop();
        this.#checkPending();
        this.#kick();
      }, timeoutSecs * 1000);
    }
  }

  #cancelReadiness(p: SupervisedProcess): void {
    const run = this.#readiness.get(p);
    if (!run) return;
    this.#readiness.delete(p);
    run.cleanup();
  }

  #markReady(p: SupervisedProcess, pid: number, check: string): void {
    if (p.pid !== pid || (p.state !== 'STARTING' && p.state !== 'RUNNING') || p.ready) return;
    p.ready = true;
    // Without a readiness check READY simply follows RUNNING; only a real check is worth an INFO line.
    this.logger.log(this.#readinessCheckOf(p) ? 'info' : 'debug', `ready: ${p.config.name} (${check})`);
    this.bus.emit({
      type: 'PROCESS_READY',
      name: p.namespec,
      processName: p.config.name,
      groupName: p.config.group,
      pid,
      check,
    });
    this.#checkPending();
    this.#kick();
  }

  // ---------------------------------------------------------------- dependencies

  /** The processes `p` depends on (a dependency names a program, or a group meaning all of it). */
  #depsOf(p: SupervisedProcess): SupervisedProcess[] {
    const out: SupervisedProcess[] = [];
    for (const d of p.config.dependsOn) {
      let found = false;
      for (const g of this.#groups.values()) {
        for (const q of g.processes.values()) {
          if (q.config.programName === d) {
            out.push(q);
            found = true;
          }
        }
      }
      if (!found) {
        const g = this.#groups.get(d);
        if (g) out.push(...g.processes.values());
      }
    }
    return out;
  }

  /** Starts `p` now, or once its dependencies are READY (starting those that are down). */
  #requestStart(p: SupervisedProcess): void {
    if (this.#mood !== 'RUNNING') return;
    const deps = this.#depsOf(p);
    if (deps.every((d) => d.ready)) {
      this.#pending.delete(p);
      p.spawn();
      return;
    }
    for (const d of deps) {
      if (d.ready || this.#pending.has(d)) continue;
      if (d.state === 'STOPPED' || d.state === 'EXITED' || d.state === 'FATAL') this.#requestStart(d);
    }
    p.spawnerr = null;
    p.waitingFor = deps.filter((d) => !d.ready).map((d) => d.namespec);
    this.#pending.add(p);
    this.logger.log(
      'info',
      `waiting: ${p.config.name} starts once ${p.waitingFor.join(', ')} ${p.waitingFor.length === 1 ? 'is' : 'are'} ready`,
    );
    this.#checkPending();
  }

  #cancelPending(p: SupervisedProcess, reason: string): void {
    if (!this.#pending.delete(p)) return;
    p.waitingFor = [];
    p.spawnerr = reason;
  }

  /** Why a dependency will not become ready, or undefined if it still may. */
  #dependencyFailure(d: SupervisedProcess): string | undefined {
    if (d.ready) return undefined;
    if (this.#readyFailed.has(d)) return 'failed its readiness check';
    if (d.state === 'FATAL' || d.state === 'UNKNOWN') return `entered ${d.state}`;
    if (this.#pending.has(d)) return undefined;
    if (d.state === 'STOPPED') return 'is stopped';
    if (d.state === 'EXITED') {
      const c = d.config;
      const restarts =
        c.autorestart === true || (c.autorestart === 'unexpected' && !c.exitcodes.includes(d.exitstatus ?? -1));
      return restarts ? undefined : 'exited';
    }
    return undefined;
  }

  #checkPending(): void {
    if (this.#checkingPending) {
      this.#pendingRecheck = true;
      return;
    }
    this.#checkingPending = true;
    try {
      do {
        this.#pendingRecheck = false;
        for (const p of [...this.#pending]) {
          if (!this.#pending.has(p)) continue;
          const deps = this.#depsOf(p);
          const failed = deps.map((d) => ({ d, why: this.#dependencyFailure(d) })).find((x) => x.why);
          if (failed) {
            const reason = `dependency ${failed.d.namespec} ${failed.why}`;
            this.#cancelPending(p, reason);
            this.logger.log('warn', `not starting ${p.config.name}: ${reason}`);
            this.bus.emit({
              type: 'PROCESS_DEPENDENCY_FAILED',
              name: p.namespec,
              processName: p.config.name,
              groupName: p.config.group,
              dependency: failed.d.namespec,
              reason,
            });
            continue;
          }
          const waiting = deps.filter((d) => !d.ready).map((d) => d.namespec);
          if (waiting.length === 0) {
            this.#pending.delete(p);
            p.waitingFor = [];
            if (
              this.#mood === 'RUNNING' &&
              !RUNNING_STATES.has(p.state) &&
              p.state !== 'STOPPING' &&
              p.state !== 'UNKNOWN'
            )
              p.spawn();
          } else p.waitingFor = waiting;
        }
      } while (this.#pendingRecheck);
    } finally {
      this.#checkingPending = false;
    }
    this.#kick();
  }

  // ---------------------------------------------------------------- lookup

  #update(): void {
    if (SupervisorState[this.#mood] < SupervisorState.RUNNING) throw new RpcFault('SHUTDOWN_STATE');
  }

  /** supervisord's split_namespec + lookup. */
  #lookup(name: string): { group: GroupRuntime; process: SupervisedProcess | undefined } {
    const idx = name.indexOf(':');
    let groupName = name;
    let processName: string | undefined = name;
    if (idx !== -1) {
      groupName = name.slice(0, idx);
      processName = name.slice(idx + 1);
      if (processName === '' || processName === '*') processName = undefined;
    }
    const group = this.#groups.get(groupName);
    if (!group) throw new RpcFault('BAD_NAME', name);
    if (processName === undefined) return { group, process: undefined };
    const process = group.processes.get(processName);
    if (!process) throw new RpcFault('BAD_NAME', name);
    return { group, process };
  }

  /** Every active process, in priority order (groups by priority, then processes by priority). */
  #allByPriority(): SupervisedProcess[] {
    return [...this.#groups.values()]
      .sort((a, b) => a.config.priority - b.config.priority)
      .flatMap((g) => [...g.processes.values()].sort(byPriority));
  }

  /** Every active process, lexically by group then process name (getAllProcessInfo order). */
  #allLexical(): SupervisedProcess[] {
    const out: SupervisedProcess[] = [];
    for (const gname of [...this.#groups.keys()].sort()) {
      const g = this.#groups.get(gname)!;
      for (const pname of [...g.processes.keys()].sort()) out.push(g.processes.get(pname)!);
    }
    return out;
  }

  /**
   * What `names` designates: `all`, a group (`g:*`, `g:`, or a bare name that is only a group),
   * or one process (`g:p`, or `p` for a program whose group has its name). @throws RpcFault BAD_NAME
   */
  #target(
    names: string,
  ): { kind: 'all' } | { kind: 'group'; group: GroupRuntime } | { kind: 'process'; process: SupervisedProcess } {
    if (names === 'all') return { kind: 'all' };
    try {
      const { group, process } = this.#lookup(names);
      return process ? { kind: 'process', process } : { kind: 'group', group };
    } catch (e) {
      const group = names.includes(':') ? undefined : this.#groups.get(names);
      if (group) return { kind: 'group', group };
      throw e;
    }
  }

  /** Resolves `names` (`all`, `g:*`, `g`, `g:p`, `p`) to processes. @throws RpcFault BAD_NAME */
  resolve(names: string): SupervisedProcess[] {
    const t = this.#target(names);
    if (t.kind === 'all') return this.#allLexical();
    if (t.kind === 'process') return [t.process];
    return [...t.group.processes.values()];
  }

  /** The SupervisedProcess objects (for the control server and advanced callers). */
  processes(): SupervisedProcess[] {
    return this.#allLexical();
  }

  // ---------------------------------------------------------------- supervisord RPC semantics

  /** getProcessInfo struct, exactly as supervisord builds it. */
  processInfoStruct(p: SupervisedProcess): ProcessInfoStruct {
    const nowS = capped(Date.now() / 1000);
    const start = capped(p.laststart / 1000);
    const stop = capped(p.laststop / 1000);
    const info: ProcessInfoStruct = {
      name: p.config.name,
      group: p.config.group,
      start,
      stop,
      now: nowS,
      state: ProcessState[p.state],
      statename: p.state,
      spawnerr: p.spawnerr ?? '',
      exitstatus: p.exitstatus ?? 0,
      logfile: p.config.stdoutLogfile ?? '',
      stdout_logfile: p.config.stdoutLogfile ?? '',
      stderr_logfile: p.config.stderrLogfile ?? '',
      pid: p.pid,
      description: '',
    };
    info.description = this.#describe(p, info);
    return info;
  }

  #describe(p: SupervisedProcess, info: ProcessInfoStruct): string {
    switch (p.state) {
      case 'RUNNING':
        return `pid ${info.pid}, uptime ${formatTimedelta(info.now - info.start)}`;
      case 'FATAL':
      case 'BACKOFF':
        return info.spawnerr || `unknown error (try "tail ${info.name}")`;
      case 'STOPPED':
      case 'EXITED':
        if (p.waitingFor.length > 0) return `waiting for ${p.waitingFor.join(', ')}`;
        return info.start ? formatStopTime(info.stop) : 'Not started';
      default:
        return '';
    }
  }

  getProcessInfo(name: string): ProcessInfoStruct {
    this.#update();
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    return this.processInfoStruct(process);
  }

  getAllProcessInfo(): ProcessInfoStruct[] {
    this.#update();
    return this.#allLexical().map((p) => this.processInfoStruct(p));
  }

  /** supervisord's getAllConfigInfo (used by `supervisorctl avail`). */
  getAllConfigInfo(): Record<string, string | number | boolean | number[]>[] {
    this.#update();
    const out: Record<string, string | number | boolean | number[]>[] = [];
    const none = <T>(v: T | null) => (v === null ? 'none' : v);
    for (const g of this.#configGroups) {
      const active = this.#groups.get(g.name);
      const inuse = active !== undefined;
      for (const pc0 of g.processes) {
        const pc = active?.processes.get(pc0.name)?.config ?? pc0;
        const log = (v: string | null) => (v === AUTO_LOG ? 'auto' : none(v));
        out.push({
          autostart: pc.autostart,
          directory: none(pc.directory),
          uid: none(pc.uid),
          command: pc.command,
          exitcodes: [...pc.exitcodes],
          group: g.name,
          group_prio: g.priority,
          inuse,
          killasgroup: pc.killasgroup,
          name: pc.name,
          process_prio: pc.priority,
          redirect_stderr: pc.redirectStderr,
          startretries: pc.startretries,
          startsecs: pc.startsecs,
          stdout_capture_maxbytes: pc.stdoutCaptureMaxbytes,
          stdout_events_enabled: pc.stdoutEventsEnabled,
          stdout_logfile: log(pc.stdoutLogfile),
          stdout_logfile_backups: pc.stdoutLogfileBackups,
          stdout_logfile_maxbytes: pc.stdoutLogfileMaxbytes,
          stdout_syslog: pc.stdoutSyslog,
          stopsignal: pc.stopsignal,
          stopwaitsecs: pc.stopwaitsecs,
          stderr_capture_maxbytes: pc.stderrCaptureMaxbytes,
          stderr_events_enabled: pc.stderrEventsEnabled,
          stderr_logfile: log(pc.stderrLogfile),
          stderr_logfile_backups: pc.stderrLogfileBackups,
          stderr_logfile_maxbytes: pc.stderrLogfileMaxbytes,
          stderr_syslog: pc.stderrSyslog,
          serverurl: none(pc.serverurl),
        });
      }
    }
    return out.sort((a, b) => (String(a.name) < String(b.name) ? -1 : String(a.name) > String(b.name) ? 1 : 0));
  }

  /**
   * Synchronous part of startProcess: the checks and the spawn. Returns a promise for the wait
   * part (until RUNNING) or undefined when there is nothing to wait for.
   * @throws RpcFault
   */
  #beginStart(p: SupervisedProcess, wait: boolean): Promise<true> | undefined {
    const name = p.namespec;
    try {
      resolveExec(p.config.command, p.config.environment.PATH, this.#env.PATH);
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      throw new RpcFault(e.kind === 'not-found' ? 'NO_FILE' : 'NOT_EXECUTABLE', e.message, this.#evidence(p));
    }
    if (RUNNING_STATES.has(p.state) || this.#pending.has(p)) {
      if (this.#pending.has(p) && wait) return this.#waitStarted(p);
      throw new RpcFault('ALREADY_STARTED', name);
    }
    if (p.state === 'UNKNOWN') throw new RpcFault('FAILED', `${name} is in an unknown process state`);
    this.#requestStart(p);
    if (p.spawnerr && !this.#pending.has(p)) throw new RpcFault('SPAWN_ERROR', name, this.#evidence(p));
    if (wait && p.state !== 'RUNNING') return this.#waitStarted(p);
    return undefined;
  }

  /** supervisord's onwait for startProcess: RUNNING → true; spawnerr → SPAWN_ERROR; left STARTING → ABNORMAL_TERMINATION. */
  #waitStarted(p: SupervisedProcess): Promise<true> {
    return this.#waitOn<true>(p, () => {
      if (this.#pending.has(p)) return undefined;
      if (p.spawnerr) return new RpcFault('SPAWN_ERROR', p.namespec, this.#evidence(p));
      if (p.state !== 'STARTING' && p.state !== 'RUNNING')
        return new RpcFault('ABNORMAL_TERMINATION', p.namespec, this.#evidence(p));
      if (p.state === 'RUNNING') return true;
      return undefined;
    });
  }

  /**
   * Re-evaluates `check` after every change until it returns a value (resolve) or an Error
   * (reject). Event-driven: no polling.
   */
  #waitOn<T>(_p: SupervisedProcess, check: () => T | Error | undefined, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const evaluate = (): void => {
        const r = check();
        if (r === undefined) return;
        this.#waiters.delete(evaluate);
        signal?.removeEventListener('abort', onAbort);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      // A wait given up by its caller (deadline) must not stay registered.
      const onAbort = () => this.#waiters.delete(evaluate);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(evaluate);
      evaluate();
    });
  }

  /** Re-evaluates every pending wait (after any state change, spawn, readiness or dependency news). */
  #kick(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Evidence for errors about a process: the command, its log file and the last log lines. */
  #evidence(p: SupervisedProcess): { node: string; command: string[]; logFile?: string; logTail?: string[] } {
    let argv: string[] = [p.config.command];
    try {
      argv = [...resolveExec(p.config.command, p.config.environment.PATH, this.#env.PATH).argv];
    } catch {
      // Keep the raw command string.
    }
    const logFile = p.config.stdoutLogfile ?? p.config.stderrLogfile ?? undefined;
    let logTail: string[] | undefined;
    for (const f of [p.config.stderrLogfile, p.config.stdoutLogfile]) {
      if (!f) continue;
      try {
        const text = readLogFile(f, -2000, 0).toString('utf8');
        const lines = text.split('\n').filter(Boolean).slice(-10);
        if (lines.length > 0) {
          logTail = lines;
          break;
        }
      } catch {
        // No log yet.
      }
    }
    return { node: p.namespec, command: argv, ...(logFile ? { logFile } : {}), ...(logTail ? { logTail } : {}) };
  }

  async startProcess(name: string, wait = true): Promise<true | ProcessResult[]> {
    this.#update();
    const { group, process } = this.#lookup(name);
    if (!process) return this.startProcessGroup(group.config.name, wait);
    const w = this.#beginStart(process, wait);
    if (w) await w;
    return true;
  }

  async startProcessGroup(name: string, wait = true): Promise<ProcessResult[]> {
    this.#update();
    const group = this.#groups.get(name);
    if (!group) throw new RpcFault('BAD_NAME', name);
    return this.#allfunc(
      [...group.processes.values()].sort(byPriority),
      (p) => !RUNNING_STATES.has(p.state),
      (p) => this.#beginStart(p, wait),
    );
  }

  async startAllProcesses(wait = true): Promise<ProcessResult[]> {
    this.#update();
    return this.#allfunc(
      this.#allByPriority(),
      (p) => !RUNNING_STATES.has(p.state),
      (p) => this.#beginStart(p, wait),
    );
  }

  #beginStop(p: SupervisedProcess, wait: boolean): Promise<true> | undefined {
    if (this.#pending.has(p)) {
      this.#cancelPending(p, 'start cancelled by a stop request');
      p.spawnerr = null;
      return undefined;
    }
    if (!RUNNING_STATES.has(p.state)) throw new RpcFault('NOT_RUNNING', p.namespec);
    const msg = p.stop();
    if (msg !== undefined) throw new RpcFault('FAILED', msg);
    if (wait && !STOPPED_STATES.has(p.state))
      return this.#waitOn<true>(p, () => (STOPPED_STATES.has(p.state) ? true : undefined));
    return undefined;
  }

  async stopProcess(name: string, wait = true): Promise<true | ProcessResult[]> {
    this.#update();
    const { group, process } = this.#lookup(name);
    if (!process) return this.stopProcessGroup(group.config.name, wait);
    const w = this.#beginStop(process, wait);
    if (w) await w;
    return true;
  }

  async stopProcessGroup(name: string, wait = true): Promise<ProcessResult[]> {
    this.#update();
    const group = this.#groups.get(name);
    if (!group) throw new RpcFault('BAD_NAME', name);
    return this.#stopOrdered([...group.processes.values()].sort(byPriority), wait);
  }

  async stopAllProcesses(wait = true): Promise<ProcessResult[]> {
    this.#update();
    return this.#stopOrdered(this.#allByPriority(), wait);
  }

  /** Stops `procs` all at once (supervisord), or in dependency waves when some depend on others. */
  async #stopOrdered(procs: SupervisedProcess[], wait: boolean): Promise<ProcessResult[]> {
    const isRunning = (p: SupervisedProcess) => RUNNING_STATES.has(p.state) || this.#pending.has(p);
    const waves = this.#stopWaves(procs);
    if (waves.length <= 1) return this.#allfunc(procs, isRunning, (p) => this.#beginStop(p, wait));
    const results: ProcessResult[] = [];
    for (const wave of waves) {
      const ordered = procs.filter((p) => wave.includes(p));
      const r = this.#allfunc(ordered, isRunning, (p) => this.#beginStop(p, true));
      results.push(...(await r));
    }
    return results;
  }

  /**
   * supervisord's make_allfunc: run `begin` for each process passing `predicate`; immediate results
   * are reported first, then waits as they finish (process order within a polling round, which is
   * the order supervisord's polling produces).
   */
  async #allfunc(
    procs: readonly SupervisedProcess[],
    predicate: (p: SupervisedProcess) => boolean,
    begin: (p: SupervisedProcess) => Promise<true> | undefined,
  ): Promise<ProcessResult[]> {
    const immediate: ProcessResult[] = [];
    const deferred: { index: number; promise: Promise<ProcessResult & { at: number }> }[] = [];
    procs.forEach((p, index) => {
      if (!predicate(p)) return;
      const base = { name: p.config.name, group: p.config.group };
      let w: Promise<true> | undefined;
      try {
        w = begin(p);
      } catch (e) {
        if (!(e instanceof RpcFault)) throw e;
        immediate.push({ ...base, status: e.faultCode!, description: e.faultString });
        return;
      }
      if (!w) {
        immediate.push({ ...base, status: Faults.SUCCESS, description: 'OK' });
        return;
      }
      deferred.push({
        index,
        promise: w.then(
          () => ({ ...base, status: Faults.SUCCESS, description: 'OK', at: Date.now() }),
          (e: unknown) => {
            if (!(e instanceof RpcFault)) throw e;
            return { ...base, status: e.faultCode!, description: e.faultString, at: Date.now() };
          },
        ),
      });
    });
    const done = await Promise.all(deferred.map(async (d) => ({ index: d.index, r: await d.promise })));
    // Completions close together are reported in process order, as one polling round of
    // supervisord would see them; a clearly later one (say, after a SIGKILL escalation) comes after.
    done.sort((a, b) => a.r.at - b.r.at);
    const rounds: (typeof done)[] = [];
    for (const d of done) {
      const round = rounds.at(-1);
      if (round && d.r.at - round[0].r.at < ROUND_MS) round.push(d);
      else rounds.push([d]);
    }
    const ordered = rounds.flatMap((round) => round.sort((a, b) => a.index - b.index));
    return [...immediate, ...ordered.map(({ r: { at: _at, ...r } }) => r)];
  }

  signalProcess(name: string, signal: string | number): true | ProcessResult[] {
    this.#update();
    const { group, process } = this.#lookup(name);
    if (!process) return this.signalProcessGroup(group.config.name, signal);
    let sig: number;
    try {
      sig = parseSignal(signal);
    } catch {
      throw new RpcFault('BAD_SIGNAL', signal);
    }
    if (!SIGNALLABLE_STATES.has(process.state)) throw new RpcFault('NOT_RUNNING', name);
    const msg = process.signal(sig);
    if (msg !== undefined) throw new RpcFault('FAILED', msg);
    return true;
  }

  #signalAll(procs: readonly SupervisedProcess[], signal: string | number): ProcessResult[] {
    const out: ProcessResult[] = [];
    for (const p of procs) {
      if (!SIGNALLABLE_STATES.has(p.state)) continue;
      try {
        this.signalProcess(p.namespec, signal);
        out.push({ name: p.config.name, group: p.config.group, status: Faults.SUCCESS, description: 'OK' });
      } catch (e) {
        if (!(e instanceof RpcFault)) throw e;
        out.push({ name: p.config.name, group: p.config.group, status: e.faultCode!, description: e.faultString });
      }
    }
    return out;
  }

  signalProcessGroup(name: string, signal: string | number): ProcessResult[] {
    const group = this.#groups.get(name);
    this.#update();
    if (!group) throw new RpcFault('BAD_NAME', name);
    return this.#signalAll([...group.processes.values()].sort(byPriority), signal);
  }

  signalAllProcesses(signal: string | number): ProcessResult[] {
    const r = this.#signalAll(this.#allByPriority(), signal);
    this.#update();
    return r;
  }

  #logfileOf(p: SupervisedProcess, channel: Channel): string | null {
    return channel === 'stdout' ? p.config.stdoutLogfile : p.config.stderrLogfile;
  }

  readProcessLog(name: string, channel: Channel, offset: number, length: number): Buffer {
    this.#update();
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    const file = this.#logfileOf(process, channel);
    if (file === null) throw new RpcFault('NO_FILE', 'None');
    try {
      return readLogFile(file, offset, length);
    } catch (e) {
      if (!(e instanceof LogReadError)) throw e;
      if (e.fault === 'FAILED' && !fileExists(file)) throw new RpcFault('NO_FILE', file);
      throw new RpcFault(e.fault);
    }
  }

  tailProcessLog(name: string, channel: Channel, offset: number, length: number): TailResult {
    this.#update();
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    const file = this.#logfileOf(process, channel);
    if (file === null || !fileExists(file)) return { data: Buffer.alloc(0), offset: 0, overflow: false };
    return tailLogFile(file, offset, length);
  }

  clearProcessLogs(name: string): true {
    this.#update();
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    try {
      process.stdout.file?.clear();
      process.stderr?.file?.clear();
    } catch {
      throw new RpcFault('FAILED', name);
    }
    return true;
  }

  clearAllProcessLogs(): ProcessResult[] {
    this.#update();
    return this.#allByPriority().map((p) => {
      try {
        this.clearProcessLogs(p.namespec);
        return { name: p.config.name, group: p.config.group, status: Faults.SUCCESS, description: 'OK' };
      } catch (e) {
        if (!(e instanceof RpcFault)) throw e;
        return { name: p.config.name, group: p.config.group, status: e.faultCode!, description: e.faultString };
      }
    });
  }

  readMainLog(offset: number, length: number): Buffer {
    this.#update();
    const file = this.#options.mainLogFile;
    if (!file || !fileExists(file)) throw new RpcFault('NO_FILE', file ?? 'None');
    try {
      return readLogFile(file, offset, length);
    } catch (e) {
      if (e instanceof LogReadError) throw new RpcFault(e.fault);
      throw e;
    }
  }

  sendProcessStdin(name: string, chars: unknown): true {
    this.#update();
    if (typeof chars !== 'string') throw new RpcFault('INCORRECT_PARAMETERS', String(chars));
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    if (!process.pid || process.killing) throw new RpcFault('NOT_RUNNING', name);
    try {
      process.write(chars);
    } catch {
      throw new RpcFault('NO_FILE', name);
    }
    return true;
  }

  sendRemoteCommEvent(type: string, data: string): true {
    this.bus.emit({ type: 'REMOTE_COMMUNICATION', commType: type, data });
    return true;
  }

  /** Re-reads the configuration and reports [[added, changed, removed]] group names; applies nothing. */
  reloadConfig(): [string[], string[], string[]][] {
    this.#update();
    const reload = this.#options.reload;
    if (!reload) throw new RpcFault('CANT_REREAD', 'this supervisor was not started from a config file');
    let next: SupervisorConfig;
    try {
      next = reload();
    } catch (e) {
      throw new RpcFault('CANT_REREAD', (e as Error).message.split('\n')[0]);
    }
    try {
      this.#configGroups = this.#validateGroups([...next.groups, ...this.#codeDefined]);
    } catch (e) {
      throw new RpcFault('CANT_REREAD', (e as Error).message.split('\n')[0]);
    }
    const active = new Map([...this.#groups.values()].map((g) => [g.config.name, g.config]));
    const nextGroups = this.#configGroups;
    const added = nextGroups.filter((g) => !active.has(g.name)).map((g) => g.name);
    const removed = [...active.keys()].filter((n) => !nextGroups.some((g) => g.name === n));
    const changed = nextGroups
      .filter((g) => active.has(g.name) && !sameGroupConfig(g, active.get(g.name)!))
      .map((g) => g.name);
    return [[added, changed, removed]];
  }

  addProcessGroup(name: string): true {
    this.#update();
    const config = this.#configGroups.find((g) => g.name === name);
    if (!config) throw new RpcFault('BAD_NAME', name);
    if (this.#groups.has(name)) throw new RpcFault('ALREADY_ADDED', name);
    const g = this.#addGroup(config);
    for (const p of g.processes.values()) p.transition();
    return true;
  }

  removeProcessGroup(name: string): true {
    this.#update();
    const g = this.#groups.get(name);
    if (!g) throw new RpcFault('BAD_NAME', name);
    if ([...g.processes.values()].some((p) => !STOPPED_STATES.has(p.state))) throw new RpcFault('STILL_RUNNING', name);
    this.#removeGroup(name);
    return true;
  }

  /**
   * supervisord's restart (SIGHUP / restart RPC): stop everything in order, re-read the config if
   * it came from a file, then add the groups again and autostart.
   */
  async restartSupervisor(): Promise<void> {
    this.#update();
    this.#setMood('RESTARTING');
    await this.#stopEverything('restart');
    for (const name of [...this.#groups.keys()]) this.#removeGroup(name);
    if (this.#options.reload) {
      try {
        this.#configGroups = this.#validateGroups([...this.#options.reload().groups, ...this.#codeDefined]);
      } catch (e) {
        this.logger.log('error', `could not re-read the config, keeping the previous one: ${(e as Error).message}`);
      }
    }
    if (this.#closing) return;
    this.#setMood('RUNNING');
    for (const g of this.#configGroups) this.#addGroup(g);
    this.#transitionAll();
  }

  // ---------------------------------------------------------------- SupervisorControl (friendly API)

  async getStatus(): Promise<SupervisorStatus> {
    return { state: this.#mood, stateCode: SupervisorState[this.#mood], pid: process.pid, identifier: this.identifier };
  }

  /** Our richer ProcessInfo for one process. */
  processInfo(p: SupervisedProcess): ProcessInfo {
    const s = this.processInfoStruct(p);
    return {
      name: p.namespec,
      processName: p.config.name,
      group: p.config.group,
      state: p.state,
      stateCode: ProcessState[p.state],
      pid: p.pid,
      ready: p.ready,
      waitingFor: [...p.waitingFor],
      startTime: p.laststart,
      stopTime: p.laststop,
      uptimeMs: Math.round(p.uptimeMs),
      exitStatus: p.exitstatus,
      spawnErr: p.spawnerr,
      description: s.description,
      spawnCount: p.spawnCount,
      restartCount: p.restartCount,
      stdoutLogfile: p.config.stdoutLogfile,
      stderrLogfile: p.config.stderrLogfile,
    };
  }

  async status(names = 'all'): Promise<ProcessInfo[]> {
    return this.resolve(names).map((p) => this.processInfo(p));
  }

  async info(name: string): Promise<ProcessInfo> {
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    return this.processInfo(process);
  }

  /** Runs `op` with an optional deadline that names what it waited for. */
  async #deadline<T>(op: Promise<T>, options: ActionOptions | undefined, what: string): Promise<T> {
    return options?.timeoutMs === undefined ? op : withTimeout(op, options.timeoutMs, what);
  }

  /** Turns fault results into one error (ignoring ALREADY_STARTED / NOT_RUNNING, like supervisorctl). */
  #throwFailures(results: readonly ProcessResult[], ignore: number): void {
    const failed = results.filter((r) => r.status !== Faults.SUCCESS && r.status !== ignore);
    if (failed.length === 0) return;
    const first = failed[0];
    const p = this.#groups.get(first.group)?.processes.get(first.name);
    const fault = new RpcFault(
      (Object.entries(Faults).find(([, v]) => v === first.status)?.[0] ?? 'FAILED') as keyof typeof Faults,
      first.description.includes(':') ? first.description.slice(first.description.indexOf(':') + 2) : null,
      p ? this.#evidence(p) : {},
    );
    throw fault;
  }

  async start(names: string, options?: ActionOptions): Promise<ProcessInfo[]> {
    const wait = options?.wait ?? true;
    const t = this.#target(names);
    const op = async () => {
      if (t.kind === 'all') this.#throwFailures(await this.startAllProcesses(wait), Faults.ALREADY_STARTED);
      else if (t.kind === 'group')
        this.#throwFailures(await this.startProcessGroup(t.group.config.name, wait), Faults.ALREADY_STARTED);
      else {
        try {
          await this.startProcess(t.process.namespec, wait);
        } catch (e) {
          if (!(e instanceof RpcFault) || e.faultCode !== Faults.ALREADY_STARTED) throw e;
        }
      }
    };
    await this.#deadline(op(), options, `${names} to start`);
    return this.resolve(names).map((p) => this.processInfo(p));
  }

  async stop(names: string, options?: ActionOptions): Promise<ProcessInfo[]> {
    const wait = options?.wait ?? true;
    const t = this.#target(names);
    const op = async () => {
      if (t.kind === 'all') this.#throwFailures(await this.stopAllProcesses(wait), Faults.NOT_RUNNING);
      else if (t.kind === 'group')
        this.#throwFailures(await this.stopProcessGroup(t.group.config.name, wait), Faults.NOT_RUNNING);
      else {
        try {
          await this.stopProcess(t.process.namespec, wait);
        } catch (e) {
          if (!(e instanceof RpcFault) || e.faultCode !== Faults.NOT_RUNNING) throw e;
        }
      }
    };
    await this.#deadline(op(), options, `${names} to stop`);
    return this.resolve(names).map((p) => this.processInfo(p));
  }

  async restart(names: string, options?: ActionOptions): Promise<ProcessInfo[]> {
    await this.stop(names, { ...options, wait: true });
    return this.start(names, options);
  }

  async signal(names: string, signal: string | number): Promise<ProcessInfo[]> {
    const t = this.#target(names);
    if (t.kind === 'all') this.#throwFailures(this.signalAllProcesses(signal), -1);
    else if (t.kind === 'group') this.#throwFailures(this.signalProcessGroup(t.group.config.name, signal), -1);
    else this.signalProcess(t.process.namespec, signal);
    return this.resolve(names).map((p) => this.processInfo(p));
  }

  async tail(name: string, options?: LogReadOptions): Promise<string> {
    return this.readProcessLog(name, options?.channel ?? 'stdout', -(options?.bytes ?? 1600), 0).toString('utf8');
  }

  async follow(name: string, options?: FollowOptions): Promise<AsyncIterableIterator<string>> {
    const { process } = this.#lookup(name);
    if (!process) throw new RpcFault('BAD_NAME', name);
    const channel = options?.channel ?? 'stdout';
    const file = this.#logfileOf(process, channel);
    if (!file) throw new RpcFault('NO_FILE', 'None');
    if (!fileExists(file)) throw new RpcFault('NO_FILE', file);
    return followFile(file, { backlogBytes: options?.backlogBytes ?? 0, signal: options?.signal });
  }

  /** Subscribes to complete output lines (synchronously: nothing completed after this call is missed). */
  subscribeLines(names: string, options: LineStreamOptions = {}): AsyncQueue<LogLine> {
    const procs = this.resolve(names);
    const wanted = new Set(procs.map((p) => p.namespec));
    const channel = options.channel ?? 'both';
    const queue: AsyncQueue<LogLine> = new AsyncQueue<LogLine>({
      onClose: () => {
        this.#lineHandlers.delete(handler);
        options.signal?.removeEventListener('abort', onAbort);
      },
    });
    const handler = (l: LogLine) => {
      if (wanted.has(l.name) && (channel === 'both' || l.channel === channel)) queue.push(l);
    };
    if (options.from && options.from !== 'now') {
      if (procs.length !== 1) throw new RpcFault('BAD_ARGUMENTS', 'an offset needs exactly one process');
      const p = procs[0];
      const ch: Channel = channel === 'stderr' ? 'stderr' : 'stdout';
      const file = this.#logfileOf(p, ch);
      if (!file) throw new RpcFault('NO_FILE', 'None');
      let data: Buffer;
      try {
        data = readLogFile(file, Math.max(0, options.from.offset), 0);
      } catch (e) {
        if (e instanceof LogReadError) throw new RpcFault(fileExists(file) ? e.fault : 'NO_FILE', file);
        throw e;
      }
      const end = data.lastIndexOf(10);
      if (end >= 0) {
        for (const text of data.subarray(0, end).toString('utf8').split('\n')) {
          queue.push({ name: p.namespec, channel: ch, pid: 0, text, time: Date.now(), replayed: true });
        }
      }
    }
    this.#lineHandlers.add(handler);
    const onAbort = () => queue.end();
    if (options.signal?.aborted) queue.end();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    return queue;
  }

  async lines(names: string, options?: LineStreamOptions): Promise<AsyncIterableIterator<LogLine>> {
    return this.subscribeLines(names, options);
  }

  async events(options?: EventSubscriptionOptions): Promise<AsyncIterableIterator<SupervisorEvent>> {
    return this.events$(options);
  }

  /** Calls `handler` synchronously for every event; returns the unsubscribe function. */
  on(handler: (e: SupervisorEvent) => void): () => void {
    return this.bus.on(handler);
  }

  /** Synchronous event subscription (the async `events()` exists for interface parity with the client). */
  events$(options: EventSubscriptionOptions = {}): AsyncQueue<SupervisorEvent> {
    return this.bus.subscribe(options);
  }

  async waitFor(name: string, options: WaitOptions): Promise<ProcessInfo> {
    const { process: initial } = this.#lookup(name);
    if (!initial) throw new RpcFault('BAD_NAME', name);
    // Looked up on every evaluation: a supervisor restart (SIGHUP) replaces the process objects.
    const current = (): SupervisedProcess => {
      try {
        return this.#lookup(name).process ?? initial;
      } catch {
        return initial;
      }
    };
    const states =
      options.state === undefined ? undefined : typeof options.state === 'string' ? [options.state] : options.state;
    const what = [
      states ? `state ${states.join(' or ')}` : undefined,
      options.ready ? 'READY' : undefined,
      options.notPid !== undefined ? `a pid other than ${options.notPid}` : undefined,
    ]
      .filter(Boolean)
      .join(' and ');
    const satisfied = (p: SupervisedProcess) =>
      (!states || states.includes(p.state)) &&
      (!options.ready || p.ready) &&
      (options.notPid === undefined || (p.pid !== 0 && p.pid !== options.notPid));
    const cancel = new AbortController();
    const op = this.#waitOn<ProcessInfo>(
      initial,
      () => {
        const p = current();
        if (satisfied(p)) return this.processInfo(p);
        if (options.ready && !states && p.state === 'FATAL')
          return new RpcFault('SPAWN_ERROR', p.namespec, this.#evidence(p));
        if (this.#closing) return new RpcFault('SHUTDOWN_STATE');
        return undefined;
      },
      cancel.signal,
    );
    try {
      return await withTimeout(op, options.timeoutMs, `${initial.namespec} to reach ${what || 'any state'}`);
    } catch (e) {
      if (e instanceof StartupTimeoutError) {
        const p = current();
        const ev = this.#evidence(p);
        throw new StartupTimeoutError(
          `Timed out after ${options.timeoutMs}ms waiting for ${p.namespec} to reach ${what} (now ${p.state}${p.ready ? ', ready' : ''}${p.waitingFor.length ? `, waiting for ${p.waitingFor.join(', ')}` : ''})`,
          { ...ev, waitingFor: `${p.namespec} ${what}`, timeoutMs: options.timeoutMs, cause: e },
        );
      }
      throw e;
    } finally {
      cancel.abort();
    }
  }

  async waitReady(name: string, options: { readonly timeoutMs: number }): Promise<ProcessInfo> {
    return this.waitFor(name, { ready: true, timeoutMs: options.timeoutMs });
  }

  async metrics(names = 'all'): Promise<ProcessMetrics[]> {
    return this.resolve(names).map((p) => {
      const m = p.pid ? readProcMetrics(p.pid) : undefined;
      return {
        name: p.namespec,
        group: p.config.group,
        state: p.state,
        stateCode: ProcessState[p.state],
        pid: p.pid,
        ready: p.ready,
        uptimeMs: Math.round(p.uptimeMs),
        spawnCount: p.spawnCount,
        restartCount: p.restartCount,
        exitStatus: p.exitstatus,
        ...(m ? { cpuSeconds: m.cpuSeconds, rssBytes: m.rssBytes, openFds: m.openFds, threads: m.threads } : {}),
      };
    });
  }

  async shutdown(): Promise<void> {
    await this.close();
  }
}

function fileExists(p: string): boolean {
  try {
    closeSync(openSync(p, 'r'));
    return true;
  } catch {
    return false;
  }
}

/** Group configs equal for reloadConfig's "changed" (AUTO log paths are not compared). */
function sameGroupConfig(a: GroupConfig, b: GroupConfig): boolean {
  if (a.name !== b.name || a.priority !== b.priority || a.processes.length !== b.processes.length) return false;
  return a.processes.every((p, i) => JSON.stringify(p) === JSON.stringify(b.processes[i]));
}

export type { EventInit, SupervisorEvent, ProcessResult };
export { eventMatches };
