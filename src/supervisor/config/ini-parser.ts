// Reads INI text exactly as supervisord 4.2.5 does: Python 3 `configparser.RawConfigParser` with
// `inline_comment_prefixes=(';', '#')`, `strict=False`, and option names lowercased.
//
// Why hand-written: no npm INI parser implements these rules. The `ini` package treats `;`/`#`
// anywhere as a comment (supervisord keeps `a;b`), knows nothing of continuation lines joined by
// indentation, merges sections across files differently, and ini 6/7 require newer Node versions
// than we support. Getting any of these wrong means the INI we write means one thing to us and
// another to the real supervisord, so the rules are ported here and pinned by tests.

import { TopologyConfigError } from '../../errors.js';

/** One `key = value` as read: the joined value plus where it came from. */
export interface IniValue {
  readonly value: string;
  readonly file: string;
  /** 1-based line of the `key =` line. */
  readonly line: number;
}

/** One section as read (keys are lowercased, later definitions win). */
export interface IniSection {
  readonly name: string;
  /** File that first defined the section (supervisord's `section_to_file`). */
  readonly file: string;
  readonly line: number;
  readonly values: ReadonlyMap<string, IniValue>;
}

/**
 * Python's `str.isspace()` set. JavaScript's `\s` differs (it includes U+FEFF and omits
 * U+001C..U+001F), and a BOM must stay significant: Python does not strip it, so a file starting
 * with one has no section header for supervisord either.
 */
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACE_CHAR = new RegExp(`[${PY_SPACE}]`);
const PY_NONSPACE = new RegExp(`[^${PY_SPACE}]`);
const PY_RSTRIP = new RegExp(`[${PY_SPACE}]+$`);
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
const SECTION_RE = /^\[(.+)\]/s;
const OPTION_RE = new RegExp(`^(.*?)[${PY_SPACE}]*([=:])[${PY_SPACE}]*(.*)$`, 's');

/** Python `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/** Python `str.isspace()` for one character. */
export function pyIsSpace(ch: string): boolean {
  return PY_SPACE_CHAR.test(ch);
}

interface MutableValue {
  lines: string[];
  file: string;
  line: number;
}
interface MutableSection {
  name: string;
  file: string;
  line: number;
  values: Map<string, MutableValue>;
}

/**
 * A set of INI files read into one namespace, the way supervisord reads its main file and then
 * every `[include]` match into the same parser: sections repeated across files merge, later keys win.
 */
export class IniStore {
  readonly #sections = new Map<string, MutableSection>();
  readonly #defaults: MutableSection = { name: 'DEFAULT', file: '', line: 0, values: new Map() };

  /**
   * Parses `text` (the content of `file`) into the store.
   * @throws TopologyConfigError naming file and line for every line Python's parser rejects.
   */
  read(text: string, file: string): void {
    const problems: { path: string; message: string }[] = [];
    // Python reads in universal-newline mode: \r\n and \r become \n; nothing else splits lines.
    const lines = text.split(/\r\n|\r|\n/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    let cursect: MutableSection | undefined;
    let optname: string | undefined;
    let indentLevel = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const lineno = i + 1;
      let commentStart = Infinity;
      // Inline comments: the earliest `;` or `#` that is at index 0 or preceded by whitespace.
      for (const prefix of [';', '#']) {
        let index = line.indexOf(prefix);
        while (index !== -1) {
          if (index === 0 || pyIsSpace(line[index - 1])) {
            commentStart = Math.min(commentStart, index);
            break;
          }
          index = line.indexOf(prefix, index + 1);
        }
      }
      const stripped = pyStrip(line);
      if (stripped.startsWith('#') || stripped.startsWith(';')) commentStart = 0;
      const value = pyStrip(commentStart === Infinity ? line : line.slice(0, commentStart));
      if (!value) {
        // A blank line (not a comment line) belongs to the value being read; trailing ones are
        // removed again when values are joined.
        if (commentStart === Infinity && cursect && optname) cursect.values.get(optname)?.lines.push('');
        continue;
      }
      const firstNonSpace = PY_NONSPACE.exec(line);
      const curIndent = firstNonSpace ? firstNonSpace.index : 0;
      if (cursect && optname && curIndent > indentLevel) {
        cursect.values.get(optname)!.lines.push(value);
        continue;
      }
      indentLevel = curIndent;
      const sect = SECTION_RE.exec(value);
      if (sect) {
        const name = sect[1];
        if (name === 'DEFAULT') {
          cursect = this.#defaults;
        } else {
          let s = this.#sections.get(name);
          if (!s) {
            s = { name, file, line: lineno, values: new Map() };
            this.#sections.set(name, s);
          }
          cursect = s;
        }
        optname = undefined;
        continue;
      }
      if (!cursect) {
        throw new TopologyConfigError(
          `${file} is not a supervisord config file: no section header before line ${lineno}`,
          {
            problems: [
              {
                path: `${file}:${lineno}`,
                message: `File contains no section headers (line: ${JSON.stringify(line)})`,
              },
            ],
          },
        );
      }
      const opt = OPTION_RE.exec(value);
      if (!opt || !opt[1]) {
        problems.push({
          path: `${file}:${lineno}`,
          message: opt
            ? `option line has no name before '${opt[2]}': ${JSON.stringify(line)}`
            : `not a section header, a "key = value" line or a comment: ${JSON.stringify(line)}`,
        });
        // Python keeps reading (an empty option name is even stored) and raises at the end.
        if (opt) {
          optname = pyStrip(opt[1] ?? '').toLowerCase();
          cursect.values.set(optname, { lines: [pyStrip(opt[3] ?? '')], file, line: lineno });
        }
        continue;
      }
      optname = opt[1].replace(PY_RSTRIP, '').toLowerCase();
      cursect.values.set(optname, { lines: [pyStrip(opt[3])], file, line: lineno });
    }
    if (problems.length > 0) {
      throw new TopologyConfigError(`${file} contains parsing errors`, { problems });
    }
  }

  /** Section names in the order first seen (Python's `sections()`; DEFAULT excluded). */
  sections(): string[] {
    return [...this.#sections.keys()];
  }

  has(section: string): boolean {
    return this.#sections.has(section);
  }

  /** The section with `[DEFAULT]` keys merged underneath (as RawConfigParser lookups do). */
  section(name: string): IniSection | undefined {
    const s = this.#sections.get(name);
    if (!s) return undefined;
    const values = new Map<string, IniValue>();
    for (const [k, v] of this.#defaults.values) values.set(k, join(v));
    for (const [k, v] of s.values) values.set(k, join(v));
    return { name: s.name, file: s.file, line: s.line, values };
  }

  get(section: string, key: string): IniValue | undefined {
    const s = this.#sections.get(section);
    const v = s?.values.get(key) ?? (s ? this.#defaults.values.get(key) : undefined);
    return v ? join(v) : undefined;
  }

  /**
   * Replaces the literal text `%(here)s` in every value with `here`, as supervisord's
   * `expand_here()` does after reading each file (so `%(here)s` means the directory of the file
   * that held the value when it was read).
   */
  expandHere(here: string): void {
    for (const s of [this.#defaults, ...this.#sections.values()]) {
      for (const v of s.values.values()) {
        v.lines = v.lines.map((l) => l.replaceAll('%(here)s', here));
      }
    }
  }
}

function join(v: MutableValue): IniValue {
  return { value: v.lines.join('\n').replace(PY_RSTRIP, ''), file: v.file, line: v.line };
}
