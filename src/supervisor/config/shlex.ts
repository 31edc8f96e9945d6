// Python's `shlex` as supervisord uses it: POSIX `shlex.split()` turns `command=` into an argument
// array (quotes and backslashes, no shell), and the legacy non-POSIX lexer (supervisord 4.2.5)
// tokenises `environment=` values. Ported because no npm package reproduces Python's exact rules
// (for example, a quote in the middle of a non-POSIX word is just a character).

/** Why a command or environment string could not be tokenised (Python's ValueError text). */
export class ShlexError extends Error {}

const WHITESPACE = ' \t\r\n';

/**
 * `shlex.split(s)` in POSIX mode: whitespace separates words, `'…'` is literal, `"…"` allows
 * `\"` and `\\`, a backslash outside quotes escapes the next character. No comments.
 * @throws ShlexError `No closing quotation` / `No escaped character`.
 */
export function shlexSplit(s: string): string[] {
  const words: string[] = [];
  let state: ' ' | 'a' | "'" | '"' | '\\' = ' ';
  let escapedState: 'a' | '"' = 'a';
  let token = '';
  let quoted = false;
  const emit = () => {
    if (token || quoted) words.push(token);
    token = '';
    quoted = false;
  };
  for (let i = 0; ; i++) {
    const ch = i < s.length ? s[i] : '';
    switch (state) {
      case ' ':
      case 'a':
        if (!ch) {
          emit();
          return words;
        }
        if (WHITESPACE.includes(ch)) {
          if (state === 'a') emit();
          state = ' ';
        } else if (ch === '\\') {
          escapedState = 'a';
          state = '\\';
        } else if (ch === "'" || ch === '"') {
          state = ch;
        } else {
          token += ch;
          state = 'a';
        }
        break;
      case "'":
      case '"':
        quoted = true;
        if (!ch) throw new ShlexError('No closing quotation');
        if (ch === state) state = 'a';
        else if (ch === '\\' && state === '"') {
          escapedState = '"';
          state = '\\';
        } else token += ch;
        break;
      case '\\':
        if (!ch) throw new ShlexError('No escaped character');
        // Inside double quotes only the quote and the backslash itself can be escaped.
        if (escapedState === '"' && ch !== '\\' && ch !== '"') token += '\\';
        token += ch;
        state = escapedState;
        break;
    }
  }
}

const LEGACY_WORDCHARS = new Set('abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_' + '/.+-():');

/**
 * Tokens of Python's non-POSIX `shlex.shlex(s)` with `wordchars += '/.+-():'`, as supervisord
 * 4.2.5's `dict_of_key_value_pairs` sees them: quoted strings keep their quotes, any other
 * character outside a word is a token of its own, `#` starts a comment.
 */
export function legacyShlexTokens(s: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  const pushback: string[] = [];
  const read = (): string => (i < s.length ? s[i++] : '');
  const skipLine = () => {
    const nl = s.indexOf('\n', i);
    i = nl === -1 ? s.length : nl + 1;
  };
  let eof = false;
  for (;;) {
    if (pushback.length > 0) {
      tokens.push(pushback.shift()!);
      continue;
    }
    if (eof) return tokens;
    let token = '';
    let state: ' ' | 'a' | "'" | '"' = ' ';
    for (;;) {
      const ch = read();
      if (state === ' ') {
        if (!ch) {
          eof = true;
          break;
        }
        if (WHITESPACE.includes(ch)) {
          if (token) break;
        } else if (ch === '#') skipLine();
        else if (LEGACY_WORDCHARS.has(ch)) {
          token = ch;
          state = 'a';
        } else if (ch === "'" || ch === '"') {
          token = ch;
          state = ch;
        } else {
          token = ch;
          break;
        }
      } else if (state === "'" || state === '"') {
        if (!ch) throw new ShlexError('No closing quotation');
        token += ch;
        if (ch === state) break;
      } else {
        if (!ch) {
          eof = true;
          break;
        }
        if (WHITESPACE.includes(ch)) break;
        if (ch === '#') skipLine();
        else if (LEGACY_WORDCHARS.has(ch) || ch === "'" || ch === '"') token += ch;
        else {
          pushback.push(ch);
          break;
        }
      }
    }
    // The non-POSIX lexer signals end of input with an empty token.
    if (token === '') return tokens;
    tokens.push(token);
  }
}

/** Python `str.strip(chars)`. */
function stripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a])) a++;
  while (b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

/**
 * supervisord 4.2.5 `dict_of_key_value_pairs`: `KEY=val,KEY2="v 2"` into an ordered record.
 * Every value has leading/trailing quote characters stripped (there is no escape mechanism).
 * @throws ShlexError naming the value when it is not a list of key=value pairs.
 */
export function parseEnvironment(s: string): Map<string, string> {
  const tokens = legacyShlexTokens(s);
  const env = new Map<string, string>();
  for (let i = 0; i < tokens.length; i += 4) {
    const [k, eq, v] = tokens.slice(i, i + 3);
    if (k === undefined || v === undefined || eq !== '=') {
      throw new ShlexError(`Unexpected end of key/value pairs in value '${s}'`);
    }
    env.set(k, stripChars(v, `'"`));
  }
  return env;
}
