// Turns supervisord INI files into a resolved SupervisorConfig, following supervisord 4.2.5's
// options.py step by step: include globs relative to the including file, `%(here)s` per file,
// which values get which `%` expansions (and the two that get expanded twice), defaults, value
// types, `[group:x]` regrouping, and the checks that make supervisord refuse a file.

import { readFileSync, statSync } from 'node:fs';
import { hostname, tmpdir, homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TopologyConfigError } from '../../errors.js';
import { parseReadySpec } from './extensions.js';
import { pyGlob } from './glob.js';
import { IniStore, type IniValue } from './ini-parser.js';
import {
  AUTO_LOG,
  type GroupConfig,
  type HttpServerConfig,
  type LogfileSetting,
  type ProcessConfig,
  type SupervisorConfig,
  type SupervisorctlConfig,
  type SupervisordOptions,
} from './model.js';
import { PythonFormatError, pythonFormat, type ExpansionValue } from './python-format.js';
import { ShlexError, parseEnvironment } from './shlex.js';
import {
  ValueTypeError,
  parseAutoRestart,
  parseBoolean,
  parseByteSize,
  parseExitCodes,
  parseInetAddress,
  parseInteger,
  parseListOfStrings,
  parseLogLevel,
  parseOctal,
  parseProcessOrGroupName,
  parseSignal,
  resolveUser,
} from './value-types.js';

export interface LoadOptions {
  /** supervisord's own environment, source of `%(ENV_X)s`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative `logfile`/`pidfile` defaults resolve against. @default process.cwd() */
  readonly cwd?: string;
  /** `%(host_node_name)s`. @default os.hostname() */
  readonly hostNodeName?: string;
  /** Skip the checks that directories named by log paths exist (for validating a config written elsewhere). */
  readonly skipFilesystemChecks?: boolean;
}

type Expansions = Map<string, ExpansionValue>;

/**
 * Reads a supervisord config file (and its `[include]`s) the way supervisord 4.2.5 does.
 * @throws TopologyConfigError naming the file, line, section and key of the first problem.
 * @example
 * const config = loadSupervisorConfig('/tmp/cluster/supervisor.ini');
 * for (const g of config.groups) console.log(g.name, g.processes.map((p) => p.name));
 */
