// Pure helpers of the benchmarks: summary statistics over samples and their text/markdown formatting.
// No I/O here, so test/unit/bench/stats.test.ts can check every rule cheaply.

/** Ascending copy of the finite numbers in `xs`. */
function sorted(xs) {
  return xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
}

/** Median (mean of the two middle values for an even count); NaN for no samples. */
export function median(xs) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The p-th percentile (0..100) by linear interpolation between closest ranks (the common "R-7"
 * definition, as numpy's default); NaN for no samples.
 */
export function percentile(xs, p) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

/**
 * Summary of samples: count, median, min, max, p10, p90. Failed runs are passed as `null`/NaN and
 * counted in `failed`, never averaged in.
 */
export function summarize(xs) {
  const ok = sorted(xs);
  return {
    n: ok.length,
    failed: xs.length - ok.length,
    median: median(ok),
    min: ok.length ? ok[0] : NaN,
    max: ok.length ? ok[ok.length - 1] : NaN,
    p10: percentile(ok, 10),
    p90: percentile(ok, 90),
  };
}

/** Milliseconds as a short human figure: `850 ms`, `2.31 s`, `12.4 s`; `–` when not a number. */
export function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1000) return `${Math.abs(ms) < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Math.abs(s) < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

/**
 * `median (min–max)` of a summary, in the unit `fmt` gives; `n/a` when every run failed, and
 * `, k/n failed` appended when some did. Spread is min–max: with 5 runs p10/p90 are barely different.
 */
export function formatSummary(sum, fmt = formatMs) {
  const total = sum.n + sum.failed;
  if (sum.n === 0) return total === 0 ? '–' : `n/a (${sum.failed}/${total} failed)`;
  const spread = sum.n > 1 ? ` (${fmt(sum.min)}–${fmt(sum.max)})` : '';
  const failed = sum.failed > 0 ? `, ${sum.failed}/${total} failed` : '';
  return `${fmt(sum.median)}${spread}${failed}`;
}

/** `a / b` as `1.23x`; `–` when either side is missing or b is zero. */
export function formatRatio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}x`;
}

/** Kibibytes as MiB with one decimal. */
export function formatKib(kib) {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : '–';
}

/** A markdown table; cells are escaped for `|` and newlines. */
export function markdownTable(header, rows) {
  const cell = (v) =>
    String(v ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ');
  const line = (cells) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The order of `tools` for round `round`: rotated by one each round, so no tool always runs first
 * (on a warm cache) or last (after the others heated the machine).
 */
export function rotation(tools, round) {
  if (tools.length === 0) return [];
  const k = ((round % tools.length) + tools.length) % tools.length;
  return [...tools.slice(k), ...tools.slice(0, k)];
}
