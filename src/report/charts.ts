/**
 * The report's charts, each built from the analysis (its exact curves and statistics) and returned
 * with the sentences that go under it. A chart with nothing to draw is not built: the caller gets
 * null and says in one line why it is left out. New charts (goodput, latency by output position)
 * follow the same shape: (data) → Figure | null.
 */
import { type Distribution, percentileKey } from '../metrics/distribution.js';
import type { Curve, Extent } from '../metrics/figures.js';
import { chooseScale, extentOfValues, msAxis, msText, plural, scaleNote } from './axes.js';
import { type Axis, type Band, BRIGHT, chart, esc, type Mark, type MarkShape, niceTicks, type Series, seriesDash } from './svg.js';

/** A chart and what is written under it. */
export interface Figure {
  svg: string;
  notes: string[];
}

/** The percentiles marked on distributions, with their shapes. */
export const MARKED: readonly { p: number; shape: MarkShape }[] = [
  { p: 50, shape: 'circle' },
  { p: 90, shape: 'square' },
  { p: 99, shape: 'triangle' },
];

export const at = (d: Distribution, p: number): number | null => d.percentiles[percentileKey(p)] ?? null;

export function figureHtml(fig: Figure): string {
  const notes = fig.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('');
  return `<figure>${fig.svg}${notes}</figure>`;
}

export interface DistributionCurve {
  name: string;
  color: string;
  curve: Curve;
  dist: Distribution;
}

/**
 * Cumulative distributions drawn from their exact curves, percentiles marked on them. `noun`
 * names one value ("request", "gap") in the notes.
 */
export function cdfFigure(id: string, title: string, metric: string, noun: string, curves: readonly DistributionCurve[]): Figure | null {
  const live = curves.filter((c) => c.curve.count > 0);
  if (live.length === 0) return null;
  const scale = chooseScale(live.map((c) => c.curve));
  const x = msAxis(scale, `${metric} (ms)`);
  const series: Series[] = live.map((c, i) => {
    const dash = seriesDash(i, live.length);
    return { name: c.name, color: c.color, style: c.curve.every ? 'step' : 'line', points: c.curve.cdf.map(([v, p]) => [v / 1e6, p] as const), ...(dash ? { dash } : {}) };
  });
  const marks: Mark[] = [];
  const notes: string[] = [];
  const beyond: string[] = [];
  const between: string[] = [];
  for (const c of live) {
    for (const { p, shape } of MARKED) {
      const v = at(c.dist, p);
      if (v === null) continue;
      if (v > scale.hi || v < scale.lo) beyond.push(`${live.length > 1 ? `${c.name} ` : ''}p${p} ${msText(v)}`);
      const text = msText(v, scale.hi - scale.lo);
      // On a step curve (every value a vertex) an interpolated percentile can fall between two values,
      // where the steps stand below p: the mark goes on the step at its value, never beside the curve.
      const y = c.curve.every ? stepAt(c.curve.cdf, v) : p / 100;
      if (y < p / 100 - 1e-9) between.push(`p${p}`);
      marks.push({ x: v / 1e6, y, shape, color: c.color, title: `${c.name}: p${p} = ${text}`, ...(live.length === 1 ? { label: `p${p} ${text}` } : {}) });
    }
  }
  const note = scaleNote(scale, noun);
  if (note !== null) notes.push(note);
  if (beyond.length > 0) notes.push(`marked beyond the axis: ${beyond.join(', ')}`);
  const fell = [...new Set(between)];
  if (fell.length > 0) notes.push(`${fell.join(', ')} fall between two ${noun}s (percentiles are interpolated, as in the tables): marked on the step at their value.`);
  const every = live.every((c) => c.curve.every);
  notes.push(
    every
      ? `Drawn through every ${noun} (steps).`
      : `Drawn through exact ${noun} values at up to ${Math.max(...live.map((c) => c.curve.cdf.length))} ranks per curve, every rank of both tails included.`,
  );
  const y: Axis = { label: `fraction of ${noun}s ≤ x`, kind: 'linear', lo: 0, hi: 1, ticks: [0, 0.25, 0.5, 0.75, 0.9, 1] };
  return {
    svg: chart({ id, title, x, y, series, marks, markLegend: MARKED.filter((m) => live.some((c) => at(c.dist, m.p) !== null)).map((m) => ({ shape: m.shape, name: `p${m.p}` })) }),
    notes,
  };
}

/** The empirical distribution at `v` (ns) from its vertices [value, fraction ≤ value], ascending. */
function stepAt(cdf: readonly (readonly [number, number])[], v: number): number {
  let y = 0;
  for (const [value, fraction] of cdf) {
    if (value > v) break;
    y = fraction;
  }
  return y;
}

/** A histogram of exact counts, bins as the engine chose them for this sample (log bins on a log axis). */
export function histogramFigure(id: string, title: string, metric: string, noun: string, c: DistributionCurve): Figure | null {
  const h = c.curve.histogram;
  if (c.curve.count === 0) return null;
  const max = Math.max(...h.counts);
  const x = msAxis(h.scale, `${metric} (ms)`, false);
  const y: Axis = { label: `${noun}s per bin`, kind: 'linear', lo: 0, hi: max * 1.3, integer: true };
  const bars = h.counts.map((n, i) => ({
    x0: h.edges[i]! / 1e6,
    x1: h.edges[i + 1]! / 1e6,
    y: n,
    color: c.color,
    title: `${msText(h.edges[i]!)} – ${msText(h.edges[i + 1]!)}: ${plural(n, noun)}`,
  }));
  const marks: Mark[] = [];
  // Staggered in height, so that close percentiles' labels do not overlap.
  MARKED.forEach(({ p, shape }, k) => {
    const v = at(c.dist, p);
    const text = v === null ? '' : msText(v, h.scale.hi - h.scale.lo);
    if (v !== null) marks.push({ x: v / 1e6, y: max * (1.26 - 0.08 * k), shape, color: '#111827', title: `p${p} = ${text}`, label: `p${p} ${text}` });
  });
  const notes: string[] = [];
  const note = scaleNote(h.scale, noun);
  if (note !== null) notes.push(note);
  notes.push(`${h.counts.length} ${h.scale.kind === 'log' ? 'logarithmic' : 'equal'} bins over ${plural(c.curve.count, noun)}.`);
  return { svg: chart({ id, title, x, y, bars, marks, width: 560, height: 300, labelAbove: true }), notes };
}

