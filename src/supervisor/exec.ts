// Turning `command=` into what gets executed, like supervisord's get_execv_args: POSIX shlex split
// (no shell), a PATH search for a bare program name (the program's own PATH first), and the checks
// whose failures supervisord reports as NO_FILE or NOT_EXECUTABLE before it ever forks.

import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ShlexError, shlexSplit } from './config/shlex.js';

/** Why a command cannot be executed; `kind` maps to supervisord's exception class and fault. */
export class ExecError extends Error {
  constructor(
    message: string,
    /** `not-found` → NO_FILE; the others → NOT_EXECUTABLE. */
    readonly kind: 'bad-command' | 'not-found' | 'not-executable' | 'no-permission',
  ) {
    super(message);
  }
}

/** Python `repr()` of a str, as supervisord's messages show file names. */
export function pyReprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return `${q}${s.replaceAll('\\', '\\\\').replaceAll(q, `\\${q}`)}${q}`;
}

export interface ResolvedExec {
  /** What to execute: a path (possibly relative, resolved by the kernel after chdir, like supervisord). */
  readonly file: string;
  /** The full argv, argv[0] as written. */
  readonly argv: readonly string[];
}

/**
 * Resolves a `command=` string.
 * @param programPath the program's `environment` PATH if it sets one.
 * @param supervisorPath the supervisor's own PATH.
 * @throws ExecError with supervisord's message text.
 */
export function resolveExec(
  command: string,
  programPath: string | undefined,
  supervisorPath: string | undefined,
): ResolvedExec {
  let argv: string[];
  try {
    argv = shlexSplit(command);
  } catch (e) {
    throw new ExecError(`can't parse command ${pyReprString(command)}: ${(e as ShlexError).message}`, 'bad-command');
  }
  if (argv.length === 0) throw new ExecError('command is empty', 'bad-command');
  const program = argv[0];
  let file = program;
  let st: Stats | undefined;
  if (program.includes('/')) {
    st = statOrUndefined(program);
  } else {
    const path =
      programPath !== undefined
        ? programPath.split(':')
        : supervisorPath
          ? supervisorPath.split(':')
          : ['/bin', '/usr/bin', '/usr/local/bin'];
    for (const dir of path) {
      const found = join(dir, program);
      st = statOrUndefined(found);
      if (st) {
        file = dir === '' ? program : found;
        break;
      }
    }
  }
  if (!st) throw new ExecError(`can't find command ${pyReprString(file)}`, 'not-found');
  if (st.isDirectory()) throw new ExecError(`command at ${pyReprString(file)} is a directory`, 'not-executable');
  if ((st.mode & 0o111) === 0)
    throw new ExecError(`command at ${pyReprString(file)} is not executable`, 'not-executable');
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new ExecError(`no permission to run command ${pyReprString(file)}`, 'no-permission');
  }
  return { file, argv };
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