export function loadSupervisorConfig(file: string, options: LoadOptions = {}): SupervisorConfig {
  const path = resolve(options.cwd ?? process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TopologyConfigError(`could not read config file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseSupervisorConfig(text, { ...options, file: path });
}

/**
 * Same as {@link loadSupervisorConfig} for text already in memory. `file` gives `%(here)s` and the
 * base for `[include]` globs (default: a file in the current directory).
 */
export function parseSupervisorConfig(text: string, options: LoadOptions & { file?: string } = {}): SupervisorConfig {
  return new Loader(text, options).load();
}

class Loader {
  readonly store = new IniStore();
  readonly file: string;
  readonly here: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostNodeName: string;
  readonly cwd: string;
  readonly checkFs: boolean;
  /** supervisord's `environ_expansions`: ENV_x for its own env, later also `[supervisord] environment`. */
  readonly environExpansions: Expansions = new Map();
  readonly files: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    readonly text: string,
    options: LoadOptions & { file?: string },
  ) {
    this.cwd = options.cwd ?? process.cwd();
    this.file = resolve(this.cwd, options.file ?? 'supervisord.conf');
    this.here = dirname(this.file);
    this.env = options.env ?? process.env;
    this.hostNodeName = options.hostNodeName ?? hostname();
    this.checkFs = !options.skipFilesystemChecks;
    for (const [k, v] of Object.entries(this.env)) if (v !== undefined) this.environExpansions.set(`ENV_${k}`, v);
  }

  load(): SupervisorConfig {
    this.store.read(this.text, this.file);
    this.files.push(this.file);
    this.readIncludes();
    if (!this.store.has('supervisord')) {
      throw new TopologyConfigError(`${this.file} has no [supervisord] section`, {
        problems: [{ path: this.file, message: '.ini file does not include supervisord section' }],
      });
    }
    for (const s of this.store.sections()) {
      if (s.startsWith('eventlistener:') || s.startsWith('fcgi-program:')) {
        const v = this.store.section(s)!;
        throw new TopologyConfigError(`[${s}] is not supported by mongo-topology's supervisor`, {
          problems: [
            {
              path: `${v.file}:${v.line}`,
              message: `[${s}]: event listeners and FastCGI programs are not implemented; run them under the real supervisord`,
            },
          ],
        });
      }
    }
    const supervisord = this.readSupervisord();
    const rpcinterfaces = this.readRpcInterfaces();
    const groups = this.readGroups(supervisord);
    return {
      file: this.file,
      supervisord,
      servers: this.readServers(),
      supervisorctl: this.readSupervisorctl(),
      rpcinterfaces,
      groups,
      files: this.files,
      warnings: this.warnings,
    };
  }

  readIncludes(): void {
    if (!this.store.has('include')) return;
    this.store.expandHere(this.here);
    const filesValue = this.store.get('include', 'files');
    if (!filesValue) {
      throw this.error('include', 'files', undefined, '.ini file has [include] section, but no files setting');
    }
    const expansions: Expansions = new Map([
      ['here', this.here],
      ['host_node_name', this.hostNodeName],
      ...this.environExpansions,
    ]);
    const patterns = this.expand(filesValue.value, expansions, 'include', 'files', filesValue)
      .split(/\s+/)
      .filter(Boolean);
    for (const pattern of patterns) {
      const full = isAbsolute(pattern) ? pattern : join(this.here, pattern);
      const matches = pyGlob(full).sort();
      if (matches.length === 0) {
        this.warnings.push(`No file matches via include "${full}"`);
        continue;
      }
      for (const f of matches) {
        let content: string;
        try {
          content = readFileSync(f, 'utf8');
        } catch {
          // RawConfigParser.read() skips files it cannot open.
          continue;
        }
        this.store.read(content, f);
        this.files.push(f);
        this.store.expandHere(dirname(resolve(f)));
      }
    }
  }

  /** Reads `section.key`, applying `%` expansion unless told not to (supervisord's `saneget`). */
  get(section: string, key: string, expansions: Expansions | null): { text: string; where?: IniValue } | undefined {
    const v = this.store.get(section, key);
    if (!v) return undefined;
    if (!expansions) return { text: v.value, where: v };
    const combined: Expansions = new Map([...this.environExpansions, ...expansions]);
    return { text: this.expand(v.value, combined, section, key, v), where: v };
  }

  expand(text: string, expansions: Expansions, section: string, key: string, where?: IniValue): string {
    try {
      return pythonFormat(text, expansions);
    } catch (e) {
      if (!(e instanceof PythonFormatError)) throw e;
      const names = [...expansions.keys()].sort().join(', ');
      const msg =
        e.kind === 'missing-name'
          ? `Format string '${text}' for '${section}.${key}' contains names (${e.message}) which cannot be expanded. Available names: ${names}`
          : `Format string '${text}' for '${section}.${key}' is badly formatted: ${e.message}`;
      throw this.error(section, key, where, msg);
    }
  }

  error(
    section: string,
    key: string,
    where: IniValue | undefined,
    message: string,
    cause?: unknown,
  ): TopologyConfigError {
    const sect = this.store.section(section);
    const path = where ? `${where.file}:${where.line}` : sect ? `${sect.file}:${sect.line}` : this.file;
    return new TopologyConfigError(`Invalid supervisord config: [${section}] ${key}: ${message.split('\n')[0]}`, {
      problems: [{ path, message: `[${section}] ${key}: ${message}` }],
      cause,
    });
  }

  /** Reads and converts one value; conversion errors name file, line, section and key. */
  typed<T>(
    section: string,
    key: string,
    fallback: string,
    convert: (s: string) => T,
    expansions: Expansions | null,
  ): T {
    const got = this.get(section, key, expansions);
    try {
      return convert(got ? got.text : fallback);
    } catch (e) {
      if (e instanceof ValueTypeError || e instanceof ShlexError)
        throw this.error(section, key, got?.where, e.message, e);
      throw e;
    }
  }

  str(section: string, key: string, expansions: Expansions | null): string | null {
    return this.get(section, key, expansions)?.text ?? null;
  }

  readSupervisord(): SupervisordOptions {
    const S = 'supervisord';
    const ex: Expansions = new Map([['here', this.here]]);
    const t = <T>(key: string, fallback: string, convert: (s: string) => T) =>
      this.typed(S, key, fallback, convert, ex);
    const dirpath = (s: string) => this.existingDirpath(s);
    const directory = this.str(S, 'directory', ex);
    // supervisord 4.2.5 expands this value twice (fixed after 4.2.5), so `%%` does not survive here.
    const once = this.get(S, 'environment', ex);
    let environment: Record<string, string> = {};
    if (once) {
      const twiceExpansions: Expansions = new Map([
        ['here', this.here],
        ['host_node_name', this.hostNodeName],
        ...this.environExpansions,
      ]);
      const twice = this.expand(once.text, twiceExpansions, S, 'environment', once.where);
      try {
        environment = Object.fromEntries(parseEnvironment(twice));
      } catch (e) {
        throw this.error(S, 'environment', once.where, (e as Error).message, e);
      }
    }
    for (const [k, v] of Object.entries(environment)) this.environExpansions.set(`ENV_${k}`, v);
    const opts: SupervisordOptions = {
      minfds: t('minfds', '1024', parseInteger),
      minprocs: t('minprocs', '200', parseInteger),
      directory: directory === null ? null : this.typed(S, 'directory', '', (s) => this.existingDirectory(s), ex),
      user: this.str(S, 'user', ex),
      umask: t('umask', '022', parseOctal),
      logfile: t('logfile', 'supervisord.log', dirpath),
      logfileMaxbytes: t('logfile_maxbytes', '50MB', parseByteSize),
      logfileBackups: t('logfile_backups', '10', parseInteger),
      loglevel: t('loglevel', 'info', parseLogLevel),
      pidfile: t('pidfile', 'supervisord.pid', dirpath),
      identifier: this.str(S, 'identifier', ex) ?? 'supervisor',
      nodaemon: t('nodaemon', 'false', parseBoolean),
      silent: t('silent', 'false', parseBoolean),
      childlogdir: t('childlogdir', tmpdir(), (s) => this.existingDirectory(s)),
      nocleanup: t('nocleanup', 'false', parseBoolean),
      stripAnsi: t('strip_ansi', 'false', parseBoolean),
      environment,
    };
    return opts;
  }

  readRpcInterfaces(): string[] {
    const names: string[] = [];
    for (const s of this.store.sections()) {
      if (!s.startsWith('rpcinterface:')) continue;
      const factory = this.get(s, 'supervisor.rpcinterface_factory', new Map([['here', this.here]]));
      if (!factory)
        throw this.error(
          s,
          'supervisor.rpcinterface_factory',
          undefined,
          `section [${s}] does not specify a supervisor.rpcinterface_factory`,
        );
      if (factory.text.trim() !== 'supervisor.rpcinterface:make_main_rpcinterface') {
        this.warnings.push(`[${s}] names factory ${factory.text}, which only the Python supervisord can load; ignored`);
        continue;
      }
      names.push(s.slice('rpcinterface:'.length));
    }
    return names;
  }

  readGroups(supervisord: SupervisordOptions): GroupConfig[] {
    const sections = this.store.sections();
    const groups: GroupConfig[] = [];
    const inHeterogeneous = new Set<string>();
    const ex: Expansions = new Map([['here', this.here]]);
    for (const section of sections) {
      if (!section.startsWith('group:')) continue;
      const name = this.typed(section, '(name)', section.slice('group:'.length), parseProcessOrGroupName, null);
      const programsRaw = this.get(section, 'programs', ex);
      const programs = parseListOfStrings(programsRaw?.text ?? '');
      const priority = this.typed(section, 'priority', '999', parseInteger, ex);
      const processes: ProcessConfig[] = [];
      for (const program of programs) {
        const programSection = `program:${program}`;
        if (!sections.includes(programSection)) {
          throw this.error(section, 'programs', programsRaw?.where, `[${section}] names unknown program ${program}`);
        }
        inHeterogeneous.add(programSection);
        processes.push(...this.readProcesses(programSection, name, supervisord));
      }
      groups.push({ name, priority, processes });
    }
    for (const section of sections) {
      if (!section.startsWith('program:') || inHeterogeneous.has(section)) continue;
      const name = this.typed(section, '(name)', section.slice('program:'.length), parseProcessOrGroupName, null);
      const priority = this.typed(section, 'priority', '999', parseInteger, new Map([['here', this.here]]));
      groups.push({ name, priority, processes: this.readProcesses(section, name, supervisord) });
    }
    groups.sort(byPriorityThenName);
    const seen = new Map<string, string>();
    for (const g of groups) {
      if (seen.has(g.name)) {
        throw this.error(
          `group:${g.name}`,
          '(name)',
          undefined,
          `group name ${g.name} is defined twice (${seen.get(g.name)} and this one)`,
        );
      }
      seen.set(g.name, g.name);
    }
    this.checkDependencies(groups);
    return groups;
  }

  readProcesses(section: string, groupName: string, supervisord: SupervisordOptions): ProcessConfig[] {
    const programName = this.typed(
      section,
      '(name)',
      section.slice(section.indexOf(':') + 1),
      parseProcessOrGroupName,
      null,
    );
    const common: Expansions = new Map<string, ExpansionValue>([
      ['here', this.here],
      ['program_name', programName],
      ['host_node_name', this.hostNodeName],
      ['group_name', groupName],
    ]);
    const t = <T>(key: string, fallback: string, convert: (s: string) => T, ex: Expansions = common) =>
      this.typed(section, key, fallback, convert, ex);
    const priority = t('priority', '999', parseInteger);
    const autostart = t('autostart', 'true', parseBoolean);
    const autorestart = t('autorestart', 'unexpected', parseAutoRestart);
    const startsecs = t('startsecs', '1', parseInteger);
    const startretries = t('startretries', '3', parseInteger);
    const stopsignal = t('stopsignal', 'TERM', parseSignal);
    const stopwaitsecs = t('stopwaitsecs', '10', parseInteger);
    const stopasgroup = t('stopasgroup', 'false', parseBoolean);
    const killasgroup = t('killasgroup', String(stopasgroup), parseBoolean);
    const exitcodes = t('exitcodes', '0', parseExitCodes);
    const redirectStderr = t('redirect_stderr', 'false', parseBoolean);
    const numprocs = t('numprocs', '1', parseInteger);
    const numprocsStart = t('numprocs_start', '0', parseInteger);
    const environmentRaw = this.get(section, 'environment', null);
    const stdoutCaptureMaxbytes = t('stdout_capture_maxbytes', '0', parseByteSize);
    const stdoutEventsEnabled = t('stdout_events_enabled', 'false', parseBoolean);
    const stderrCaptureMaxbytes = t('stderr_capture_maxbytes', '0', parseByteSize);
    const stderrEventsEnabled = t('stderr_events_enabled', 'false', parseBoolean);
    let serverurl = this.str(section, 'serverurl', common);
    if (serverurl && serverurl.trim().toUpperCase() === 'AUTO') serverurl = null;
    const user = this.str(section, 'user', common);
    let uid: number | null = null;
    let gid: number | null = null;
    if (user !== null) {
      const u = t('user', '', (s) => resolveUser(s));
      uid = u.uid;
      gid = u.gid;
    }
    const umaskText = this.get(section, 'umask', common);
    const umask = umaskText ? t('umask', '', parseOctal) : null;
    const processNameRaw = this.get(section, 'process_name', null);
    const processNameTemplate = processNameRaw
      ? this.typed(section, 'process_name', '', parseProcessOrGroupName, null)
      : '%(program_name)s';
    if (numprocs > 1 && !processNameTemplate.includes('%(process_num)')) {
      throw this.error(
        section,
        'process_name',
        processNameRaw?.where,
        '%(process_num) must be present within process_name when numprocs > 1',
      );
    }
    if (stopasgroup && !killasgroup) {
      throw this.error(
        section,
        'killasgroup',
        this.store.get(section, 'killasgroup'),
        'Cannot set stopasgroup=true and killasgroup=false',
      );
    }
    const processes: ProcessConfig[] = [];
    for (let processNum = numprocsStart; processNum < numprocsStart + numprocs; processNum++) {
      const ex: Expansions = new Map([
        ...common,
        ['process_num', processNum],
        ['numprocs', numprocs],
        ...this.environExpansions,
      ]);
      let programEnv: Record<string, string> = {};
      if (environmentRaw) {
        const expanded = this.expand(environmentRaw.text, ex, section, 'environment', environmentRaw.where);
        try {
          programEnv = Object.fromEntries(parseEnvironment(expanded));
        } catch (e) {
          throw this.error(section, 'environment', environmentRaw.where, (e as Error).message, e);
        }
      }
      for (const [k, v] of Object.entries(programEnv)) ex.set(`ENV_${k}`, v);
      const directory = this.str(section, 'directory', ex);
      const logs = {} as Record<
        'stdout' | 'stderr',
        { file: LogfileSetting; backups: number; maxbytes: number; syslog: boolean }
      >;
      for (const ch of ['stdout', 'stderr'] as const) {
        const key = `${ch}_logfile`;
        const raw = this.get(section, key, ex);
        let file: LogfileSetting = AUTO_LOG;
        let syslog = t(`${ch}_syslog`, 'false', parseBoolean, ex);
        if (raw) {
          // supervisord expands explicit log paths a second time, so a literal % needs %%%%.
          const twice = this.expand(raw.text, ex, section, key, raw.where);
          file = this.typed(section, key, '', () => this.logfileName(twice), null);
        }
        if (file === 'syslog') {
          this.warnings.push(
            `For [${section}], ${key}=syslog but this is deprecated and will be removed.  Use ${ch}_syslog=true to enable syslog instead.`,
          );
          file = null;
          syslog = true;
        }
        const maxbytes = t(`${ch}_logfile_maxbytes`, '50MB', parseByteSize, ex);
        const backups = t(`${ch}_logfile_backups`, '10', parseInteger, ex);
        if (file === AUTO_LOG && !maxbytes) {
          this.warnings.push(
            `For [${section}], AUTO logging used for ${key} without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally`,
          );
        }
        logs[ch] = { file, backups, maxbytes, syslog };
      }
      if (redirectStderr) {
        if (logs.stderr.file !== AUTO_LOG && logs.stderr.file !== null) {
          this.warnings.push(
            `For [${section}], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored`,
          );
        }
        logs.stderr.file = null;
      }
      const command = this.str(section, 'command', ex);
      if (command === null) {
        const s = this.store.section(section)!;
        throw new TopologyConfigError(`Invalid supervisord config: [${section}] has no command`, {
          problems: [{ path: `${s.file}:${s.line}`, message: `program section ${section} does not specify a command` }],
        });
      }
      const name = this.expand(processNameTemplate, ex, section, 'process_name', processNameRaw?.where);
      const extensions: Record<string, string> = {};
      for (const [k] of this.store.section(section)!.values) {
        if (k.startsWith('x_')) extensions[k] = this.str(section, k, ex) ?? '';
      }
      const readyText = extensions.x_ready;
      processes.push({
        name,
        group: groupName,
        programName,
        processNum,
        numprocs,
        command,
        directory,
        umask,
        priority,
        autostart,
        autorestart,
        startsecs,
        startretries,
        exitcodes,
        stopsignal,
        stopwaitsecs,
        stopasgroup,
        killasgroup,
        user,
        uid,
        gid,
        redirectStderr,
        stdoutLogfile: logs.stdout.file,
        stdoutLogfileMaxbytes: logs.stdout.maxbytes,
        stdoutLogfileBackups: logs.stdout.backups,
        stdoutCaptureMaxbytes,
        stdoutEventsEnabled,
        stdoutSyslog: logs.stdout.syslog,
        stderrLogfile: logs.stderr.file,
        stderrLogfileMaxbytes: logs.stderr.maxbytes,
        stderrLogfileBackups: logs.stderr.backups,
        stderrCaptureMaxbytes,
        stderrEventsEnabled,
        stderrSyslog: logs.stderr.syslog,
        environment: { ...supervisord.environment, ...programEnv },
        serverurl,
        extensions,
        ready: readyText === undefined || readyText.trim() === '' ? null : t('x_ready', '', parseReadySpec, ex),
        readyTimeoutSecs:
          extensions.x_ready_timeout === undefined ? 0 : t('x_ready_timeout', '0', nonNegativeInteger, ex),
        dependsOn:
          extensions.x_depends_on === undefined ? [] : parseListOfStrings(extensions.x_depends_on).filter(Boolean),
      });
    }
    return processes.sort(byPriorityThenName);
  }

  checkDependencies(groups: readonly GroupConfig[]): void {
    const programs = new Set<string>();
    const groupNames = new Set(groups.map((g) => g.name));
    for (const g of groups) for (const p of g.processes) programs.add(p.programName);
    for (const g of groups) {
      for (const p of g.processes) {
        for (const d of p.dependsOn) {
          if (!programs.has(d) && !groupNames.has(d)) {
            const section = `program:${p.programName}`;
            throw this.error(
              section,
              'x_depends_on',
              this.store.get(section, 'x_depends_on'),
              `names unknown program or group '${d}'`,
            );
          }
        }
      }
    }
    const cycle = findDependencyCycle(groups);
    if (cycle) {
      const section = `program:${cycle[0]}`;
      throw this.error(
        section,
        'x_depends_on',
        this.store.get(section, 'x_depends_on'),
        `dependency cycle: ${cycle.join(' -> ')}`,
      );
    }
  }

  readServers(): HttpServerConfig[] {
    const servers: HttpServerConfig[] = [];
    const ex: Expansions = new Map([['here', this.here]]);
    for (const section of this.store.sections()) {
      if (section.startsWith('inet_http_server')) {
        const auth = this.readAuth(section, ex);
        const port = this.get(section, 'port', ex);
        if (!port) throw this.error(section, 'port', undefined, `section [${section}] has no port value`);
        const addr = this.typed(section, 'port', '', parseInetAddress, ex);
        servers.push({ kind: 'inet', host: addr.host, port: addr.port, ...auth });
      }
    }
    for (const section of this.store.sections()) {
      if (section.startsWith('unix_http_server')) {
        const auth = this.readAuth(section, ex);
        const file = this.str(section, 'file', ex);
        if (file === null) throw this.error(section, 'file', undefined, `section [${section}] has no file value`);
        const chmod = this.typed(section, 'chmod', '0700', parseOctal, ex);
        servers.push({
          kind: 'unix',
          file: resolve(this.cwd, file.trim()),
          chmod,
          chown: this.str(section, 'chown', ex),
          ...auth,
        });
      }
    }
    return servers;
  }

  readAuth(section: string, ex: Expansions): { username: string | null; password: string | null } {
    const username = this.str(section, 'username', ex);
    const password = this.str(section, 'password', ex);
    if ((username === null) !== (password === null)) {
      throw this.error(
        section,
        username === null ? 'username' : 'password',
        undefined,
        `Section [${section}] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified`,
      );
    }
    return { username, password };
  }

  readSupervisorctl(): SupervisorctlConfig | null {
    const S = 'supervisorctl';
    if (!this.store.has(S)) return null;
    const ex: Expansions = new Map([['here', this.here]]);
    return {
      serverurl: this.str(S, 'serverurl', ex) ?? 'http://localhost:9001',
      username: this.str(S, 'username', ex),
      password: this.str(S, 'password', ex),
      prompt: this.str(S, 'prompt', ex) ?? 'supervisor',
      historyFile: this.str(S, 'history_file', ex),
    };
  }

  logfileName(value: string): LogfileSetting {
    const v = value.toLowerCase();
    if (v === 'none' || v === 'off') return null;
    if (v === 'auto') return AUTO_LOG;
    if (v === 'syslog') return 'syslog';
    return this.existingDirpath(value);
  }

  existingDirpath(v: string): string {
    const nv = expandUser(v);
    const dir = dirname(nv);
    if (!nv.includes('/')) return nv;
    if (!this.checkFs || isDirectory(dir)) return nv;
    throw new ValueTypeError(`The directory named as part of the path ${v} does not exist`);
  }

  existingDirectory(v: string): string {
    const nv = expandUser(v);
    if (!this.checkFs || isDirectory(nv)) return nv;
    throw new ValueTypeError(`${v} is not an existing directory`);
  }
}

