// Writes supervisord INI from typed values, so that supervisord 4.2.5 (and later) reads back exactly
// those values (reference §5). Every value is escaped for the reader that will parse it: `%` is
// doubled (quadrupled where supervisord expands twice), arguments are shlex-quoted so no `;`/`#`
// ever follows whitespace (that would start an inline comment), environment values are quoted so
// both the 4.2.5 and the POSIX lexers agree. Anything that cannot be represented throws.

import { TopologyConfigError, type ConfigProblem } from '../../errors.js';
import { formatReadySpec } from './extensions.js';
import { AUTO_LOG, type ReadinessSpec } from './model.js';
import { ShlexError, shlexSplit } from './shlex.js';
import {
  ValueTypeError,
  formatByteSize,
  parseInetAddress,
  parseSignal,
  signalName,
  type AutoRestart,
  type LogLevelName,
} from './value-types.js';

/** `[supervisord]` options to write; unset options are left out (supervisord's default applies). */
export interface SupervisordSpec {
  readonly logfile?: string;
  readonly logfileMaxbytes?: number;
  readonly logfileBackups?: number;
  readonly loglevel?: LogLevelName;
  readonly pidfile?: string;
  readonly umask?: number;
  readonly directory?: string;
  readonly nodaemon?: boolean;
  readonly silent?: boolean;
  readonly minfds?: number;
  readonly minprocs?: number;
  readonly nocleanup?: boolean;
  readonly childlogdir?: string;
  readonly user?: string;
  readonly identifier?: string;
  readonly stripAnsi?: boolean;
  /** Written to `[supervisord] environment`. Values must not contain `%` (4.2.5 expands this key twice). */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface InetHttpServerSpec {
  /** Required: a bare port would bind every interface. Use `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
}

export interface UnixHttpServerSpec {
  readonly file: string;
  readonly chmod?: number;
  readonly chown?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface SupervisorctlSpec {
  readonly serverurl: string;
  readonly username?: string;
  readonly password?: string;
  readonly prompt?: string;
}

export interface GroupSpec {
  readonly name: string;
  readonly programs: readonly string[];
  readonly priority?: number;
}

/** A `[program:x]` to write. `command` as an argument array is quoted for you (preferred). */
export interface ProgramSpec {
  readonly name: string;
  readonly command: readonly string[] | string;
  readonly processName?: string;
  readonly numprocs?: number;
  readonly numprocsStart?: number;
  readonly directory?: string;
  readonly umask?: number;
  readonly priority?: number;
  readonly autostart?: boolean;
  readonly autorestart?: AutoRestart;
  readonly startsecs?: number;
  readonly startretries?: number;
  readonly exitcodes?: readonly number[];
  /** Name (`TERM`, `SIGINT`) or number. Written as the bare name (`TERM`). */
  readonly stopsignal?: string | number;
  readonly stopwaitsecs?: number;
  readonly stopasgroup?: boolean;
  readonly killasgroup?: boolean;
  readonly user?: string;
  readonly redirectStderr?: boolean;
  /** A path, `'AUTO'`, or `null` for NONE. */
  readonly stdoutLogfile?: string | null;
  readonly stdoutLogfileMaxbytes?: number;
  readonly stdoutLogfileBackups?: number;
  readonly stdoutCaptureMaxbytes?: number;
  readonly stdoutEventsEnabled?: boolean;
  readonly stdoutSyslog?: boolean;
  readonly stderrLogfile?: string | null;
  readonly stderrLogfileMaxbytes?: number;
  readonly stderrLogfileBackups?: number;
  readonly stderrCaptureMaxbytes?: number;
  readonly stderrEventsEnabled?: boolean;
  readonly stderrSyslog?: boolean;
  readonly environment?: Readonly<Record<string, string>>;
  readonly serverurl?: string;
  /** Written as `x_ready=` (ignored by the real supervisord). */
  readonly ready?: ReadinessSpec;
  /** Written as `x_ready_timeout=` (seconds). */
  readonly readyTimeoutSecs?: number;
  /** Written as `x_depends_on=`. */
  readonly dependsOn?: readonly string[];
  /** More `x_*` keys, written verbatim (escaped). */
  readonly extensions?: Readonly<Record<string, string>>;
}

/** A section supervisord ignores, for tool metadata. Its name must start with `x-`. */
export interface ExtraSectionSpec {
  readonly name: string;
  readonly values: Readonly<Record<string, string>>;
}

/** One INI file: any subset of sections (a main file, or a per-node file for `[include]`). */
export interface IniFileSpec {
  /** Written as `;` comment lines at the top. */
  readonly comment?: string;
  readonly supervisord?: SupervisordSpec;
  readonly unixHttpServer?: UnixHttpServerSpec;
  readonly inetHttpServer?: InetHttpServerSpec;
  /** Writes `[rpcinterface:supervisor]` (supervisorctl needs it). @default true when `supervisord` is set */
  readonly rpcinterface?: boolean;
  readonly supervisorctl?: SupervisorctlSpec;
  /** `[include] files=`: globs, relative ones resolve against this file's directory. */
  readonly include?: readonly string[];
  readonly groups?: readonly GroupSpec[];
  readonly programs?: readonly ProgramSpec[];
  readonly extraSections?: readonly ExtraSectionSpec[];
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Python's whitespace (str.isspace), minus line breaks which are rejected separately. */
const PY_SPACE_CLASS = '[\\t\\x0b\\x0c\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const INLINE_COMMENT_HAZARD = new RegExp(`${PY_SPACE_CLASS}[;#]`);
const PY_SPACE_EDGE = new RegExp(`^${PY_SPACE_CLASS}|${PY_SPACE_CLASS}$`);

class Writer {
  readonly lines: string[] = [];
  readonly problems: ConfigProblem[] = [];
  section = '';

  begin(name: string): void {
    if (this.lines.length > 0) this.lines.push('');
    this.section = name;
    this.lines.push(`[${name}]`);
  }

  problem(key: string, message: string): void {
    this.problems.push({ path: `[${this.section}] ${key}`, message });
  }

  /**
   * Checks that `text` survives ConfigParser unchanged (no newline, no edge whitespace, no inline
   * comment) and writes `key=text` with `%` escaped `percentFactor` times.
   */
  raw(key: string, text: string, opts: { percent?: 'escape' | 'escape-twice' | 'reject' } = {}): void {
    if (/[\r\n]/.test(text))
      return this.problem(
        key,
        `value contains a line break, which supervisord would read as a continuation line: ${JSON.stringify(text)}`,
      );
    if (PY_SPACE_EDGE.test(text))
      return this.problem(
        key,
        `value starts or ends with whitespace, which supervisord strips: ${JSON.stringify(text)}`,
      );
    if (INLINE_COMMENT_HAZARD.test(text)) {
      return this.problem(
        key,
        `value contains whitespace followed by ';' or '#', which supervisord reads as the start of a comment: ${JSON.stringify(text)}`,
      );
    }
    const percent = opts.percent ?? 'escape';
    if (text.includes('%')) {
      if (percent === 'reject')
        return this.problem(
          key,
          `value contains '%', which supervisord 4.2.5 cannot read back unchanged here: ${JSON.stringify(text)}`,
        );
      text = text.replaceAll('%', percent === 'escape-twice' ? '%%%%' : '%%');
    }
    this.lines.push(`${key}=${text}`);
  }

  str(key: string, v: string | undefined, opts?: { percent?: 'escape' | 'escape-twice' | 'reject' }): void {
    if (v !== undefined) this.raw(key, v, opts);
  }

  bool(key: string, v: boolean | undefined): void {
    if (v !== undefined) this.lines.push(`${key}=${v ? 'true' : 'false'}`);
  }

  int(key: string, v: number | undefined, min = -Infinity, max = Infinity): void {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v)) return this.problem(key, `must be an integer, got ${v}`);
    if (v < min || v > max) return this.problem(key, `must be between ${min} and ${max}, got ${v}`);
    this.lines.push(`${key}=${v}`);
  }

  bytes(key: string, v: number | undefined): void {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v) || v < 0) return this.problem(key, `must be a byte count (integer >= 0), got ${v}`);
    this.lines.push(`${key}=${formatByteSize(v)}`);
  }

  octal(key: string, v: number | undefined): void {
    if (v === undefined) return;
    if (!Number.isSafeInteger(v) || v < 0 || v > 0o7777)
      return this.problem(key, `must be a mode between 0 and 0o7777, got ${v}`);
    this.lines.push(`${key}=0${v.toString(8)}`);
  }

  name(key: string, v: string): boolean {
    if (!NAME_RE.test(v)) {
      this.problem(key, `name ${JSON.stringify(v)} may only contain letters, digits, '_', '.' and '-'`);
      return false;
    }
    return true;
  }

  environment(key: string, env: Readonly<Record<string, string>> | undefined, allowPercent: boolean): void {
    if (env === undefined) return;
    const parts: string[] = [];
    for (const [k, v] of Object.entries(env)) {
      const quoted = quoteEnvValue(k, v, allowPercent);
      if (typeof quoted !== 'string') {
        this.problem(`${key}.${k}`, quoted.error);
        continue;
      }
      parts.push(`${k}=${quoted}`);
    }
    if (parts.length > 0) this.lines.push(`${key}=${parts.join(',').replaceAll('%', '%%')}`);
  }
}

