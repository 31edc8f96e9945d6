// Finds mongod/mongos files on disk: in a given directory or on PATH, and says why a candidate is not
// usable (missing, not a file, not executable) in words an error message can carry.

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/** `mongod` → `mongod.exe` on Windows. */
export function exeName(name: 'mongod' | 'mongos', windows: boolean = process.platform === 'win32'): string {
  return windows ? `${name}.exe` : name;
}

/** `undefined` when `path` is an executable file, else why not. */
export async function whyNotExecutable(path: string): Promise<string | undefined> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return 'does not exist';
  }
  if (!s.isFile()) return 'is not a file';
  try {
    await access(path, constants.X_OK);
  } catch {
    return 'is not executable';
  }
  return undefined;
}

/** The first executable `name` in the PATH of `env`, like a shell would run it. Relative PATH entries are ignored. */
export async function findOnPath(
  name: 'mongod' | 'mongos',
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  // Windows spells it Path; env objects copied from process.env lose its case-insensitivity.
  const pathVar = env.PATH ?? env.Path ?? '';
  for (const dir of pathVar.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, exeName(name));
    if ((await whyNotExecutable(candidate)) === undefined) return candidate;
  }
  return undefined;
}
