/**
 * A small SVG line/point chart, written as a string: the HTML report embeds it, so the page needs
 * no script, network or library to show its charts.
 */

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** line, points, or both; dashed for fits. */
  style: 'line' | 'points' | 'line+points' | 'dashed';
  color: string;
}

export interface Band {
  name: string;
  lower: readonly (readonly [number, number])[];
  upper: readonly (readonly [number, number])[];
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  bands?: readonly Band[];
  width?: number;
  height?: number;
  /** Start the y axis at zero (latencies) rather than at the data's minimum. */
  yFromZero?: boolean;
}

export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2 or 5 × 10^k steps giving about `count` ticks over [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function chart(spec: ChartSpec): string {
  const width = spec.width ?? 900;
  const height = spec.height ?? 360;
  // The legend sits in the right margin, clear of the data.
  const m = { left: 72, right: 200, top: 36, bottom: 52 };
  const all: (readonly [number, number])[] = [];
  for (const s of spec.series) all.push(...s.points);
  for (const b of spec.bands ?? []) all.push(...b.lower, ...b.upper);
  const finite = all.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${esc(spec.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(spec.title)}">`,
  );
  parts.push(`<text class="title" x="${m.left}" y="20">${esc(spec.title)}</text>`);
  if (finite.length === 0) {
    parts.push(`<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text></svg>`);
    return parts.join('');
  }
  let [x0, x1] = [Math.min(...finite.map((p) => p[0])), Math.max(...finite.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...finite.map((p) => p[1])), Math.max(...finite.map((p) => p[1]))];
  if (spec.yFromZero) y0 = Math.min(0, y0);
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y1 += pad;
  if (!spec.yFromZero) y0 -= pad;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  const sy = (y: number): number => height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const f = (v: number): string => v.toFixed(1);

  parts.push(`<g class="axes">`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line class="grid" x1="${m.left}" x2="${width - m.right}" y1="${f(sy(t))}" y2="${f(sy(t))}"/>`);
    parts.push(`<text class="tick" x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line class="tickmark" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${height - m.bottom}" y2="${height - m.bottom + 5}"/>`);
    parts.push(`<text class="tick" x="${f(sx(t))}" y="${height - m.bottom + 18}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  parts.push(`<line class="axis" x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}"/>`);
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}"/>`);
  parts.push(`<text class="label" x="${(m.left + width - m.right) / 2}" y="${height - 10}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  parts.push(`<text class="label" transform="translate(16 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  parts.push(`</g>`);

  for (const b of spec.bands ?? []) {
    const pts = [...b.upper, ...[...b.lower].reverse()].filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length < 3) continue;
    parts.push(`<path class="band" data-series="${esc(b.name)}" fill="${b.color}" fill-opacity="0.15" stroke="none" d="M${pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join('L')}Z"/>`);
  }
  for (const s of spec.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) continue;
    const name = esc(s.name);
    if (s.style !== 'points' && pts.length > 1) {
      const dash = s.style === 'dashed' ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<path class="line" data-series="${name}" fill="none" stroke="${s.color}" stroke-width="2"${dash} d="M${pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join('L')}"/>`);
    }
    if (s.style === 'points' || s.style === 'line+points' || pts.length === 1) {
      parts.push(`<g class="points" data-series="${name}" fill="${s.color}">`);
      for (const [x, y] of pts) parts.push(`<circle class="mark" cx="${f(sx(x))}" cy="${f(sy(y))}" r="3.5"><title>${name}: ${tickLabel(x)}, ${tickLabel(y)}</title></circle>`);
      parts.push(`</g>`);
    }
  }
  const legend = [...(spec.bands ?? []).map((b) => ({ name: b.name, color: b.color, band: true })), ...spec.series.map((s) => ({ name: s.name, color: s.color, band: false }))];
  legend.forEach((l, i) => {
    const y = m.top + 4 + i * 16;
    const x = width - m.right + 16;
    parts.push(
      l.band
        ? `<rect x="${x}" y="${y - 8}" width="14" height="10" fill="${l.color}" fill-opacity="0.25"/>`
        : `<line x1="${x}" x2="${x + 14}" y1="${y - 3}" y2="${y - 3}" stroke="${l.color}" stroke-width="3"/>`,
    );
    parts.push(`<text class="legend" x="${x + 20}" y="${y}">${esc(l.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
