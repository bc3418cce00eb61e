/**
 * SVG charts written as strings: the HTML report embeds them, so the page needs no script,
 * network or library. Axes are linear or logarithmic, as report/axes.ts decides from the data;
 * whatever lies beyond an axis is left to the caller to name under the chart.
 */

export interface Axis {
  label: string;
  kind: 'linear' | 'log';
  lo: number;
  hi: number;
  /** Ticks at exactly these values (load levels), instead of 1–2–5 steps. */
  ticks?: readonly number[];
  /** Counts: integer ticks only. */
  integer?: boolean;
}

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** step: an exact empirical distribution (horizontal then vertical); points: per-request dots. */
  style: 'line' | 'step' | 'points' | 'line+points' | 'dashed';
  color: string;
  /** Leave it out of the legend (a second line of a series already listed). */
  unlisted?: boolean;
  /** A dash pattern (SVG stroke-dasharray) for a solid style. */
  dash?: string;
}

export interface Band {
  name: string;
  lower: readonly (readonly [number, number])[];
  upper: readonly (readonly [number, number])[];
  color: string;
}

export type MarkShape = 'circle' | 'square' | 'triangle' | 'diamond';

/** A marked statistic on a curve (a percentile) or an interval (a bootstrap CI). */
export interface Mark {
  x: number;
  y: number;
  shape: MarkShape;
  color: string;
  title: string;
  /** Written beside the mark when the chart has room (one series). */
  label?: string;
  /** A horizontal interval drawn through the mark. */
  xRange?: readonly [number, number];
}

export interface Bar {
  x0: number;
  x1: number;
  y: number;
  color: string;
  title: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  x: Axis;
  y: Axis;
  series?: readonly Series[];
  bands?: readonly Band[];
  marks?: readonly Mark[];
  bars?: readonly Bar[];
  /** Small text along the top of the plot at given x (n per length). */
  topLabels?: readonly { x: number; text: string }[];
  /** Legend entries for mark shapes (what ●, ■, ▲ stand for). */
  markLegend?: readonly { shape: MarkShape; name: string }[];
  width?: number;
  height?: number;
  /** Write mark labels above their marks (histograms, where marks sit over the bars) rather than below. */
  labelAbove?: boolean;
}

/**
 * Up to 12 colours, ordered (purple, blue, green, yellow, red) for ordered groups such as prompt
 * lengths, chosen from Paul Tol's colour-blind-safe discrete rainbow, skipping its pale shades.
 */
const ORDERED = ['#882E72', '#AE76A3', '#1965B0', '#5289C7', '#7BAFDE', '#4EB265', '#90C987', '#F6C141', '#F1932D', '#E8601C', '#DC050C', '#72190E'];

/** Hand-picked subsets for few series (indexes into ORDERED): as far apart as the scheme allows. */
const SUBSETS: readonly (readonly number[])[] = [[], [2], [2, 10], [2, 5, 10], [0, 2, 5, 10], [0, 2, 5, 8, 10], [0, 2, 4, 5, 8, 10], [0, 2, 4, 5, 7, 8, 10], [0, 1, 2, 4, 5, 7, 8, 10]];

/** Colours for `n` ordered series (prompt lengths, experiments); repeats past 12, where dashes tell them apart. */
export function orderedColors(n: number): string[] {
  const picks = n < SUBSETS.length ? SUBSETS[n]!.map((i) => ORDERED[i]!) : ORDERED;
  return Array.from({ length: n }, (_, i) => picks[i % picks.length]!);
}

/** A dash pattern for series i of n: from 7 series on, every other one dashed, so neighbours in colour differ in line too. */
export function seriesDash(i: number, n: number): string | undefined {
  return n >= 7 && i % 2 === 1 ? '7 3' : undefined;
}

/** Tol's "bright" scheme: categorical (A and B, statistics of one metric). */
export const BRIGHT = { blue: '#4477AA', red: '#EE6677', green: '#228833', yellow: '#CCBB44', cyan: '#66CCEE', purple: '#AA3377', grey: '#777777' };

/** Marked points per series; a line through more levels than this marks an even spread of them. */
const MAX_MARKS = 100;

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2 or 5 × 10^k steps giving about `count` ticks over [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** 1–2–5 ticks per decade over [lo, hi] (only 1s when the range spans many decades). */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const decades = Math.log10(hi / lo);
  const steps = decades > 4 ? [1] : decades > 1.5 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of steps) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out.length >= 2 ? out : [lo, hi];
}

