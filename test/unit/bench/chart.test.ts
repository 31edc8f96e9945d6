// The benchmarks' SVG bar chart (bench/lib/chart.mjs): well-formed XML, bars scaled on one axis,
// failed figures drawn as notes, labels escaped.
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { barChartSvg } from '../../../bench/lib/chart.mjs';

describe('barChartSvg', () => {
  const svg = barChartSvg(
    [
      {
        title: 'boot <3 members>',
        bars: [
          { label: 'mongo-topology', median: 2000, min: 1500, max: 2500 },
          { label: 'peer & co', median: 8000, min: 8000, max: 8000 },
        ],
      },
      { title: 'failover', bars: [{ label: 'peer & co', median: NaN, note: 'n/a: no write within 20 s' }] },
    ],
    { title: 'chart' },
  );

  it('is well-formed XML with escaped labels', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain('boot &lt;3 members&gt;');
    expect(svg).toContain('peer &amp; co');
  });

  it('scales bars on one axis and draws a whisker only where runs differ', () => {
    const widths = [...svg.matchAll(/<rect x="170" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1] / widths[0]).toBeCloseTo(4, 1);
    expect(svg.match(/<line /g)).toHaveLength(1);
  });

  it('writes a note instead of a bar for a figure that failed', () => {
    expect(svg).toContain('n/a: no write within 20 s');
    expect(svg).toContain('2.00 s');
  });
});
