// The resolved, typed supervisord configuration: what the loader produces from INI files and what
// the supervisor runs. Field names are supervisord's option names in camelCase; units are the
// ones supervisord uses (seconds, bytes). Values are fully expanded (`%(here)s` etc. applied).

import type { AutoRestart, LogLevelName } from './value-types.js';

/** `stdout_logfile=AUTO`: a temp file in `childlogdir`, created when the group is added. */
export const AUTO_LOG = 'AUTO';
/** A log setting: a path, {@link AUTO_LOG}, or `null` for `NONE`/`OFF` (no file). */
export type LogfileSetting = string | null;

/**
 * How a program signals it is ready, beyond supervisord's RUNNING (an idea from s6).
 * Serializable, so it can live in INI as `x_ready=...`.
 */
export type ReadinessSpec =
  /** A complete output line matching a regular expression (JavaScript syntax). */
  | { readonly kind: 'log'; readonly pattern: string; readonly flags?: string; readonly channel?: LogChannelFilter }
  /** A MongoDB-style JSON log line whose `id` equals `id` and whose `attr` contains `attr` (deep partial match). */
  | {
      readonly kind: 'log-id';
      readonly id: number;
      readonly attr?: Readonly<Record<string, unknown>>;
      readonly channel?: LogChannelFilter;
    }
  /** A TCP connect to host:port succeeds. */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /** An HTTP GET answers 2xx. */
  | { readonly kind: 'http'; readonly url: string }
  /** A command (argument array, no shell) exits 0. */
  | { readonly kind: 'command'; readonly argv: readonly string[] };

export type LogChannelFilter = 'stdout' | 'stderr' | 'both';

/** One process as supervisord would run it (a `[program:x]` expands to `numprocs` of these). */
export interface ProcessConfig {
  /** Process name (`process_name` expanded). */
  readonly name: string;
  /** Group the process belongs to: the program name, or the `[group:x]` that lists it. */
  readonly group: string;
  /** The `[program:x]` section name part. */
  readonly programName: string;
  readonly processNum: number;
  readonly numprocs: number;
  /** The `command=` string, expanded; split with POSIX shlex at spawn time, like supervisord. */
  readonly command: string;
  readonly directory: string | null;
  readonly umask: number | null;
  readonly priority: number;
  readonly autostart: boolean;
  readonly autorestart: AutoRestart;
  readonly startsecs: number;
  readonly startretries: number;
  readonly exitcodes: readonly number[];
  /** Signal number. */
  readonly stopsignal: number;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
  /** `user=` as written, and the uid/gid it resolved to at load time. */
  readonly user: string | null;
  readonly uid: number | null;
  readonly gid: number | null;
  readonly redirectStderr: boolean;
  readonly stdoutLogfile: LogfileSetting;
  readonly stdoutLogfileMaxbytes: number;
  readonly stdoutLogfileBackups: number;
  readonly stdoutCaptureMaxbytes: number;
  readonly stdoutEventsEnabled: boolean;
  readonly stdoutSyslog: boolean;
  readonly stderrLogfile: LogfileSetting;
  readonly stderrLogfileMaxbytes: number;
  readonly stderrLogfileBackups: number;
  readonly stderrCaptureMaxbytes: number;
  readonly stderrEventsEnabled: boolean;
  readonly stderrSyslog: boolean;
  /** `[supervisord] environment` overlaid with the program's own (program wins). */
  readonly environment: Readonly<Record<string, string>>;
  /** `serverurl=`; `null` is AUTO (use the server's own URL). */
  readonly serverurl: string | null;
  /** Every `x_*` key of the section, expanded (supervisord ignores them). */
  readonly extensions: Readonly<Record<string, string>>;
  /** From `x_ready=`. */
  readonly ready: ReadinessSpec | null;
  /** From `x_ready_timeout=` (seconds, 0 = wait forever). */
  readonly readyTimeoutSecs: number;
  /** From `x_depends_on=`: program (or group) names that must be READY before this one starts. */
  readonly dependsOn: readonly string[];
}

/** A process group: a `[program:x]` (homogeneous) or a `[group:x]` (heterogeneous). */
export interface GroupConfig {
  readonly name: string;
  readonly priority: number;
  /** Sorted as supervisord keeps them: by priority, then name, per program. */
  readonly processes: readonly ProcessConfig[];
}

export interface SupervisordOptions {
  readonly logfile: string;
  readonly logfileMaxbytes: number;
  readonly logfileBackups: number;
  readonly loglevel: LogLevelName;
  readonly pidfile: string;
  readonly umask: number;
  readonly directory: string | null;
  readonly nodaemon: boolean;
  readonly silent: boolean;
  readonly minfds: number;
  readonly minprocs: number;
  readonly nocleanup: boolean;
  readonly childlogdir: string;
  readonly user: string | null;
  readonly identifier: string;
  readonly stripAnsi: boolean;
  readonly environment: Readonly<Record<string, string>>;
}

export interface InetHttpServerConfig {
  readonly kind: 'inet';
  /** `''` means all interfaces (supervisord's reading of a bare port, `:port` or `*:port`). */
  readonly host: string;
  readonly port: number;
  readonly username: string | null;
  readonly password: string | null;
}

export interface UnixHttpServerConfig {
  readonly kind: 'unix';
  readonly file: string;
  readonly chmod: number;
  readonly chown: string | null;
  readonly username: string | null;
  readonly password: string | null;
}

export type HttpServerConfig = InetHttpServerConfig | UnixHttpServerConfig;

export interface SupervisorctlConfig {
  readonly serverurl: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly prompt: string;
  readonly historyFile: string | null;
}

/** A whole supervisord configuration, resolved. */
export interface SupervisorConfig {
  /** The main config file, absolute (undefined when built in memory). */
  readonly file?: string;
  readonly supervisord: SupervisordOptions;
  readonly servers: readonly HttpServerConfig[];
  readonly supervisorctl: SupervisorctlConfig | null;
  /** Names of `[rpcinterface:x]` sections; `supervisor` must be present for supervisorctl to work. */
  readonly rpcinterfaces: readonly string[];
  /** Sorted by priority, then name (supervisord's order). */
  readonly groups: readonly GroupConfig[];
  /** Every file read, main file first. */
  readonly files: readonly string[];
  /** Non-fatal findings supervisord would log as warnings. */
  readonly warnings: readonly string[];
}