/**
 * Quotes one environment value so supervisord 4.2.5 (non-POSIX shlex, quotes stripped from the
 * ends) and later versions (POSIX shlex) both read it back unchanged.
 */
function quoteEnvValue(key: string, v: string, allowPercent: boolean): string | { error: string } {
  if (!ENV_KEY_RE.test(key))
    return { error: `environment variable name ${JSON.stringify(key)} must match ${ENV_KEY_RE}` };
  if (/[\r\n]/.test(v)) return { error: 'value contains a line break' };
  if (!allowPercent && v.includes('%')) {
    return {
      error: `value contains '%', which supervisord 4.2.5 expands twice in [supervisord] environment; set it per program instead`,
    };
  }
  if (INLINE_COMMENT_HAZARD.test(v))
    return { error: `value contains whitespace followed by ';' or '#', which supervisord reads as a comment` };
  if (/^['"]|['"]$/.test(v))
    return { error: `value starts or ends with a quote character, which supervisord 4.2.5 strips` };
  if (!v.includes("'")) return `'${v}'`;
  if (!v.includes('"') && !v.includes('\\')) return `"${v}"`;
  return {
    error: `value contains both a single quote and a double quote or backslash; supervisord 4.2.5 has no way to escape them`,
  };
}

/**
 * Quotes one argument for POSIX `shlex.split` such that no `;` or `#` in the output follows
 * whitespace (ConfigParser would cut the line there).
 */
export function quoteCommandArg(a: string): string {
  if (a !== '' && /^[\w@%+=:,./-]+$/.test(a)) return a;
  const body = a.replaceAll("'", `'"'"'`).replace(new RegExp(`(${PY_SPACE_CLASS})([;#])`, 'g'), `$1''$2`);
  return `'${body}'`;
}

/**
 * Renders one INI file.
 * @throws TopologyConfigError listing every value that supervisord could not read back unchanged.
 * @example
 * renderIni({
 *   supervisord: { nodaemon: true, logfile: '/tmp/c/supervisor.log', pidfile: '/tmp/c/supervisor.pid' },
 *   inetHttpServer: { host: '127.0.0.1', port: 9001, username: 'u', password: 'p' },
 *   programs: [{ name: 'rs0-1', command: ['/opt/mongo/bin/mongod', '--config', '/tmp/c/conf/rs0-1/mongod.conf'] }],
 * });
 */
export function renderIni(spec: IniFileSpec): string {
  const w = new Writer();
  if (spec.comment !== undefined) {
    for (const line of spec.comment.split('\n')) w.lines.push(line ? `; ${line}` : ';');
  }
  const s = spec.supervisord;
  if (s) {
    w.begin('supervisord');
    w.str('logfile', s.logfile, { percent: 'escape' });
    w.bytes('logfile_maxbytes', s.logfileMaxbytes);
    w.int('logfile_backups', s.logfileBackups, 0);
    w.str('loglevel', s.loglevel);
    w.str('pidfile', s.pidfile);
    w.octal('umask', s.umask);
    w.str('directory', s.directory);
    w.bool('nodaemon', s.nodaemon);
    w.bool('silent', s.silent);
    w.int('minfds', s.minfds, 0);
    w.int('minprocs', s.minprocs, 0);
    w.bool('nocleanup', s.nocleanup);
    w.str('childlogdir', s.childlogdir);
    w.str('user', s.user);
    w.str('identifier', s.identifier);
    w.bool('strip_ansi', s.stripAnsi);
    w.environment('environment', s.environment, false);
  }
  if (spec.unixHttpServer) {
    const u = spec.unixHttpServer;
    w.begin('unix_http_server');
    if (Buffer.byteLength(u.file) > 107)
      w.problem('file', `socket path is ${Buffer.byteLength(u.file)} bytes; the limit is 107`);
    w.str('file', u.file);
    w.octal('chmod', u.chmod);
    w.str('chown', u.chown);
    auth(w, u);
  }
  if (spec.inetHttpServer) {
    const i = spec.inetHttpServer;
    w.begin('inet_http_server');
    if (!i.host || i.host === '*')
      w.problem('port', 'host is required (a bare port or * binds every interface); use 127.0.0.1');
    else {
      try {
        parseInetAddress(`${i.host}:${i.port}`);
        if (!Number.isInteger(i.port)) throw new ValueTypeError(`port must be an integer, got ${i.port}`);
        w.str('port', `${i.host}:${i.port}`);
      } catch (e) {
        w.problem('port', `${(e as Error).message} (supervisord needs an explicit port 1..65535)`);
      }
    }
    auth(w, i);
  }
  if (spec.rpcinterface ?? spec.supervisord !== undefined) {
    w.begin('rpcinterface:supervisor');
    w.lines.push('supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface');
  }
  if (spec.supervisorctl) {
    const c = spec.supervisorctl;
    w.begin('supervisorctl');
    w.str('serverurl', c.serverurl);
    if (c.username !== undefined) w.str('username', c.username);
    if (c.password !== undefined) w.str('password', c.password);
    w.str('prompt', c.prompt);
  }
  if (spec.include && spec.include.length > 0) {
    w.begin('include');
    const bad = spec.include.filter((f) => /\s/.test(f) || f === '');
    if (bad.length > 0)
      w.problem(
        'files',
        `include patterns are whitespace-separated, so they cannot contain whitespace: ${JSON.stringify(bad)}`,
      );
    else w.str('files', spec.include.join(' '));
  }
  for (const g of spec.groups ?? []) {
    w.begin(`group:${g.name}`);
    w.name('(name)', g.name);
    for (const p of g.programs) w.name('programs', p);
    if (g.programs.length === 0) w.problem('programs', 'a group needs at least one program');
    w.str('programs', g.programs.join(','));
    w.int('priority', g.priority);
  }
  for (const p of spec.programs ?? []) renderProgram(w, p);
  for (const x of spec.extraSections ?? []) {
    w.begin(x.name);
    if (!/^x-[A-Za-z0-9_.:-]+$/.test(x.name))
      w.problem(
        '(name)',
        `extra section names must start with 'x-' so supervisord ignores them: ${JSON.stringify(x.name)}`,
      );
    for (const [k, v] of Object.entries(x.values)) {
      if (!/^[a-z0-9_.-]+$/.test(k))
        w.problem(k, 'keys must be lowercase letters, digits, _, . or - (supervisord lowercases keys)');
      else w.str(k, v);
    }
  }
  if (w.problems.length > 0) {
    throw new TopologyConfigError(`Cannot write supervisord INI: ${w.problems.length} value(s) cannot be represented`, {
      problems: w.problems,
    });
  }
  return `${w.lines.join('\n')}\n`;
}

function auth(w: Writer, a: { username?: string; password?: string }): void {
  if ((a.username === undefined) !== (a.password === undefined)) {
    w.problem('username', 'username and password must be given together (supervisord rejects one without the other)');
    return;
  }
  w.str('username', a.username);
  w.str('password', a.password);
}

function renderProgram(w: Writer, p: ProgramSpec): void {
  w.begin(`program:${p.name}`);
  w.name('(name)', p.name);
  if (typeof p.command === 'string') {
    try {
      if (shlexSplit(p.command).length === 0) w.problem('command', 'command is empty');
      else w.str('command', p.command);
    } catch (e) {
      w.problem('command', `cannot be split like a shell command line: ${(e as ShlexError).message}`);
    }
  } else if (p.command.length === 0) {
    w.problem('command', 'command is empty');
  } else {
    w.str('command', p.command.map(quoteCommandArg).join(' '));
  }
  if (p.processName !== undefined) {
    const probe = p.processName.replaceAll(/%\(process_num\)0?\d*d/g, '0').replaceAll('%(program_name)s', p.name);
    if (/[%:/ ]/.test(probe))
      w.problem(
        'process_name',
        `may only use %(program_name)s and %(process_num)d and no ' ', ':' or '/': ${JSON.stringify(p.processName)}`,
      );
    // Written as a template: its % directives are meant for supervisord.
    else w.lines.push(`process_name=${p.processName}`);
  }
  if ((p.numprocs ?? 1) > 1 && !(p.processName ?? '').includes('%(process_num)')) {
    w.problem('process_name', 'must contain %(process_num)d when numprocs > 1');
  }
  w.int('numprocs', p.numprocs, 1);
  w.int('numprocs_start', p.numprocsStart, 0);
  w.str('directory', p.directory);
  w.octal('umask', p.umask);
  w.int('priority', p.priority);
  w.bool('autostart', p.autostart);
  if (p.autorestart !== undefined)
    w.lines.push(`autorestart=${p.autorestart === 'unexpected' ? 'unexpected' : p.autorestart ? 'true' : 'false'}`);
  w.int('startsecs', p.startsecs, 0);
  w.int('startretries', p.startretries, 0);
  if (p.exitcodes !== undefined) {
    const bad = p.exitcodes.filter((c) => !Number.isInteger(c) || c < 0 || c > 255);
    if (bad.length > 0) w.problem('exitcodes', `exit codes must be integers 0..255, got ${bad.join(', ')}`);
    else if (p.exitcodes.length === 0)
      w.problem(
        'exitcodes',
        'at least one exit code is needed (an empty list makes every exit unexpected; say so with autorestart instead)',
      );
    else w.lines.push(`exitcodes=${p.exitcodes.join(',')}`);
  }
  if (p.stopsignal !== undefined) {
    try {
      const n = parseSignal(p.stopsignal);
      const nm = signalName(n);
      w.lines.push(`stopsignal=${nm.startsWith('SIG') ? nm.slice(3) : n}`);
    } catch (e) {
      w.problem('stopsignal', (e as Error).message);
    }
  }
  w.int('stopwaitsecs', p.stopwaitsecs, 0);
  w.bool('stopasgroup', p.stopasgroup);
  w.bool('killasgroup', p.killasgroup);
  if (p.stopasgroup === true && p.killasgroup === false)
    w.problem('killasgroup', 'stopasgroup=true requires killasgroup=true');
  w.str('user', p.user);
  w.bool('redirect_stderr', p.redirectStderr);
  for (const ch of ['stdout', 'stderr'] as const) {
    const file = ch === 'stdout' ? p.stdoutLogfile : p.stderrLogfile;
    if (file === null) w.lines.push(`${ch}_logfile=NONE`);
    else if (file === AUTO_LOG) w.lines.push(`${ch}_logfile=AUTO`);
    else if (file !== undefined) {
      if (['none', 'off', 'auto', 'syslog'].includes(file.toLowerCase())) {
        w.problem(`${ch}_logfile`, `the path ${JSON.stringify(file)} would be read as a keyword; use ./${file}`);
      } else if (ch === 'stderr' && p.redirectStderr) {
        w.problem(
          'stderr_logfile',
          'redirect_stderr=true sends stderr to stdout_logfile; supervisord ignores stderr_logfile',
        );
      } else {
        // supervisord %-expands log paths twice.
        w.str(`${ch}_logfile`, file, { percent: 'escape-twice' });
      }
    }
    const c = ch === 'stdout';
    w.bytes(`${ch}_logfile_maxbytes`, c ? p.stdoutLogfileMaxbytes : p.stderrLogfileMaxbytes);
    w.int(`${ch}_logfile_backups`, c ? p.stdoutLogfileBackups : p.stderrLogfileBackups, 0);
    w.bytes(`${ch}_capture_maxbytes`, c ? p.stdoutCaptureMaxbytes : p.stderrCaptureMaxbytes);
    w.bool(`${ch}_events_enabled`, c ? p.stdoutEventsEnabled : p.stderrEventsEnabled);
    w.bool(`${ch}_syslog`, c ? p.stdoutSyslog : p.stderrSyslog);
  }
  w.environment('environment', p.environment, true);
  w.str('serverurl', p.serverurl);
  if (p.ready !== undefined) {
    try {
      w.str('x_ready', formatReadySpec(p.ready));
    } catch (e) {
      w.problem('x_ready', (e as Error).message);
    }
  }
  w.int('x_ready_timeout', p.readyTimeoutSecs, 0);
  if (p.dependsOn !== undefined && p.dependsOn.length > 0) {
    for (const d of p.dependsOn) w.name('x_depends_on', d);
    w.str('x_depends_on', p.dependsOn.join(','));
  }
  for (const [k, v] of Object.entries(p.extensions ?? {})) {
    if (!/^x_[a-z0-9_]+$/.test(k))
      w.problem(
        k,
        'extension keys must match x_[a-z0-9_]+ (supervisord lowercases keys and ignores only unknown ones)',
      );
    else if (['x_ready', 'x_ready_timeout', 'x_depends_on'].includes(k))
      w.problem(k, `set ${k} through its typed option`);
    else w.str(k, v);
  }
}
