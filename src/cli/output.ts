// Everything the CLI writes: results to stdout (plain text or `--json`, so scripts can read them),
// progress, status and messages to stderr. Colour only on a terminal that wants it: Node's
// `hasColors()` honours NO_COLOR, NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb.

/** Whether `stream` is a terminal that takes colours. */
export function colorsOn(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors();
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;
export type Style = keyof typeof CODES;

/** `text` in `style` when stderr takes colours (everything styled goes to stderr). */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  if (!colorsOn(stream)) return text;
  const [on, off] = CODES[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/** A result line on stdout. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A result as JSON on stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A message on stderr. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Rows as aligned columns (the last column is not padded). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `1h2m`, `3m4s`, `5s`. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${m % 60}m` : `${Math.floor(h / 24)}d${h % 24}h`;
}

/** Quotes a value for a POSIX shell `export` line. */
export function shellQuote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`;
}
