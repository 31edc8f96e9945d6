// Python `glob.glob()` (non-recursive), used for `[include] files`: `*`, `?` and `[...]` per path
// segment, names starting with `.` only matched by a pattern segment that starts with `.`.
// Hand-written because Node 20 has no fs.glob and the semantics must be Python's, not a shell's.

import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

const MAGIC = /[*?[]/;

/** fnmatch pattern → anchored RegExp (Python `fnmatch.translate`). */
export function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) re += '\\[';
      else {
        let stuff = pattern.slice(i + 1, j).replaceAll('\\', '\\\\');
        i = j;
        if (stuff.startsWith('!')) stuff = `^${stuff.slice(1)}`;
        else if (stuff.startsWith('^')) stuff = `\\${stuff}`;
        re += `[${stuff}]`;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

/** Paths matching an absolute `pattern`, unsorted (callers sort, as supervisord does). */
export function pyGlob(pattern: string): string[] {
  const parts = pattern.split(sep);
  let bases = [parts[0] === '' ? sep : parts[0]];
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k];
    const last = k === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (part === '') {
        // A trailing slash only matches directories; a doubled one is ignored.
        if (last) {
          if (isDir(base)) next.push(base.endsWith(sep) ? base : base + sep);
        } else next.push(base);
        continue;
      }
      if (!MAGIC.test(part)) {
        const p = join(base, part);
        if (last ? exists(p) : isDir(p)) next.push(p);
        continue;
      }
      const re = fnmatchToRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') && !part.startsWith('.')) continue;
        if (!re.test(name)) continue;
        const p = join(base, name);
        if (last || isDir(p)) next.push(p);
      }
    }
    bases = next;
  }
  return bases;
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