export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e7 || a < 1e-4) return v.toExponential(1);
  return Number(v.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: a < 0.01 ? 5 : a < 1 ? 4 : 3 });
}

const f = (v: number): string => v.toFixed(1);

/** About how wide a text is at a font size (px): to keep labels inside the plot and apart. */
export const textWidth = (text: string, size: number): number => text.length * size * 0.58;

/** The legend column's widest (px), a character's width in it (11 px text), and the characters of a name that fit. */
const LEGEND_MAX = 230;
const LEGEND_CHAR_PX = 6.2;
const LEGEND_CHARS = Math.floor((LEGEND_MAX - 48) / LEGEND_CHAR_PX);

/**
 * A legend name that fits its column: a longer one keeps its start and its end (where a load level
 * or an experiment's number is) around an ellipsis, and the whole name is its tooltip.
 */
function legendText(x: number, y: number, name: string, max: number): string {
  if (name.length <= max) return `<text class="legend" x="${x}" y="${y}">${esc(name)}</text>`;
  const tail = Math.ceil((max - 1) / 2);
  const shown = `${name.slice(0, max - 1 - tail).trimEnd()}…${name.slice(name.length - tail).trimStart()}`;
  return `<text class="legend" x="${x}" y="${y}"><title>${esc(name)}</title>${esc(shown)}</text>`;
}

/** A title too long for its chart is set smaller (down to 10 px) rather than cut off at the chart's edge. */
function titleSize(title: string, room: number): string {
  const w = textWidth(title, 14) * 1.08;
  return w <= room ? '' : ` style="font-size:${Math.max(10, Math.floor((14 * room) / w))}px"`;
}

function markPath(shape: MarkShape, x: number, y: number, r: number): string {
  switch (shape) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}"`;
    case 'square':
      return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${2 * r}" height="${2 * r}"`;
    case 'triangle':
      return `<path d="M${f(x)},${f(y - r * 1.2)}L${f(x + r * 1.1)},${f(y + r * 0.8)}L${f(x - r * 1.1)},${f(y + r * 0.8)}Z"`;
    case 'diamond':
      return `<path d="M${f(x)},${f(y - r * 1.3)}L${f(x + r)},${f(y)}L${f(x)},${f(y + r * 1.3)}L${f(x - r)},${f(y)}Z"`;
  }
}

