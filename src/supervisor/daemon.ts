// `mongo-topology supervisord`: our supervisor as a supervisord-compatible daemon. Reads the same
// INI, writes the pidfile and a supervisord-format main log, serves the control API on the
// configured [inet_http_server] / [unix_http_server], handles supervisord's signals (TERM/INT/QUIT
// shut down, HUP restarts, USR2 reopens logs), and exits once every program is stopped.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pollUntil } from '../common/async.js';
import { loadSupervisorConfig } from './config/load.js';
import type { SupervisorConfig } from './config/model.js';
import { resolveUser } from './config/value-types.js';
import { ControlServer } from './control/http-server.js';
import { MainLogFile } from './main-log.js';
import { Supervisor } from './supervisor.js';

export interface DaemonOptions {
  /** The supervisord config file (`-c`). */
  readonly configFile: string;
  /** Stay in the foreground (`-n`); also implied by `nodaemon=true` in the file. */
  readonly nodaemon?: boolean;
  /** Where foreground log echo and errors go. @default process.stdout / process.stderr */
  readonly stdout?: (s: string) => void;
  readonly stderr?: (s: string) => void;
  /** Command that re-runs this daemon in the foreground, for daemonizing. @default this CLI with `-n` */
  readonly foregroundCommand?: readonly string[];
}

/** Set in the environment of the re-spawned foreground daemon, so it applies umask/directory. */
const DAEMONIZED_ENV = 'MONGO_TOPOLOGY_SUPERVISORD_DAEMONIZED';

/** `SUPERVISOR_SERVER_URL` as supervisord computes it: the unix socket first, then http://host:port. */
export function serverUrlOf(config: SupervisorConfig): string | null {
  const unix = config.servers.find((s) => s.kind === 'unix');
  if (unix) return `unix://${unix.file}`;
  const inet = config.servers.find((s) => s.kind === 'inet');
  if (inet?.kind === 'inet') return `http://${inet.host || 'localhost'}:${inet.port}`;
  return null;
}

