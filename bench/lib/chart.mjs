// A horizontal bar chart as a standalone SVG string (no dependency, no I/O): groups of labelled bars
// on one shared time axis, each bar with its median and a min–max whisker. bench/run.mjs writes it next
// to docs/performance.md.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const COLORS = { 'mongo-topology': '#2f7d32', bound: '#9e9e9e' };
const PEER_COLORS = ['#1565c0', '#ef6c00', '#6a1b9a'];

/**
 * `groups`: [{ title, bars: [{ label, median, min, max, note? }] }] with times in ms; a bar whose
 * median is not a number is drawn as a note only (e.g. "n/a: no write within 20 s").
 */
export function barChartSvg(groups, { title = '', width = 760, format = (ms) => `${(ms / 1000).toFixed(2)} s` } = {}) {
  const labelW = 170;
  const valueW = 150;
  const barH = 16;
  const gap = 6;
  const plotW = width - labelW - valueW - 20;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.flatMap((b) => [b.max, b.median].filter(Number.isFinite))));
  const x = (ms) => labelW + (ms / max) * plotW;
  const peers = new Map();
  const color = (label) => {
    if (COLORS[label]) return COLORS[label];
    if (label.startsWith('critical-path')) return COLORS.bound;
    if (!peers.has(label)) peers.set(label, PEER_COLORS[peers.size % PEER_COLORS.length]);
    return peers.get(label);
  };
  const out = [];
  let y = title ? 30 : 10;
  if (title) out.push(`<text x="10" y="20" font-weight="bold">${esc(title)}</text>`);
  for (const g of groups) {
    y += 8;
    out.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(g.title)}</text>`);
    y += 20;
    for (const b of g.bars) {
      out.push(`<text x="${labelW - 8}" y="${y + barH - 4}" text-anchor="end">${esc(b.label)}</text>`);
      if (Number.isFinite(b.median)) {
        out.push(
          `<rect x="${labelW}" y="${y}" width="${Math.max(1, x(b.median) - labelW).toFixed(1)}" height="${barH}" fill="${color(b.label)}"/>`,
        );
        if (Number.isFinite(b.min) && Number.isFinite(b.max) && b.max > b.min)
          out.push(
            `<line x1="${x(b.min).toFixed(1)}" x2="${x(b.max).toFixed(1)}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#000" stroke-width="1.5"/>`,
          );
        out.push(
          `<text x="${(Math.max(x(b.median), Number.isFinite(b.max) ? x(b.max) : 0) + 6).toFixed(1)}" y="${y + barH - 4}">${esc(format(b.median))}${b.note ? ` ${esc(b.note)}` : ''}</text>`,
        );
      } else {
        out.push(`<text x="${labelW + 4}" y="${y + barH - 4}" fill="#b71c1c">${esc(b.note ?? 'n/a')}</text>`);
      }
      y += barH + gap;
    }
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
