// Runs the supervisor of one cluster, from the supervisor.ini in its directory, either inside this
// process (the default for tests and fixtures: a `Supervisor` plus its `ControlServer` on 127.0.0.1
// with the cluster's secret) or as a daemon in its own process (`mongo-topology supervisord -n -c
// supervisor.ini`, for clusters that outlive the process that started them, as the CLI's are). Both
// give the boot the same `SupervisorControl`; a daemon is driven through `SupervisorClient`.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import createDebug from 'debug';
import { pollUntil } from '../common/async.js';
import { SupervisorError, StartupTimeoutError } from '../errors.js';
import { loadSupervisorConfig } from '../supervisor/config/load.js';
import { SupervisorClient } from '../supervisor/control/client.js';
import { ControlServer } from '../supervisor/control/http-server.js';
import type { SupervisorControl } from '../supervisor/control/types.js';
import { MainLogFile } from '../supervisor/main-log.js';
import { Supervisor } from '../supervisor/supervisor.js';
import type { ClusterLayout, SupervisorMode } from './layout.js';
import { readLinesFrom } from './runtime.js';

const debug = createDebug('mongo-topology:cluster');

/** How to run a cluster's supervisor. */
export type SupervisorOption =
  | 'in-process'
  | {
      readonly mode: 'daemon';
      /**
       * The mongo-topology CLI entry to run as `node <cli> supervisord -n -c supervisor.ini`.
       * @default the package's own `dist/cli/main.js`
       */
      readonly cli?: string;
    };

/** A running supervisor of a cluster. */
export interface SupervisorHost {
  readonly mode: SupervisorMode;
  readonly control: SupervisorControl;
  /** The process the supervisor runs in (this one, in process). */
  readonly pid: number;
  readonly url: string;
  /**
   * Stops every program that still runs and ends the supervisor, waiting at most `timeoutMs` for a
   * daemon to exit before it is killed. Idempotent.
   */
  shutdown(timeoutMs: number): Promise<void>;
}

/** The control port was taken: move the supervisor to another port and try again. */
export class ControlPortTaken extends SupervisorError {
  constructor(port: number, cause?: unknown) {
    super(`The supervisor's control port 127.0.0.1:${port} is already in use`, {
      port,
      code: 'MT_SUPERVISOR_PORT_IN_USE',
      cause,
    });
  }
}

/** Starts the supervisor of a cluster whose files are written. */
export async function startSupervisorHost(
  layout: ClusterLayout,
  options: {
    readonly supervisor: SupervisorOption;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly timeoutMs: number;
  },
): Promise<SupervisorHost> {
  return options.supervisor === 'in-process'
    ? startInProcess(layout, options.env)
    : startDaemon(layout, options.supervisor.cli, options.env, options.timeoutMs);
}

