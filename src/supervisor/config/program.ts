// Programs defined in code instead of INI: a ProgramSpec (the same shape the renderer writes) turned
// into ProcessConfigs with exactly the defaults and checks the INI loader applies, so a program
// behaves the same whether it came from `renderIni` + `loadSupervisorConfig` or straight from code.

import { hostname } from 'node:os';
import { TopologyConfigError } from '../../errors.js';
import { AUTO_LOG, type ProcessConfig } from './model.js';
import { pythonFormat } from './python-format.js';
import { quoteCommandArg, type ProgramSpec } from './render.js';
import { ShlexError, shlexSplit } from './shlex.js';
import { ValueTypeError, parseProcessOrGroupName, parseSignal, resolveUser } from './value-types.js';

export interface ProgramContext {
  /** Group the program belongs to. @default the program name */
  readonly group?: string;
  /** `[supervisord] environment`, merged under the program's. */
  readonly supervisordEnvironment?: Readonly<Record<string, string>>;
}

/**
 * Expands one program into its processes (one per `numprocs`), applying supervisord's defaults.
 * @throws TopologyConfigError naming the program and option.
 */
export function programToProcessConfigs(spec: ProgramSpec, context: ProgramContext = {}): ProcessConfig[] {
  const problems: { path: string; message: string }[] = [];
  const where = `program:${spec.name}`;
  const check = <T>(key: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ValueTypeError || e instanceof ShlexError || e instanceof TypeError) {
        problems.push({ path: `[${where}] ${key}`, message: e.message });
        return undefined;
      }
      throw e;
    }
  };
  const int = (key: string, v: number | undefined, dflt: number, min = -Infinity): number => {
    if (v === undefined) return dflt;
    if (!Number.isSafeInteger(v) || v < min)
      problems.push({ path: `[${where}] ${key}`, message: `must be an integer >= ${min}, got ${v}` });
    return v;
  };
  const name = check('(name)', () => parseProcessOrGroupName(spec.name)) ?? spec.name;
  const group = context.group ?? name;
  const command = typeof spec.command === 'string' ? spec.command : spec.command.map(quoteCommandArg).join(' ');
  check('command', () => {
    if (shlexSplit(command).length === 0) throw new ValueTypeError('command is empty');
  });
  const numprocs = int('numprocs', spec.numprocs, 1, 1);
  const numprocsStart = int('numprocs_start', spec.numprocsStart, 0, 0);
  const template = spec.processName ?? '%(program_name)s';
  if (numprocs > 1 && !template.includes('%(process_num)')) {
    problems.push({
      path: `[${where}] process_name`,
      message: '%(process_num) must be present within process_name when numprocs > 1',
    });
  }
  const stopasgroup = spec.stopasgroup ?? false;
  const killasgroup = spec.killasgroup ?? stopasgroup;
  if (stopasgroup && !killasgroup)
    problems.push({ path: `[${where}] killasgroup`, message: 'Cannot set stopasgroup=true and killasgroup=false' });
  const exitcodes = spec.exitcodes ?? [0];
  if (exitcodes.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    problems.push({ path: `[${where}] exitcodes`, message: `not a valid list of exit codes: ${exitcodes.join(',')}` });
  }
  const stopsignal = check('stopsignal', () => parseSignal(spec.stopsignal ?? 'TERM')) ?? 15;
  const user = spec.user ?? null;
  const resolved = user === null ? undefined : check('user', () => resolveUser(user));
  for (const [k] of Object.entries(spec.environment ?? {})) {
    if (!/^[^=\0]+$/.test(k))
      problems.push({ path: `[${where}] environment`, message: `invalid variable name ${JSON.stringify(k)}` });
  }
  const base = {
    programName: name,
    group,
    numprocs,
    command,
    directory: spec.directory ?? null,
    umask: spec.umask ?? null,
    priority: int('priority', spec.priority, 999),
    autostart: spec.autostart ?? true,
    autorestart: spec.autorestart ?? 'unexpected',
    startsecs: int('startsecs', spec.startsecs, 1, 0),
    startretries: int('startretries', spec.startretries, 3, 0),
    exitcodes,
    stopsignal,
    stopwaitsecs: int('stopwaitsecs', spec.stopwaitsecs, 10, 0),
    stopasgroup,
    killasgroup,
    user,
    uid: resolved?.uid ?? null,
    gid: resolved?.gid ?? null,
    redirectStderr: spec.redirectStderr ?? false,
    stdoutLogfile: spec.stdoutLogfile === undefined ? AUTO_LOG : spec.stdoutLogfile,
    stdoutLogfileMaxbytes: int('stdout_logfile_maxbytes', spec.stdoutLogfileMaxbytes, 50 * 1024 * 1024, 0),
    stdoutLogfileBackups: int('stdout_logfile_backups', spec.stdoutLogfileBackups, 10, 0),
    stdoutCaptureMaxbytes: int('stdout_capture_maxbytes', spec.stdoutCaptureMaxbytes, 0, 0),
    stdoutEventsEnabled: spec.stdoutEventsEnabled ?? false,
    stdoutSyslog: spec.stdoutSyslog ?? false,
    stderrLogfile: spec.redirectStderr ? null : spec.stderrLogfile === undefined ? AUTO_LOG : spec.stderrLogfile,
    stderrLogfileMaxbytes: int('stderr_logfile_maxbytes', spec.stderrLogfileMaxbytes, 50 * 1024 * 1024, 0),
    stderrLogfileBackups: int('stderr_logfile_backups', spec.stderrLogfileBackups, 10, 0),
    stderrCaptureMaxbytes: int('stderr_capture_maxbytes', spec.stderrCaptureMaxbytes, 0, 0),
    stderrEventsEnabled: spec.stderrEventsEnabled ?? false,
    stderrSyslog: spec.stderrSyslog ?? false,
    environment: { ...(context.supervisordEnvironment ?? {}), ...(spec.environment ?? {}) },
    serverurl: spec.serverurl ?? null,
    extensions: { ...(spec.extensions ?? {}) },
    ready: spec.ready ?? null,
    readyTimeoutSecs: int('x_ready_timeout', spec.readyTimeoutSecs, 0, 0),
    dependsOn: [...(spec.dependsOn ?? [])],
  } satisfies Omit<ProcessConfig, 'name' | 'processNum'>;
  if (problems.length > 0) {
    throw new TopologyConfigError(`Invalid program ${JSON.stringify(spec.name)}`, { problems });
  }
  const out: ProcessConfig[] = [];
  for (let processNum = numprocsStart; processNum < numprocsStart + numprocs; processNum++) {
    const expansions = new Map<string, string | number>([
      ['program_name', name],
      ['group_name', group],
      ['host_node_name', hostname()],
      ['process_num', processNum],
      ['numprocs', numprocs],
    ]);
    let processName: string;
    try {
      processName = pythonFormat(template, expansions);
    } catch (e) {
      throw new TopologyConfigError(`Invalid program ${JSON.stringify(spec.name)}`, {
        problems: [{ path: `[${where}] process_name`, message: (e as Error).message }],
      });
    }
    out.push({ ...base, name: processName, processNum });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