/** One statistic at each x (a prompt length, a load level). */
export interface StatLine {
  name: string;
  color: string;
  points: readonly (readonly [number, number | null])[];
  style: Series['style'];
}

const defined = (pts: readonly (readonly [number, number | null])[]): [number, number][] => pts.filter((p): p is [number, number] => p[1] !== null);

/** The x axis over a set of levels: log with the levels as ticks when they span more than 10×. */
export function levelAxis(label: string, xs: readonly number[]): Axis {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (lo > 0 && hi / lo > 10) return { label, kind: 'log', lo: lo / 1.15, hi: hi * 1.15, ...(xs.length <= 12 ? { ticks: xs } : {}) };
  const span = hi - lo || Math.max(hi, 1);
  return { label, kind: 'linear', lo: Math.max(0, lo - span * 0.05), hi: hi + span * 0.05, ...(xs.length <= 12 && xs.length > 1 ? { ticks: xs } : {}) };
}

export interface AgainstSpec {
  id: string;
  title: string;
  x: Axis;
  yLabel: string;
  /** Plotted in ns; drawn in ms. */
  lines: readonly StatLine[];
  band?: { name: string; color: string; lower: readonly (readonly [number, number | null])[]; upper: readonly (readonly [number, number | null])[] };
  /** Per-request values in ns, drawn as dots under the statistics. */
  points?: { name: string; color: string; points: readonly (readonly [number, number])[] };
  fit?: { name: string; points: readonly (readonly [number, number])[] };
  topLabels?: readonly { x: number; text: string }[];
  /** The largest value of each group (exact), to name what a clipped axis leaves out. */
  maxima?: readonly { label: string; ns: number }[];
  noun: string;
  /** Drawn size (560 in a two-column grid). */
  width?: number;
}

/** Latency against a level (prompt length, load): statistics as lines with marks, per-request dots, a band and a fit. */
export function againstFigure(s: AgainstSpec): Figure {
  const values: number[] = [];
  for (const l of s.lines) for (const [, v] of defined(l.points)) values.push(v);
  if (s.band) for (const [, v] of defined(s.band.upper)) values.push(v);
  for (const [, v] of s.points?.points ?? []) values.push(v);
  const extents: Extent[] = [extentOfValues(values)];
  if (s.maxima) extents.push(extentOfValues(s.maxima.map((m) => m.ns)));
  const scale = chooseScale(extents, true);
  const y = msAxis(scale, s.yLabel);
  const toMs = (pts: readonly (readonly [number, number])[]): [number, number][] => pts.map(([x, v]) => [x, v / 1e6]);
  const series: Series[] = [];
  if (s.points) series.push({ name: s.points.name, color: s.points.color, style: 'points', points: toMs(s.points.points) });
  for (const l of s.lines) series.push({ name: l.name, color: l.color, style: l.style, points: toMs(defined(l.points)) });
  if (s.fit) series.push({ name: s.fit.name, color: '#111827', style: 'dashed', points: toMs(s.fit.points) });
  const bands: Band[] = s.band ? [{ name: s.band.name, color: s.band.color, lower: toMs(defined(s.band.lower)), upper: toMs(defined(s.band.upper)) }] : [];
  const notes: string[] = [];
  const over = (s.maxima ?? []).filter((m) => m.ns > scale.hi);
  if (over.length > 0) {
    const listed = over.slice(0, 3).map((m) => `${msText(m.ns)} (${m.label})`).join(', ');
    notes.push(`Beyond the axis: the largest ${s.noun} at ${over.length === 1 ? 'one level' : `${over.length} levels`}: ${listed}${over.length > 3 ? ', …' : ''}.`);
  } else if (scale.aboveCount > 0) {
    notes.push(`${plural(scale.aboveCount, 'value')} beyond the axis: ${scale.above.slice(0, 3).map(msText).join(', ')}${scale.aboveCount > 3 ? ', …' : ''}.`);
  }
  return { svg: chart({ id: s.id, title: s.title, x: s.x, y, series, bands, ...(s.topLabels ? { topLabels: s.topLabels } : {}), ...(s.width ? { width: s.width, height: 300 } : {}) }), notes };
}

/** A rate against load levels (responses/s, requests/s): its own unit on its own axis. */
export function rateFigure(id: string, title: string, x: Axis, unit: string, lines: readonly StatLine[], width = 560): Figure | null {
  const vals = lines.flatMap((l) => defined(l.points).map(([, v]) => v));
  if (vals.length === 0) return null;
  const hi = Math.max(...vals);
  const ticks = niceTicks(0, hi * 1.08);
  const y: Axis = { label: unit, kind: 'linear', lo: 0, hi: Math.max(hi * 1.08, ticks[ticks.length - 1]!) };
  const series: Series[] = lines.map((l) => ({ name: l.name, color: l.color, style: l.style, points: defined(l.points) }));
  return { svg: chart({ id, title, x, y, series, width, height: 300 }), notes: [] };
}

export { BRIGHT };
