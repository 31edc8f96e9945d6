// The value types of supervisord's config (its datatypes.py): how a string from the INI becomes a
// boolean, a byte size, a signal, a list of exit codes, a name. Each converter throws a plain
// ValueError-like message; the loader adds section, key, file and line.

import { readFileSync } from 'node:fs';

/** A converter's complaint about one value; the loader wraps it with file and line. */
export class ValueTypeError extends Error {}

const TRUTHY = ['yes', 'true', 'on', '1'];
const FALSY = ['no', 'false', 'off', '0'];

/** `yes/true/on/1` or `no/false/off/0`, any case. */
export function parseBoolean(s: string): boolean {
  const v = s.toLowerCase();
  if (TRUTHY.includes(v)) return true;
  if (FALSY.includes(v)) return false;
  throw new ValueTypeError(`not a valid boolean value: '${s}'`);
}

/** Python `int(s)` for base 10: surrounding whitespace, a sign and `_` between digits allowed. */
export function parseInteger(s: string): number {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(s);
  if (!m) throw new ValueTypeError(`invalid literal for int() with base 10: '${s}'`);
  const n = Number(m[2].replaceAll('_', ''));
  return m[1] === '-' ? -n : n;
}

/** Python `int(s, 8)` (supervisord's `octal_type`): `022`, `0o22`, `22`. */
export function parseOctal(s: string): number {
  const m = /^\s*([+-]?)(?:0[oO]_?)?([0-7]+(?:_[0-7]+)*)\s*$/.exec(s);
  if (!m) throw new ValueTypeError(`${s} can not be converted to an octal type`);
  const n = parseInt(m[2].replaceAll('_', ''), 8);
  return m[1] === '-' ? -n : n;
}

const BYTE_SUFFIXES: Record<string, number> = { kb: 1024, mb: 1024 * 1024, gb: 1024 * 1024 * 1024 };

/** `50MB` → 52428800. Only `KB`, `MB`, `GB` (any case), powers of 1024; `50M` is an error. */
export function parseByteSize(s: string): number {
  const v = s.toLowerCase();
  const suffix = v.slice(-2);
  const mult = BYTE_SUFFIXES[suffix];
  if (mult !== undefined) return parseInteger(v.slice(0, -2)) * mult;
  return parseInteger(v);
}

/** Renders a byte count the shortest way supervisord reads back to the same number. */
export function formatByteSize(n: number): string {
  if (n > 0) {
    for (const [suffix, mult] of [
      ['GB', 1024 ** 3],
      ['MB', 1024 ** 2],
      ['KB', 1024],
    ] as const) {
      if (n % mult === 0) return `${n / mult}${suffix}`;
    }
  }
  return String(n);
}

/** Comma-separated exit codes, each 0..255. */
export function parseExitCodes(s: string): number[] {
  if (!s) return [];
  try {
    return s.split(',').map((part) => {
      const n = parseInteger(part);
      if (n < 0 || n > 255) throw new ValueTypeError(`Invalid exit code "${n}"`);
      return n;
    });
  } catch {
    throw new ValueTypeError(`not a valid list of exit codes: '${s}'`);
  }
}

/** Comma-separated strings, each stripped; empty input is an empty list. */
export function parseListOfStrings(s: string): string[] {
  if (!s) return [];
  return s.split(',').map((x) => x.trim());
}

/** Process and group names: no space, `:` or `/` (they would break namespecs and URLs). */
export function parseProcessOrGroupName(s: string): string {
  const name = s.trim();
  for (const ch of [' ', ':', '/']) {
    if (name.includes(ch)) throw new ValueTypeError(`Invalid name: '${s}' because of character: '${ch}'`);
  }
  return name;
}

/** `autorestart`: a boolean or `unexpected`. */
export type AutoRestart = boolean | 'unexpected';

export function parseAutoRestart(s: string): AutoRestart {
  const v = s.toLowerCase();
  if (TRUTHY.includes(v)) return true;
  if (FALSY.includes(v)) return false;
  if (v === 'unexpected') return 'unexpected';
  throw new ValueTypeError(`invalid 'autorestart' value '${v}'`);
}

/**
 * Linux signal numbers as Python's `signal` module names them. supervisord accepts exactly the
 * names and numbers found there, which includes aliases (IOT, CLD, POLL), the realtime bounds and,
 * by accident of `dir(signal)`, the `SIG_DFL`-style constants.
 */
