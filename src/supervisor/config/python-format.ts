// Python's `value % mapping` string formatting, which supervisord applies to every config value it
// reads (`%(here)s`, `%(program_name)s`, `%(process_num)02d`, `%(ENV_HOME)s`, `%%`). Ported so a
// value means the same to us as to supervisord, including its quirks: an unnamed `%s` formats the
// whole mapping instead of failing, and a stray `%` is an error.

/** A value in the expansion mapping: supervisord only ever puts strings and ints there. */
export type ExpansionValue = string | number;
export type Expansions = ReadonlyMap<string, ExpansionValue>;

/** Why a format string could not be expanded; mirrors Python's KeyError / ValueError / TypeError. */
export class PythonFormatError extends Error {
  constructor(
    message: string,
    /** `missing-name` when a `%(name)` is not in the mapping (Python KeyError). */
    readonly kind: 'missing-name' | 'bad-format',
    readonly missingName?: string,
  ) {
    super(message);
  }
}

/**
 * Expands `format % expansions` exactly as Python 3 does for a dict argument.
 * @throws PythonFormatError for an unknown name (kind `missing-name`) or a malformed spec.
 */
export function pythonFormat(format: string, expansions: Expansions): string {
  let out = '';
  let i = 0;
  let usedWholeMapping = false;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    if (i >= format.length) throw new PythonFormatError('incomplete format', 'bad-format');
    let value: ExpansionValue | Expansions | undefined;
    let named = false;
    if (format[i] === '(') {
      // Python counts nested parentheses inside the key.
      let depth = 1;
      const start = i + 1;
      i++;
      while (i < format.length && depth > 0) {
        if (format[i] === '(') depth++;
        else if (format[i] === ')') depth--;
        i++;
      }
      if (depth > 0) throw new PythonFormatError('incomplete format key', 'bad-format');
      const name = format.slice(start, i - 1);
      if (!expansions.has(name)) throw new PythonFormatError(`'${name}'`, 'missing-name', name);
      value = expansions.get(name);
      named = true;
    }
    let flags = '';
    while (i < format.length && '#0- +'.includes(format[i])) flags += format[i++];
    let width = '';
    if (format[i] === '*') throw new PythonFormatError('* wants int', 'bad-format');
    while (i < format.length && /[0-9]/.test(format[i])) width += format[i++];
    let precision: number | undefined;
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') throw new PythonFormatError('* wants int', 'bad-format');
      let p = '';
      while (i < format.length && /[0-9]/.test(format[i])) p += format[i++];
      precision = p === '' ? 0 : Number(p);
    }
    while (i < format.length && 'hlL'.includes(format[i])) i++;
    if (i >= format.length) throw new PythonFormatError('incomplete format', 'bad-format');
    const conv = format[i];
    const convIndex = i;
    i++;
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (!named) {
      // With a mapping argument, an unnamed spec consumes the mapping itself, once.
      if (usedWholeMapping) throw new PythonFormatError('not enough arguments for format string', 'bad-format');
      usedWholeMapping = true;
      value = expansions;
    }
    out += convert(conv, convIndex, value!, flags, width === '' ? 0 : Number(width), precision);
  }
  return out;
}

function convert(
  conv: string,
  index: number,
  value: ExpansionValue | Expansions,
  flags: string,
  width: number,
  precision: number | undefined,
): string {
  const left = flags.includes('-');
  const pad = (s: string, numeric: boolean): string => {
    if (s.length >= width) return s;
    if (left) return s.padEnd(width, ' ');
    if (numeric && flags.includes('0')) {
      const sign = /^[+\- ]/.test(s) ? s[0] : '';
      const prefix = /^[+\- ]?0[xXo]/.test(s) && flags.includes('#') ? s.slice(sign.length, sign.length + 2) : '';
      const body = s.slice(sign.length + prefix.length);
      return sign + prefix + body.padStart(width - sign.length - prefix.length, '0');
    }
    return s.padStart(width, ' ');
  };
  const sign = (n: number, s: string): string =>
    n < 0 || Object.is(n, -0) ? s : flags.includes('+') ? `+${s}` : flags.includes(' ') ? ` ${s}` : s;
  const typeName = (v: ExpansionValue | Expansions) =>
    typeof v === 'string' ? 'str' : typeof v === 'number' ? 'int' : 'dict';
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      let s = conv === 's' ? pyStr(value) : pyRepr(value, conv === 'a');
      if (precision !== undefined) s = s.slice(0, precision);
      return pad(s, false);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      if (typeof value !== 'number') {
        const what =
          conv === 'x' || conv === 'X' || conv === 'o' ? 'an integer is required' : 'a real number is required';
        throw new PythonFormatError(`%${conv} format: ${what}, not ${typeName(value)}`, 'bad-format');
      }
      const n = Math.trunc(value);
      const abs = Math.abs(n);
      let digits =
        conv === 'x'
          ? abs.toString(16)
          : conv === 'X'
            ? abs.toString(16).toUpperCase()
            : conv === 'o'
              ? abs.toString(8)
              : String(abs);
      if (precision !== undefined) digits = digits.padStart(precision, '0');
      if (flags.includes('#') && (conv === 'x' || conv === 'X' || conv === 'o'))
        digits = `0${conv === 'o' ? 'o' : conv}${digits}`;
      return pad(sign(n, n < 0 ? `-${digits}` : digits), true);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (typeof value !== 'number') {
        throw new PythonFormatError(`must be real number, not ${typeName(value)}`, 'bad-format');
      }
      const s = formatFloat(Math.abs(value), conv, precision ?? 6, flags.includes('#'));
      return pad(sign(value, value < 0 ? `-${s}` : s), true);
    }
    case 'c': {
      if (typeof value === 'number') return pad(String.fromCodePoint(value), false);
      if (typeof value === 'string' && [...value].length === 1) return pad(value, false);
      throw new PythonFormatError('%c requires int or char', 'bad-format');
    }
    default:
      throw new PythonFormatError(
        `unsupported format character '${conv}' (0x${conv.codePointAt(0)!.toString(16)}) at index ${index}`,
        'bad-format',
      );
  }
}

function formatFloat(x: number, conv: string, precision: number, alt: boolean): string {
  const upper = conv === conv.toUpperCase();
  const exp = (s: string) => s.replace(/e([+-])(\d)$/, 'e$10$2');
  let s: string;
  switch (conv.toLowerCase()) {
    case 'e':
      s = exp(x.toExponential(precision));
      break;
    case 'f':
      s = x.toFixed(precision);
      break;
    default: {
      const p = precision === 0 ? 1 : precision;
      const e = x === 0 ? 0 : Math.floor(Math.log10(x));
      if (e >= -4 && e < p) s = x.toFixed(Math.max(0, p - 1 - e));
      else s = exp(x.toExponential(p - 1));
      if (!alt) s = s.replace(/\.?0+(e|$)/, '$1');
    }
  }
  return upper ? s.toUpperCase() : s;
}

function pyStr(v: ExpansionValue | Expansions): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return `{${[...v].map(([k, val]) => `${pyRepr(k, false)}: ${pyRepr(val, false)}`).join(', ')}}`;
}

/** Python `repr()` of a str or int (and `ascii()` when `asciiOnly`). */
function pyRepr(v: ExpansionValue | Expansions, asciiOnly: boolean): string {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return pyStr(v);
  const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of v) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (asciiOnly && cp > 0x7f) {
      out +=
        cp <= 0xff
          ? `\\x${cp.toString(16).padStart(2, '0')}`
          : cp <= 0xffff
            ? `\\u${cp.toString(16).padStart(4, '0')}`
            : `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}