/**
 * Runs the daemon until it is shut down; resolves with the process exit code.
 * Daemon mode (no `-n`, no `nodaemon=true`) re-runs itself detached in the foreground mode and
 * returns 0 once that copy has written its pidfile.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const out = options.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = options.stderr ?? ((s: string) => void process.stderr.write(s));
  const configFile = resolve(options.configFile);
  let config: SupervisorConfig;
  try {
    config = loadSupervisorConfig(configFile);
  } catch (e) {
    err(`Error: ${(e as Error).message}\nFor help, use mongo-topology supervisord --help\n`);
    return 2;
  }
  const s = config.supervisord;
  const foreground = options.nodaemon === true || s.nodaemon;
  if (!foreground) return daemonize(configFile, config, options, err);
  if (process.env[DAEMONIZED_ENV] === '1') {
    process.umask(s.umask);
    if (s.directory) process.chdir(s.directory);
  }

  if (s.user !== null) {
    try {
      const u = resolveUser(s.user);
      if (process.getuid?.() !== u.uid) {
        if (process.getuid?.() !== 0) throw new Error("Can't drop privilege as nonroot user");
        process.setgid?.(u.gid);
        process.setuid?.(u.uid);
      }
    } catch (e) {
      err(`Error: could not switch to user ${s.user}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  const mainLog = new MainLogFile({
    path: s.logfile === 'syslog' ? null : resolve(s.logfile),
    maxBytes: s.logfileMaxbytes,
    backups: s.logfileBackups,
    level: s.loglevel,
    echo: s.silent ? undefined : out,
  });
  const log = mainLog.log.bind(mainLog);
  if (process.getuid?.() === 0 && s.user === null) {
    log(
      'critical',
      'Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message.',
    );
  }
  for (const w of config.warnings) log('warn', w);
  for (const f of config.files.slice(1)) log('info', `Included extra file "${f}" during parsing`);

  const supervisor = new Supervisor({
    config,
    logger: mainLog,
    mainLogFile: mainLog.file?.path,
    serverUrl: serverUrlOf(config),
    keepAutoLogs: true,
    cleanupStaleAutoLogs: !s.nocleanup,
    reload: () => loadSupervisorConfig(configFile),
  });

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (why: string) => {
    if (shuttingDown) return;
    if (why) log('warn', why);
    shuttingDown = supervisor.close();
  };

  const inet = config.servers.find((x) => x.kind === 'inet');
  const unix = config.servers.find((x) => x.kind === 'unix');
  let server: ControlServer | undefined;
  if (inet || unix) {
    if (inet?.kind === 'inet' && inet.host !== '127.0.0.1' && inet.host !== 'localhost') {
      log(
        'warn',
        `[inet_http_server] port=${inet.host || '*'}:${inet.port} would listen beyond this machine; mongo-topology listens on 127.0.0.1:${inet.port} only`,
      );
    }
    const auth = inet?.kind === 'inet' ? inet : unix?.kind === 'unix' ? unix : undefined;
    try {
      server = await ControlServer.start(supervisor, {
        host: '127.0.0.1',
        port: inet?.kind === 'inet' ? inet.port : null,
        unixSocket: unix?.kind === 'unix' ? { path: unix.file, chmod: unix.chmod } : undefined,
        username: auth?.username,
        password: auth?.password,
        onShutdown: () => shutdown(''),
        onRestart: () => {
          if (!shuttingDown) {
            log('warn', 'restart requested');
            supervisor
              .restartSupervisor()
              .catch((e: unknown) => log('error', `restart failed: ${(e as Error).message}`));
          }
        },
        mainLog: mainLog.file
          ? { path: mainLog.file.path, clear: () => (rmSync(mainLog.file!.path, { force: true }), mainLog.reopen()) }
          : undefined,
      });
    } catch (e) {
      const what = inet?.kind === 'inet' ? `127.0.0.1:${inet.port}` : (unix as { file: string }).file;
      err(
        `Error: Another program is already listening on a port that one of our HTTP servers is configured to use (${what}).  Shut this program down first before starting supervisord.\n`,
      );
      log('critical', `could not listen on ${what}: ${(e as Error).message}`);
      await supervisor.close();
      mainLog.close();
      return 1;
    }
    if (!inet?.username && !unix?.username)
      log(
        'critical',
        `Server '${inet ? 'inet_http_server' : 'unix_http_server'}' running without any HTTP authentication checking`,
      );
  }
  if (config.rpcinterfaces.includes('supervisor')) log('info', "RPC interface 'supervisor' initialized");

  const pidfile = resolve(s.pidfile);
  try {
    writeFileSync(pidfile, `${process.pid}\n`);
  } catch (e) {
    log('critical', `could not write pidfile ${pidfile}: ${(e as Error).message}`);
  }

  const signals: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', () => shutdown('received SIGTERM indicating exit request')],
    ['SIGINT', () => shutdown('received SIGINT indicating exit request')],
    ['SIGQUIT', () => shutdown('received SIGQUIT indicating exit request')],
    [
      'SIGHUP',
      () => {
        if (shuttingDown) {
          log('info', 'ignored SIGHUP indicating restart request (shutdown in progress)');
          return;
        }
        log('warn', 'received SIGHUP indicating restart request');
        supervisor.restartSupervisor().catch((e: unknown) => log('error', `restart failed: ${(e as Error).message}`));
      },
    ],
    [
      'SIGUSR2',
      () => {
        log('info', 'received SIGUSR2 indicating log reopen request');
        mainLog.reopen();
        supervisor.reopenLogs();
      },
    ],
  ];
  for (const [sig, fn] of signals) process.on(sig, fn);

  log('info', `supervisord started with pid ${process.pid}`);
  supervisor.startSupervisor();

  const closed = new Promise<void>((r) => supervisor.onShutdownRequested(() => r()));
  await closed;
  await supervisor.close();
  await server?.close();
  for (const [sig, fn] of signals) process.off(sig, fn);
  try {
    if (existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() === String(process.pid)) rmSync(pidfile);
  } catch {
    // Best effort, like supervisord.
  }
  mainLog.close();
  return 0;
}

/** Re-runs the daemon detached in the foreground and waits until it wrote its pidfile. */
async function daemonize(
  configFile: string,
  config: SupervisorConfig,
  options: DaemonOptions,
  err: (s: string) => void,
): Promise<number> {
  const cmd = options.foregroundCommand ?? [
    process.execPath,
    ...process.execArgv,
    process.argv[1],
    'supervisord',
    '-c',
    configFile,
    '-n',
  ];
  const pidfile = resolve(config.supervisord.pidfile);
  rmSync(pidfile, { force: true });
  const child = spawn(cmd[0], cmd.slice(1), {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [DAEMONIZED_ENV]: '1' },
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.on('error', () => (exited = -1));
  child.unref();
  try {
    const outcome = await pollUntil(
      () => {
        if (exited !== undefined) return 'exited' as const;
        return existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() === String(child.pid)
          ? ('started' as const)
          : false;
      },
      { what: `supervisord to write ${pidfile}`, timeoutMs: 15_000, intervalMs: 20 },
    );
    if (outcome === 'exited') {
      err(`Error: supervisord exited during startup with status ${exited}; see ${config.supervisord.logfile}\n`);
      return 1;
    }
  } catch (e) {
    err(`Error: ${(e as Error).message}\n`);
    return 1;
  }
  return 0;
}
