// The benchmarks' pure statistics and formatting helpers (bench/lib/stats.mjs): medians, percentiles,
// failed runs kept out of the figures, and the markdown they print.
import { describe, expect, it } from 'vitest';
import {
  formatKib,
  formatMs,
  formatRatio,
  formatSummary,
  markdownTable,
  median,
  percentile,
  rotation,
  summarize,
} from '../../../bench/lib/stats.mjs';

describe('median and percentile', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('interpolates between closest ranks and ignores missing samples', () => {
    expect(percentile([10, 20, 30, 40, 50], 10)).toBeCloseTo(14);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBeCloseTo(46);
    expect(percentile([50, null, 10, NaN, 30], 50)).toBe(30);
    expect(percentile([7], 90)).toBe(7);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('counts failed runs (null/NaN) apart and never averages them in', () => {
    const s = summarize([300, null, 100, 200, NaN]);
    expect(s).toMatchObject({ n: 3, failed: 2, median: 200, min: 100, max: 300 });
  });
});

describe('formatting', () => {
  it('prints milliseconds and seconds with sensible precision', () => {
    expect(formatMs(4.26)).toBe('4.3 ms');
    expect(formatMs(850.4)).toBe('850 ms');
    expect(formatMs(2314)).toBe('2.31 s');
    expect(formatMs(12_449)).toBe('12.4 s');
    expect(formatMs(NaN)).toBe('–');
    expect(formatMs(undefined)).toBe('–');
  });

  it('prints median (min–max), failures, and n/a when every run failed', () => {
    expect(formatSummary(summarize([1000, 3000, 2000]))).toBe('2.00 s (1.00 s–3.00 s)');
    expect(formatSummary(summarize([1000, null]))).toBe('1.00 s, 1/2 failed');
    expect(formatSummary(summarize([null, null]))).toBe('n/a (2/2 failed)');
    expect(formatSummary(summarize([]))).toBe('–');
  });

  it('prints ratios and sizes, with a dash when a side is missing', () => {
    expect(formatRatio(3000, 1200)).toBe('2.50x');
    expect(formatRatio(1, 0)).toBe('–');
    expect(formatRatio(NaN, 1)).toBe('–');
    expect(formatKib(66_048)).toBe('64.5 MiB');
  });

  it('renders a markdown table and escapes pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y', 1]])).toBe('| a | b |\n| --- | --- |\n| x\\|y | 1 |');
  });
});

describe('rotation', () => {
  it('rotates the run order by one each round', () => {
    expect(rotation(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotation(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotation(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
    expect(rotation([], 3)).toEqual([]);
  });
});
