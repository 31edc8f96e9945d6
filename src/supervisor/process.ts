// One supervised process and supervisord's state machine for it (process.py Subprocess): spawn,
// startsecs → RUNNING, exit → EXITED/BACKOFF/STOPPED, backoff N seconds after failure N, FATAL
// after startretries, stop signal then SIGKILL after stopwaitsecs, to the pid or its process
// group. Same thresholds and the same events as supervisord, but driven by exact timers and exit
// notifications instead of a 1-second poll loop, so a crashed child is respawned in milliseconds.

import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ProcessConfig } from './config/model.js';
import { signalName } from './config/value-types.js';
import type { EventInit } from './events.js';
import { ExecError, resolveExec } from './exec.js';
import { OutputChannel, type ChannelReader, type LogLine } from './logs/output-channel.js';
import type { SupervisorLogger } from './main-log.js';
import type { ProcessStateName } from './states.js';

const SIGKILL = 9;

/** Whom to run a child as: a uid/gid switch, `refused` (not root), or undefined (no switch). */
type SetuidTarget = { uid: number; gid: number } | 'refused' | undefined;
/** How long an exit waits for the child's pipes to reach EOF so its last output is logged first. */
const DRAIN_GRACE_MS = 50;

/** What a process needs from the supervisor that owns it. */
export interface ProcessHost {
  /** supervisord's mood: spawns happen only while RUNNING. */
  readonly running: boolean;
  readonly logger: SupervisorLogger;
  /** supervisord's own environment, the base of every child's environment. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** `SUPERVISOR_SERVER_URL` for children (when the program does not set serverurl). */
  readonly serverUrl: string | null;
  readonly stripAnsi: boolean;
  emit(init: EventInit): void;
  line(line: LogLine): void;
  /** A STOPPED process with autostart asks to be started; the host decides when (dependencies). */
  requestAutostart(p: SupervisedProcess): void;
  /** Called after every state change, after the event was emitted. */
  stateChanged(p: SupervisedProcess, from: ProcessStateName, to: ProcessStateName): void;
  /** Called when a child was spawned (pid known) and when its exit has been processed. */
  spawned(p: SupervisedProcess, pid: number): void;
}

function monoNow(): number {
  return performance.now();
}

/** Decodes an exit like supervisord's decode_wait_status: (es, message). */
function decodeExit(code: number | null, signal: NodeJS.Signals | null): { es: number; msg: string } {
  if (code !== null) return { es: code, msg: `exit status ${code}` };
  const num = signal ? osConstants.signals[signal] : undefined;
  return { es: -1, msg: `terminated by ${num !== undefined ? signalName(num) : (signal ?? 'unknown signal')}` };
}

export class SupervisedProcess {
  state: ProcessStateName = 'STOPPED';
  /** Wall-clock ms of the last spawn (0 = never), like supervisord's laststart. */
  laststart = 0;
  /** Wall-clock ms of the last exit (0 = never). */
  laststop = 0;
  backoff = 0;
  killing = false;
  pid = 0;
  /** Exit status of the last exit (-1 for a signal death), null when unknown. */
  exitstatus: number | null = null;
  /** Exit status of the current spawn attempt once it ended, kept even when supervisord's `exitstatus` is not (too quick). */
  #attemptExit: number | null = null;
  spawnerr: string | null = null;
  /** Number of spawns, and of those the automatic ones (autorestart or backoff retry). */
  spawnCount = 0;
  restartCount = 0;
  /** Readiness of the current incarnation. */
  ready = false;
  /** Set while a start waits for dependencies (our extension). */
  waitingFor: readonly string[] = [];

  readonly namespec: string;
  readonly stdout: OutputChannel;
  readonly stderr: OutputChannel | null;

  #laststartMono = 0;
  #delayMono = 0;
  #timer: NodeJS.Timeout | undefined;
  #child: ChildProcess | undefined;
  #inTransition = false;