async function startInProcess(
  layout: ClusterLayout,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SupervisorHost> {
  const s = layout.supervisor;
  const config = loadSupervisorConfig(s.configFile);
  const mainLog = new MainLogFile({
    path: s.logFile,
    maxBytes: config.supervisord.logfileMaxbytes,
    backups: config.supervisord.logfileBackups,
    level: config.supervisord.loglevel,
  });
  const supervisor = new Supervisor({ config, env, logger: mainLog, mainLogFile: s.logFile, serverUrl: s.url });
  let server: ControlServer;
  const port = Number(new URL(s.url).port);
  try {
    server = await ControlServer.start(supervisor, {
      host: '127.0.0.1',
      port,
      username: s.username,
      password: s.password,
      mainLog: { path: s.logFile, clear: () => mainLog.reopen() },
    });
  } catch (e) {
    await supervisor.close();
    mainLog.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ControlPortTaken(port, e);
    throw e;
  }
  supervisor.startSupervisor();
  let done: Promise<void> | undefined;
  return {
    mode: 'in-process',
    control: supervisor,
    pid: process.pid,
    url: server.url,
    shutdown: () =>
      (done ??= (async () => {
        await supervisor.close();
        await server.close();
        mainLog.close();
      })()),
  };
}

/** The CLI entry of this package, next to this module once built (dist/cli/main.js). */
function defaultCli(): string {
  return fileURLToPath(new URL('../cli/main.js', import.meta.url));
}

async function startDaemon(
  layout: ClusterLayout,
  cli: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<SupervisorHost> {
  const s = layout.supervisor;
  const entry = cli ?? defaultCli();
  if (!existsSync(entry)) {
    throw new SupervisorError(
      `Cannot run the supervisor as a daemon: the mongo-topology CLI ${entry} does not exist (run from the built package, or pass { supervisor: { mode: 'daemon', cli } })`,
      { code: 'MT_SUPERVISOR_CLI_MISSING' },
    );
  }
  const errFile = join(layout.clusterDir, 'supervisor.stderr.log');
  const errFd = openSync(errFile, 'a', 0o600);
  const command = [process.execPath, entry, 'supervisord', '-n', '-c', s.configFile];
  let child;
  try {
    // Its own session: the daemon outlives this process and is not hit by signals sent to our group.
    child = spawn(command[0], command.slice(1), {
      detached: true,
      stdio: ['ignore', 'ignore', errFd],
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      cwd: layout.clusterDir,
    });
  } finally {
    closeSync(errFd);
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  child.unref();
  const pid = child.pid;
  const client = new SupervisorClient({
    url: s.url,
    username: s.username,
    password: s.password,
    requestTimeoutMs: 10_000,
  });
  try {
    await pollUntil(
      async () => {
        if (exited) return 'exited';
        if (pid === undefined) throw await spawnError;
        const written = existsSync(s.pidFile) && readFileSync(s.pidFile, 'utf8').trim() === String(pid);
        if (!written) return false;
        await client.getStatus();
        return 'up';
      },
      { what: `the supervisor daemon to serve ${s.url}`, timeoutMs, intervalMs: 25 },
    ).then((outcome) => {
      if (outcome === 'exited') {
        const output = readLinesFrom(errFile).slice(-20);
        const taken = output.some((l) => /already listening on a port/i.test(l));
        const port = Number(new URL(s.url).port);
        if (taken) throw new ControlPortTaken(port);
        throw new SupervisorError(
          `The supervisor daemon exited during startup (${exited!.code !== null ? `exit code ${exited!.code}` : `signal ${exited!.signal}`})`,
          {
            command,
            exitCode: exited!.code,
            signal: exited!.signal,
            logFile: s.logFile,
            logTail: output,
            code: 'MT_SUPERVISOR_START',
          },
        );
      }
    });
  } catch (e) {
    if (pid !== undefined && !exited) killGroup(pid);
    if (e instanceof StartupTimeoutError) {
      throw new SupervisorError(`The supervisor daemon did not come up within ${timeoutMs}ms`, {
        command,
        logFile: s.logFile,
        logTail: readLinesFrom(errFile).slice(-20),
        code: 'MT_SUPERVISOR_START',
        cause: e,
      });
    }
    throw e;
  }
  debug('supervisor daemon %d serves %s', pid, s.url);
  return daemonHost(client, pid!, s.url);
}

/** A supervisor daemon driven through its control API (started here, or found by attach). */
export function daemonHost(client: SupervisorClient, pid: number, url: string): SupervisorHost {
  let done: Promise<void> | undefined;
  return {
    mode: 'daemon',
    control: client,
    pid,
    url,
    shutdown: (limitMs: number) =>
      (done ??= (async () => {
        try {
          await client.shutdown();
        } catch (e) {
          debug('shutdown request to the daemon failed: %s', (e as Error).message);
        }
        try {
          await pollUntil(() => !alive(pid), {
            what: `supervisor daemon ${pid} to exit`,
            timeoutMs: limitMs,
            intervalMs: 25,
          });
        } catch {
          killGroup(pid);
        }
      })()),
  };
}

/** Whether a process exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs a process group (and the process, if it leads none). */
export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