const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
  SIGRTMIN: 34,
  SIGRTMAX: 64,
  SIG_DFL: 0,
  SIG_IGN: 1,
  SIG_BLOCK: 0,
  SIG_UNBLOCK: 1,
  SIG_SETMASK: 2,
};
const SIGNUMS = new Set(Object.values(SIGNALS));
/** Preferred name per number (supervisord's `signame`): the last `SIG*` name Python defines wins. */
const SIGNAMES: ReadonlyMap<number, string> = new Map([
  [1, 'SIGHUP'],
  [2, 'SIGINT'],
  [3, 'SIGQUIT'],
  [4, 'SIGILL'],
  [5, 'SIGTRAP'],
  [6, 'SIGABRT'],
  [7, 'SIGBUS'],
  [8, 'SIGFPE'],
  [9, 'SIGKILL'],
  [10, 'SIGUSR1'],
  [11, 'SIGSEGV'],
  [12, 'SIGUSR2'],
  [13, 'SIGPIPE'],
  [14, 'SIGALRM'],
  [15, 'SIGTERM'],
  [16, 'SIGSTKFLT'],
  [17, 'SIGCHLD'],
  [18, 'SIGCONT'],
  [19, 'SIGSTOP'],
  [20, 'SIGTSTP'],
  [21, 'SIGTTIN'],
  [22, 'SIGTTOU'],
  [23, 'SIGURG'],
  [24, 'SIGXCPU'],
  [25, 'SIGXFSZ'],
  [26, 'SIGVTALRM'],
  [27, 'SIGPROF'],
  [28, 'SIGWINCH'],
  [29, 'SIGIO'],
  [30, 'SIGPWR'],
  [31, 'SIGSYS'],
  [34, 'SIGRTMIN'],
  [64, 'SIGRTMAX'],
]);

/** `TERM`, `SIGTERM`, `term` or `15` → 15. */
export function parseSignal(s: string | number): number {
  let num: number | undefined;
  if (typeof s === 'number') num = s;
  else if (/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s)) num = parseInteger(s);
  else {
    let name = s.trim().toUpperCase();
    if (!name.startsWith('SIG')) name = `SIG${name}`;
    num = SIGNALS[name];
    if (num === undefined) throw new ValueTypeError(`value '${s}' is not a valid signal name`);
  }
  if (!SIGNUMS.has(num)) throw new ValueTypeError(`value '${s}' is not a valid signal number`);
  return num;
}

/** `15` → `SIGTERM`; unknown numbers read `signal N` (supervisord's `signame`). */
export function signalName(n: number): string {
  return SIGNAMES.get(n) ?? `signal ${n}`;
}

/** `[inet_http_server] port`: `host:port`, `:port`, `*:port` or `port`; an empty host means all interfaces. */
export function parseInetAddress(s: string): { host: string; port: number } {
  let host = '';
  let portText = s;
  if (s.includes(':')) {
    const idx = s.lastIndexOf(':');
    host = s.slice(0, idx).toLowerCase();
    portText = s.slice(idx + 1);
    if (!portText) throw new ValueTypeError(`no port number specified in '${portText}'`);
  }
  let port: number;
  try {
    port = parseInteger(portText);
  } catch {
    throw new ValueTypeError(`not a valid port number: '${portText}'`);
  }
  if (port < 1) throw new ValueTypeError(`${port} is below lower bound (1)`);
  if (port > 0xffff) throw new ValueTypeError(`${port} is above upper bound (65535)`);
  if (host === '*') host = '';
  return { host, port };
}

/** Log levels supervisord knows, lowest number is most verbose. */
export const LOG_LEVELS = { blather: 3, trace: 5, debug: 10, info: 20, warn: 30, error: 40, critical: 50 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

export function parseLogLevel(s: string): LogLevelName {
  const v = s.toLowerCase();
  if (v in LOG_LEVELS) return v as LogLevelName;
  throw new ValueTypeError(`bad logging level name '${s}'`);
}

/** A user name or numeric uid, resolved against /etc/passwd the way `pwd.getpwnam` would. */
export function resolveUser(
  s: string,
  passwdFile = '/etc/passwd',
): { uid: number; gid: number; name: string; home: string } {
  let entries: string[][] = [];
  try {
    entries = readFileSync(passwdFile, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    // No passwd file: only numeric ids can be checked, and they cannot be, so they fail below.
  }
  const numeric = /^\s*\d+\s*$/.test(s);
  const found = entries.find((e) => (numeric ? Number(e[2]) === Number(s) : e[0] === s));
  if (!found) throw new ValueTypeError(numeric ? `Invalid user id ${s}` : `Invalid user name ${s}`);
  return { name: found[0], uid: Number(found[2]), gid: Number(found[3]), home: found[5] ?? '/' };
}