  constructor(
    readonly config: ProcessConfig,
    readonly host: ProcessHost,
  ) {
    this.namespec = config.group === config.name ? config.name : `${config.group}:${config.name}`;
    const sinks = {
      line: (l: LogLine) => host.line(l),
      logged: (data: Buffer, pid: number) =>
        host.emit({ type: 'PROCESS_LOG_STDOUT', ...this.#ids(), pid, channel: 'stdout', data: data.toString('utf8') }),
      communication: (data: Buffer, pid: number) =>
        host.emit({ type: 'PROCESS_COMMUNICATION_STDOUT', ...this.#ids(), pid, data: data.toString('utf8') }),
    };
    this.stdout = new OutputChannel(
      {
        name: this.namespec,
        channel: 'stdout',
        logfile: config.stdoutLogfile,
        maxBytes: config.stdoutLogfileMaxbytes,
        backups: config.stdoutLogfileBackups,
        captureMaxBytes: config.stdoutCaptureMaxbytes,
        stripAnsi: host.stripAnsi,
        eventsEnabled: config.stdoutEventsEnabled,
      },
      sinks,
    );
    this.stderr = config.redirectStderr
      ? null
      : new OutputChannel(
          {
            name: this.namespec,
            channel: 'stderr',
            logfile: config.stderrLogfile,
            maxBytes: config.stderrLogfileMaxbytes,
            backups: config.stderrLogfileBackups,
            captureMaxBytes: config.stderrCaptureMaxbytes,
            stripAnsi: host.stripAnsi,
            eventsEnabled: config.stderrEventsEnabled,
          },
          {
            line: sinks.line,
            logged: (data, pid) =>
              host.emit({
                type: 'PROCESS_LOG_STDERR',
                ...this.#ids(),
                pid,
                channel: 'stderr',
                data: data.toString('utf8'),
              }),
            communication: (data, pid) =>
              host.emit({ type: 'PROCESS_COMMUNICATION_STDERR', ...this.#ids(), pid, data: data.toString('utf8') }),
          },
        );
  }

  get name(): string {
    return this.config.name;
  }

  get group(): string {
    return this.config.group;
  }

  /** Milliseconds since the current incarnation was spawned (monotonic). */
  get uptimeMs(): number {
    return this.pid ? monoNow() - this.#laststartMono : 0;
  }

  #ids() {
    return { name: this.namespec, processName: this.config.name, groupName: this.config.group };
  }

  #log(level: Parameters<SupervisorLogger['log']>[0], msg: string): void {
    this.host.logger.log(level, msg);
  }

  changeState(to: ProcessStateName, expected = true): boolean {
    const from = this.state;
    if (to === from) return false;
    this.state = to;
    if (to === 'BACKOFF') {
      this.backoff += 1;
      this.#delayMono = monoNow() + this.backoff * 1000;
    }
    // READY belongs to one incarnation: it survives only the STARTING → RUNNING promotion.
    if (to !== 'RUNNING') this.ready = false;
    const ids = this.#ids();
    switch (to) {
      case 'STARTING':
        this.host.emit({ type: 'PROCESS_STATE_STARTING', ...ids, fromState: from, tries: this.backoff });
        break;
      case 'BACKOFF':
        this.host.emit({
          type: 'PROCESS_STATE_BACKOFF',
          ...ids,
          fromState: from,
          tries: this.backoff,
          exitStatus: this.#attemptExit,
        });
        break;
      case 'RUNNING':
      case 'STOPPING':
      case 'STOPPED':
        this.host.emit({ type: `PROCESS_STATE_${to}`, ...ids, fromState: from, pid: this.pid });
        break;
      case 'EXITED':
        this.host.emit({
          type: 'PROCESS_STATE_EXITED',
          ...ids,
          fromState: from,
          pid: this.pid,
          expected,
          exitStatus: this.exitstatus,
        });
        break;
      default:
        this.host.emit({ type: `PROCESS_STATE_${to}`, ...ids, fromState: from });
    }
    this.host.stateChanged(this, from, to);
    return true;
  }

  #assertState(...states: ProcessStateName[]): void {
    if (!states.includes(this.state)) {
      throw new Error(`Assertion failed for ${this.config.name}: ${this.state} not in ${states.join(' ')}`);
    }
  }

  /**
   * Starts the process (supervisord's spawn). Legal from STOPPED, EXITED, FATAL and BACKOFF.
   * Returns the pid, or undefined when spawning failed (the process is then in BACKOFF, or will
   * be once the emulated child exit is processed).
   */
  spawn(): number | undefined {
    const pid = this.#spawn();
    this.transition();
    return pid;
  }

  #spawn(): number | undefined {
    if (this.pid) {
      this.#log('warn', `process '${this.config.name}' already running`);
      return undefined;
    }
    this.killing = false;
    this.spawnerr = null;
    this.exitstatus = null;
    this.#attemptExit = null;
    this.laststart = Date.now();
    this.#laststartMono = monoNow();
    this.#assertState('EXITED', 'FATAL', 'BACKOFF', 'STOPPED');
    this.waitingFor = [];
    this.changeState('STARTING');

    let exec;
    try {
      exec = resolveExec(this.config.command, this.config.environment.PATH, this.host.baseEnv.PATH);
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      this.#recordSpawnErr(e.message);
      this.#assertState('STARTING');
      this.changeState('BACKOFF');
      return undefined;
    }

    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.host.baseEnv)) if (v !== undefined) env[k] = v;
    env.SUPERVISOR_ENABLED = '1';
    const serverUrl = this.config.serverurl ?? this.host.serverUrl;
    if (serverUrl) env.SUPERVISOR_SERVER_URL = serverUrl;
    env.SUPERVISOR_PROCESS_NAME = this.config.name;
    env.SUPERVISOR_GROUP_NAME = this.config.group;
    Object.assign(env, this.config.environment);

    // Failures that supervisord hits in the forked child (before exec) are reported the same way:
    // a note on the child's stderr and exit status 127, which then counts as a too-quick exit.
    const childFailure = this.#preflight();
    if (childFailure) {
      this.#failInChild(childFailure);
      return undefined;
    }

    const target = this.#setuidTarget();
    let child: ChildProcess;
    // Node has no per-child umask option; spawn() is synchronous and the child inherits the
    // umask at fork, so ours is set around the call (only for programs that ask for a umask; a
    // libuv worker creating a file in those microseconds would see it too).
    const oldUmask = this.config.umask !== null ? process.umask(this.config.umask) : undefined;
    try {
      child = spawn(exec.file, exec.argv.slice(1), {
        argv0: exec.argv[0],
        cwd: this.config.directory ?? undefined,
        env,
        // detached: setsid(), so the child leads its own process group (supervisord's setpgrp):
        // signals to the supervisor's group do not reach it, and stopasgroup can signal -pid.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        uid: typeof target === 'object' ? target.uid : undefined,
        gid: typeof target === 'object' ? target.gid : undefined,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
        this.#failInChild(`couldn't exec ${exec.argv[0]}: ${code}`);
      } else {
        this.#recordSpawnErr(`unknown error making dispatchers for '${this.config.name}': ${(e as Error).message}`);
        this.changeState('BACKOFF');
      }
      return undefined;
    } finally {
      if (oldUmask !== undefined) process.umask(oldUmask);
    }

    if (child.pid === undefined) {
      // Node reports these exec failures on the next tick; until then the process stays STARTING,
      // just as supervisord's forked child is STARTING until it reports the failed exec.
      child.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? 'unknown error';
        if (code === 'EAGAIN') this.#spawnFailed(`Too many processes in process table to spawn '${this.config.name}'`);
        else if (code === 'EMFILE' || code === 'ENFILE')
          this.#spawnFailed(`too many open files to spawn '${this.config.name}'`);
        else this.#failInChild(`couldn't exec ${exec.argv[0]}: ${code}`);
      });
      return undefined;
    }