export function chart(spec: ChartSpec): string {
  const series = spec.series ?? [];
  const bands = spec.bands ?? [];
  const marks = spec.marks ?? [];
  const legend = [
    ...bands.map((b) => ({ name: b.name, color: b.color, dash: undefined, kind: 'band' as const })),
    ...series.filter((s) => !s.unlisted).map((s) => ({ name: s.name, color: s.color, dash: s.style === 'dashed' ? '5 3' : s.dash, kind: s.style === 'points' ? ('dot' as const) : ('line' as const) })),
  ];
  const markLegend = spec.markLegend ?? [];
  const width = spec.width ?? 880;
  // The legend's column is as wide as its longest name needs, up to LEGEND_MAX.
  const longest = Math.max(0, ...legend.map((l) => l.name.length), ...markLegend.map((l) => l.name.length));
  const m = { left: 76, right: legend.length + markLegend.length > 0 ? Math.min(LEGEND_MAX, 48 + longest * LEGEND_CHAR_PX) : 24, top: spec.topLabels ? 44 : 32, bottom: 50 };
  const height = Math.max(spec.height ?? 340, m.top + 10 + (legend.length + markLegend.length) * 17);
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const t = (a: Axis) => {
    if (a.kind === 'log') {
      const l0 = Math.log10(a.lo);
      const span = Math.log10(a.hi) - l0 || 1;
      return (v: number): number => (Math.log10(v) - l0) / span;
    }
    const span = a.hi - a.lo || 1;
    return (v: number): number => (v - a.lo) / span;
  };
  const tx = t(spec.x);
  const ty = t(spec.y);
  const sx = (x: number): number => m.left + tx(x) * plotW;
  const sy = (y: number): number => m.top + plotH - ty(y) * plotH;
  const inside = (x: number, y: number): boolean =>
    Number.isFinite(x) && Number.isFinite(y) && x >= spec.x.lo * (1 - 1e-12) - 1e-12 && x <= spec.x.hi * (1 + 1e-12) + 1e-12 && y >= spec.y.lo - 1e-12 && y <= spec.y.hi * (1 + 1e-12) + 1e-12 && (spec.x.kind !== 'log' || x > 0) && (spec.y.kind !== 'log' || y > 0);
  const drawable = (x: number, y: number): boolean => Number.isFinite(x) && Number.isFinite(y) && (spec.x.kind !== 'log' || x > 0) && (spec.y.kind !== 'log' || y > 0);
  const clip = `${spec.id}-clip`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${esc(spec.id)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(spec.title)}">`,
    `<title>${esc(spec.title)}</title>`,
    `<defs><clipPath id="${esc(clip)}"><rect x="${m.left}" y="${m.top - 2}" width="${plotW + 2}" height="${plotH + 4}"/></clipPath></defs>`,
    `<text class="title" x="${m.left}" y="18"${titleSize(spec.title, width - m.left - 8)}>${esc(spec.title)}</text>`,
  );

  parts.push(`<g class="axes">`);
  const yTicks = (spec.y.ticks ?? (spec.y.kind === 'log' ? logTicks(spec.y.lo, spec.y.hi) : niceTicks(spec.y.lo, spec.y.hi))).filter((v) => !spec.y.integer || Number.isInteger(v));
  for (const v of yTicks) {
    parts.push(`<line class="grid" x1="${m.left}" x2="${m.left + plotW}" y1="${f(sy(v))}" y2="${f(sy(v))}"/>`);
    parts.push(`<text class="tick" x="${m.left - 6}" y="${f(sy(v) + 4)}" text-anchor="end">${tickLabel(v)}</text>`);
  }
  const xTicks = spec.x.ticks ?? (spec.x.kind === 'log' ? logTicks(spec.x.lo, spec.x.hi) : niceTicks(spec.x.lo, spec.x.hi, Math.max(3, Math.floor(plotW / 90))));
  for (const v of xTicks) {
    parts.push(`<line class="tickmark" x1="${f(sx(v))}" x2="${f(sx(v))}" y1="${m.top + plotH}" y2="${m.top + plotH + 5}"/>`);
    parts.push(`<text class="tick" x="${f(sx(v))}" y="${m.top + plotH + 18}" text-anchor="middle">${tickLabel(v)}</text>`);
  }
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}"/>`);
  const xLabel = spec.x.label + (spec.x.kind === 'log' ? ', log scale' : '');
  const yLabel = spec.y.label + (spec.y.kind === 'log' ? ', log scale' : '');
  parts.push(`<text class="label" x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text class="label" transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  // Labels that would overlap the one before are left out (their level still has its mark).
  let topEnd = -Infinity;
  for (const l of spec.topLabels ?? []) {
    if (l.x < spec.x.lo || l.x > spec.x.hi) continue;
    const half = textWidth(l.text, 10) / 2;
    if (sx(l.x) - half < topEnd + 4) continue;
    topEnd = sx(l.x) + half;
    parts.push(`<text class="tick n" x="${f(sx(l.x))}" y="${m.top - 6}" text-anchor="middle">${esc(l.text)}</text>`);
  }
  parts.push(`</g>`);

  parts.push(`<g clip-path="url(#${esc(clip)})">`);
  for (const b of spec.bars ?? []) {
    if (!drawable(b.x0, b.y) || !drawable(b.x1, b.y) || b.y <= 0) continue;
    const x0 = sx(b.x0);
    const x1 = sx(b.x1);
    const y = sy(Math.min(b.y, spec.y.hi));
    parts.push(`<rect class="bar" x="${f(x0 + 0.5)}" y="${f(y)}" width="${f(Math.max(0.8, x1 - x0 - 1))}" height="${f(m.top + plotH - y)}" fill="${b.color}"><title>${esc(b.title)}</title></rect>`);
  }
  for (const b of bands) {
    const pts = [...b.upper, ...[...b.lower].reverse()].filter(([x, y]) => drawable(x, y));
    if (pts.length < 3) continue;
    parts.push(`<path class="band" data-series="${esc(b.name)}" fill="${b.color}" fill-opacity="0.16" stroke="none" d="M${pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join('L')}Z"/>`);
  }
  for (const s of series) {
    const name = esc(s.name);
    if (s.style === 'points') {
      const pts = s.points.filter(([x, y]) => inside(x, y));
      if (pts.length === 0) continue;
      parts.push(`<g class="points" data-series="${name}" fill="${s.color}" fill-opacity="0.35">`);
      for (const [x, y] of pts) parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2"/>`);
      parts.push(`</g>`);
      continue;
    }
    const pts = s.points.filter(([x, y]) => drawable(x, y));
    if (pts.length === 0) continue;
    if (pts.length > 1) {
      const pattern = s.style === 'dashed' ? '6 4' : s.dash;
      const dash = pattern ? ` stroke-dasharray="${pattern}"` : '';
      let d: string;
      if (s.style === 'step') {
        // The empirical distribution: flat until the next value, then up by one value's share.
        d = `M${f(sx(pts[0]![0]))},${f(sy(spec.y.lo))}`;
        let prevY = spec.y.lo;
        for (const [x, y] of pts) {
          d += `V${f(sy(prevY))}H${f(sx(x))}V${f(sy(y))}`;
          prevY = y;
        }
      } else d = `M${pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join('L')}`;
      parts.push(`<path class="line" data-series="${name}" data-vertices="${pts.length}" fill="none" stroke="${s.color}" stroke-width="2"${dash} d="${d}"/>`);
    }
    if (s.style === 'line+points' || pts.length === 1) {
      parts.push(`<g class="points" data-series="${name}" fill="${s.color}">`);
      // At most MAX_MARKS marked points a series (spread evenly): the line carries the rest.
      const every = Math.max(1, Math.ceil(pts.length / MAX_MARKS));
      for (const [x, y] of pts.filter((_, i) => i % every === 0 || i === pts.length - 1)) if (inside(x, y)) parts.push(`<circle class="mark" cx="${f(sx(x))}" cy="${f(sy(y))}" r="3.5"><title>${name}: ${tickLabel(x)}, ${tickLabel(y)}</title></circle>`);
      parts.push(`</g>`);
    }
  }
  parts.push(`</g>`);
  for (const k of marks) {
    if (!inside(k.x, k.y)) continue;
    const x = sx(k.x);
    const y = sy(k.y);
    if (k.xRange) {
      const [a, b] = k.xRange.map((v) => sx(Math.min(Math.max(v, spec.x.lo), spec.x.hi)));
      parts.push(`<path class="interval" stroke="${k.color}" stroke-width="2" d="M${f(a!)},${f(y)}H${f(b!)}M${f(a!)},${f(y - 5)}V${f(y + 5)}M${f(b!)},${f(y - 5)}V${f(y + 5)}"/>`);
    }
    parts.push(`${markPath(k.shape, x, y, 4)} class="mark" fill="${k.color}" stroke="#fff" stroke-width="1"><title>${esc(k.title)}</title>${k.shape === 'circle' ? '</circle>' : k.shape === 'square' ? '</rect>' : '</path>'}`);
    if (k.label) {
      // Right of the mark and below it, unless the text would run past the plot (into the legend):
      // then left of it and above. On a rising curve (a distribution) both places are clear of it:
      // below-right the curve is higher, above-left it is lower. Histograms' labels sit level with their marks.
      const left = x + 7 + textWidth(k.label, 10) > m.left + plotW + 4;
      const ly = spec.labelAbove ? y + 4 : left ? y - 7 : y + 13;
      parts.push(`<text class="tick marklabel" x="${f(left ? x - 7 : x + 7)}" y="${f(ly)}"${left ? ' text-anchor="end"' : ''}>${esc(k.label)}</text>`);
    }
  }
  let row = 0;
  const lx = width - m.right + 16;
  for (const l of legend) {
    const y = m.top + 4 + row++ * 17;
    if (l.kind === 'band') parts.push(`<rect x="${lx}" y="${y - 8}" width="16" height="10" fill="${l.color}" fill-opacity="0.3"/>`);
    else if (l.kind === 'dot') parts.push(`<circle cx="${lx + 8}" cy="${y - 3}" r="3" fill="${l.color}" fill-opacity="0.6"/>`);
    else parts.push(`<line x1="${lx}" x2="${lx + 20}" y1="${y - 3}" y2="${y - 3}" stroke="${l.color}" stroke-width="3"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
    parts.push(legendText(lx + 26, y, l.name, LEGEND_CHARS));
  }
  for (const l of markLegend) {
    const y = m.top + 4 + row++ * 17;
    parts.push(`${markPath(l.shape, lx + 8, y - 3, 4)} fill="#4b5563"/>`);
    parts.push(legendText(lx + 22, y, l.name, LEGEND_CHARS + 1));
  }
  parts.push('</svg>');
  return parts.join('');
}