function nonNegativeInteger(s: string): number {
  const n = parseInteger(s);
  if (n < 0) throw new ValueTypeError(`must be 0 or more, got ${n}`);
  return n;
}

function expandUser(p: string): string {
  if (p === '~' || p.startsWith('~/')) return homedir() + p.slice(1);
  return p;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function byPriorityThenName(a: { priority: number; name: string }, b: { priority: number; name: string }): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The first dependency cycle among programs (as a list of program names, first repeated at the
 * end), or undefined. A dependency on a group means every program in it.
 */
export function findDependencyCycle(groups: readonly GroupConfig[]): string[] | undefined {
  const deps = new Map<string, Set<string>>();
  const programsOfGroup = new Map<string, Set<string>>();
  const programNames = new Set<string>();
  for (const g of groups) {
    for (const p of g.processes) {
      programNames.add(p.programName);
      if (!programsOfGroup.has(g.name)) programsOfGroup.set(g.name, new Set());
      programsOfGroup.get(g.name)!.add(p.programName);
    }
  }
  for (const g of groups) {
    for (const p of g.processes) {
      const set = deps.get(p.programName) ?? new Set<string>();
      for (const d of p.dependsOn) {
        const targets = programNames.has(d) ? [d] : [...(programsOfGroup.get(d) ?? [])];
        for (const t of targets) set.add(t);
      }
      deps.set(p.programName, set);
    }
  }
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}