    const pid = child.pid;
    this.#child = child;
    this.pid = pid;
    this.spawnCount += 1;
    this.#log('info', `spawned: '${this.config.name}' with pid ${pid}`);
    this.spawnerr = null;
    this.#attach(child, pid);
    this.host.spawned(this, pid);
    return pid;
  }

  /** Checks supervisord performs in the child after fork; returns the failure text, if any. */
  #preflight(): string | undefined {
    const target = this.#setuidTarget();
    if (target === 'refused') return `couldn't setuid to ${this.config.uid}: Can't drop privilege as nonroot user`;
    const dir = this.config.directory;
    if (dir !== null) {
      try {
        if (!statSync(dir).isDirectory()) return `couldn't chdir to ${dir}: ENOTDIR`;
      } catch (e) {
        return `couldn't chdir to ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'ENOENT'}`;
      }
    }
    return undefined;
  }

  /** uid/gid to switch to, undefined for no switch, 'refused' when not root (supervisord's drop_privileges). */
  #setuidTarget(): SetuidTarget {
    const uid = this.config.uid;
    if (uid === null || typeof process.getuid !== 'function') return undefined;
    const current = process.getuid();
    if (current === uid) return undefined;
    if (current !== 0) return 'refused';
    return { uid, gid: this.config.gid ?? uid };
  }

  #spawnFailed(msg: string): void {
    this.#recordSpawnErr(msg);
    this.changeState('BACKOFF');
    this.transition();
  }

  #failInChild(message: string): void {
    const channel = this.stderr ?? this.stdout;
    const reader = channel.begin(0);
    reader.write(Buffer.from(`supervisor: ${message}\nsupervisor: child process was not spawned\n`));
    reader.end();
    // The emulated child "exits" right away, like a forked child that failed before exec.
    setImmediate(() => this.#finish(127, null));
  }

  #recordSpawnErr(msg: string): void {
    this.spawnerr = msg;
    this.#log('info', `spawnerr: ${msg}`);
  }

  #attach(child: ChildProcess, pid: number): void {
    const readers: ChannelReader[] = [];
    let open = 0;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let grace: NodeJS.Timeout | undefined;
    let finished = false;
    const finishOnce = () => {
      if (finished || !exit) return;
      finished = true;
      if (grace) clearTimeout(grace);
      this.#finish(exit.code, exit.signal);
    };
    const wire = (stream: NodeJS.ReadableStream | null, channel: OutputChannel) => {
      if (!stream) return;
      const reader = channel.begin(pid);
      readers.push(reader);
      open++;
      stream.on('data', (chunk: Buffer) => reader.write(chunk));
      stream.on('error', () => {});
      stream.on('close', () => {
        reader.end();
        open--;
        if (open === 0) finishOnce();
      });
    };
    wire(child.stdout, this.stdout);
    // redirect_stderr: supervisord dup2()s one pipe onto fds 1 and 2. Node cannot create a bare
    // pipe to hand to both, so the child gets two pipes that both feed the stdout log and line
    // stream, in arrival order (interleaving is per chunk, as with one pipe, but the child can see
    // that fd 1 and fd 2 are different pipes).
    wire(child.stderr, this.stderr ?? this.stdout);
    child.stdin?.on('error', () => {});
    child.on('error', () => {});
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      if (open === 0) finishOnce();
      else grace = setTimeout(finishOnce, DRAIN_GRACE_MS);
    });
  }

  /** supervisord's finish(): the child was reaped. */
  #finish(code: number | null, signal: NodeJS.Signals | null): void {
    const { es, msg } = decodeExit(code, signal);
    const now = monoNow();
    this.laststop = Date.now();
    const name = this.config.name;
    const tooQuickly = now - this.#laststartMono < this.config.startsecs * 1000;
    const expected = this.config.exitcodes.includes(es);
    this.#attemptExit = es;
    if (this.killing) {
      this.killing = false;
      this.#delayMono = 0;
      this.exitstatus = es;
      this.#assertStateLenient('STOPPING');
      this.changeState('STOPPED');
      this.#log(expected ? 'info' : 'warn', `stopped: ${name} (${msg})`);
    } else if (tooQuickly && this.state === 'STARTING') {
      this.exitstatus = null;
      this.spawnerr = 'Exited too quickly (process log may have details)';
      this.changeState('BACKOFF');
      this.#log('warn', `exited: ${name} (${msg}; not expected)`);
    } else if (this.state === 'STARTING' || this.state === 'RUNNING') {
      this.#delayMono = 0;
      this.backoff = 0;
      this.exitstatus = es;
      if (this.state === 'STARTING') this.changeState('RUNNING');
      if (expected) {
        this.changeState('EXITED', true);
        this.#log('info', `exited: ${name} (${msg}; expected)`);
      } else {
        this.spawnerr = `Bad exit code ${es}`;
        this.changeState('EXITED', false);
        this.#log('warn', `exited: ${name} (${msg}; not expected)`);
      }
    } else {
      // UNKNOWN (a signal failed unexpectedly) and then the child died: it is simply stopped now.
      this.exitstatus = es;
      this.changeState('STOPPED');
      this.#log('warn', `stopped: ${name} (${msg})`);
    }
    this.pid = 0;
    this.#child = undefined;
    this.transition();
  }

  #assertStateLenient(...states: ProcessStateName[]): void {
    if (!states.includes(this.state)) this.#log('warn', `${this.config.name}: unexpected exit in state ${this.state}`);
  }

  /** Administrative stop: the configured stop signal (supervisord's stop()). Returns an error text or undefined. */
  stop(): string | undefined {
    return this.kill(this.config.stopsignal);
  }

  /** supervisord's kill(): signal with the intention to stop. Returns an error text or undefined. */
  kill(sig: number): string | undefined {
    const name = this.config.name;
    if (this.state === 'BACKOFF') {
      this.#log('debug', `Attempted to kill ${name}, which is in BACKOFF state.`);
      this.changeState('STOPPED');
      this.#armTimer();
      return undefined;
    }
    if (!this.pid) {
      const msg = `attempted to kill ${name} with sig ${signalName(sig)} but it wasn't running`;
      this.#log('debug', msg);
      return msg;
    }
    const asGroup = this.state === 'STOPPING' ? this.config.killasgroup : this.config.stopasgroup;
    this.#log(
      'debug',
      `killing ${name} (pid ${this.pid}) ${asGroup ? 'process group ' : ''}with signal ${signalName(sig)}`,
    );
    this.killing = true;
    this.#delayMono = monoNow() + this.config.stopwaitsecs * 1000;
    this.#assertState('RUNNING', 'STARTING', 'STOPPING');
    this.changeState('STOPPING');
    try {
      process.kill(asGroup ? -this.pid : this.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
        this.#log(
          'debug',
          `unable to signal ${name} (pid ${this.pid}), it probably just exited on its own: ${(e as Error).message}`,
        );
        this.#armTimer();
        return undefined;
      }
      const msg = `unknown problem killing ${name} (${this.pid}):${(e as Error).message}`;
      this.#log('critical', msg);
      this.changeState('UNKNOWN');
      this.killing = false;
      this.#delayMono = 0;
      this.#armTimer();
      return msg;
    }
    this.#armTimer();
    return undefined;
  }

  /** supervisord's signal(): send a signal without intending to stop. Returns an error text or undefined. */
  signal(sig: number): string | undefined {
    const name = this.config.name;
    if (!this.pid) {
      const msg = `attempted to send ${name} sig ${signalName(sig)} but it wasn't running`;
      this.#log('debug', msg);
      return msg;
    }
    this.#log('debug', `sending ${name} (pid ${this.pid}) sig ${signalName(sig)}`);
    this.#assertState('RUNNING', 'STARTING', 'STOPPING');
    try {
      process.kill(this.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
      const msg = `unknown problem sending sig ${name} (${this.pid}):${(e as Error).message}`;
      this.#log('critical', msg);
      this.changeState('UNKNOWN');
      return msg;
    }
    return undefined;
  }

  giveUp(): void {
    this.#delayMono = 0;
    this.backoff = 0;
    this.#assertState('BACKOFF');
    this.changeState('FATAL');
    this.#armTimer();
  }

  /** Writes to the child's stdin. @throws Error with code EPIPE when there is no open stdin. */
  write(chars: string | Buffer): void {
    const stdin = this.#child?.stdin;
    if (!this.pid || this.killing || !stdin || stdin.destroyed || stdin.writableEnded) {
      throw Object.assign(new Error('Process already closed'), { code: 'EPIPE' });
    }
    stdin.write(chars);
  }

  /**
   * supervisord's per-tick transition(), run whenever something changed or a timer fired: respawn
   * after an unexpected exit, autostart, retry after backoff, promote to RUNNING after startsecs,
   * give up after startretries, escalate to SIGKILL after stopwaitsecs. Then arm the next timer.
   */
  transition(): void {
    if (this.#inTransition) return;
    this.#inTransition = true;
    try {
      const now = monoNow();
      const state = this.state;
      const c = this.config;
      if (this.host.running) {
        if (state === 'EXITED') {
          if (
            c.autorestart === true ||
            (c.autorestart === 'unexpected' && !c.exitcodes.includes(this.exitstatus ?? -1))
          ) {
            this.restartCount += 1;
            this.#spawn();
          }
        } else if (state === 'STOPPED' && !this.laststart) {
          if (c.autostart) this.host.requestAutostart(this);
        } else if (state === 'BACKOFF') {
          if (this.backoff <= c.startretries && now > this.#delayMono) {
            this.restartCount += 1;
            this.#spawn();
          }
        }
      }
      if (state === 'STARTING' && this.state === 'STARTING') {
        if (now - this.#laststartMono > c.startsecs * 1000) {
          this.#delayMono = 0;
          this.backoff = 0;
          this.changeState('RUNNING');
          this.#log(
            'info',
            `success: ${c.name} entered RUNNING state, process has stayed up for > than ${c.startsecs} seconds (startsecs)`,
          );
        }
      }
      if (state === 'BACKOFF' && this.state === 'BACKOFF') {
        if (this.backoff > c.startretries) {
          this.giveUp();
          this.#log('info', `gave up: ${c.name} entered FATAL state, too many start retries too quickly`);
        }
      } else if (state === 'STOPPING' && this.state === 'STOPPING') {
        if (now >= this.#delayMono) {
          this.#log('warn', `killing '${c.name}' (${this.pid}) with SIGKILL`);
          this.kill(SIGKILL);
        }
      }
    } finally {
      this.#inTransition = false;
    }
    this.#armTimer();
    // A spawn that failed at once (BACKOFF with backoff > startretries) must give up now, not later.
    if (this.state === 'BACKOFF' && this.backoff > this.config.startretries) this.transition();
  }

  #armTimer(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const now = monoNow();
    let due: number | undefined;
    if (this.state === 'STARTING' && this.pid) due = this.#laststartMono + this.config.startsecs * 1000 + 1;
    else if (this.state === 'BACKOFF' && this.host.running) due = this.#delayMono + 1;
    else if (this.state === 'STOPPING') due = this.#delayMono;
    if (due === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.transition();
      },
      Math.max(1, Math.ceil(due - now)),
    );
  }

  /** Clears timers and closes log files; the caller makes sure the child is gone. */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.stdout.close();
    this.stderr?.close();
  }
}
