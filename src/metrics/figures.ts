/**
 * The shapes of exact samples, for charts: a cumulative curve through chosen ranks (every value
 * when there are few; else an even spread of ranks plus both tails rank by rank), a histogram of
 * exact counts, thinned per-request values, and the one rule that picks an honest axis (linear,
 * logarithmic, or linear with the few values beyond it named). Computed only when a report draws
 * (`--html`); the numbers in tables still come from metrics/distribution.ts.
 */
import type { PositionStat } from './positions.js';
import type { ExactSample } from './samples.js';
import type { Timeline } from './timeline.js';

/** Up to this many values every value is a vertex (the curve is the exact step function). */
export const EVERY_VALUE_UP_TO = 600;
/** Evenly spaced ranks through the body of a larger sample. */
const SPREAD = 400;
/** Ranks kept one by one at each end, then geometrically further in: the tails keep their shape. */
const TAIL = 24;
/** The largest values kept one by one: enough to name what a clipped axis leaves out. */
export const TOP = 10;
/** Histogram bins: Rice's rule, 2·n^(1/3), within these bounds. */
const MIN_BINS = 6;
const MAX_BINS = 48;
/** Curves drawn per chart; with more groups, this many spread evenly over them. */
export const MAX_CURVES = 12;
/** Per-request points per metric across all groups of a sweep. */
export const MAX_POINTS = 2400;

/** An axis range, and what it leaves out. */
export interface Scale {
  kind: 'linear' | 'log';
  lo: number;
  hi: number;
  /** Values above `hi`, ascending (at most TOP listed), and how many there are. */
  above: number[];
  aboveCount: number;
  /** Values below `lo`: zeros on a log axis. */
  belowCount: number;
}

/** Exact counts in bins [edges[i], edges[i+1]) (the last bin includes its upper edge). */
export interface Histogram {
  scale: Scale;
  edges: number[];
  counts: number[];
}

/** What an axis has to show of one sample. */
export interface Extent {
  count: number;
  min: number;
  max: number;
  minPositive: number | null;
  zeros: number;
  /** The largest values, descending (at most TOP). */
  top: readonly number[];
}

export interface Curve extends Extent {
  /** Vertices of the empirical cumulative distribution, ascending: [value, fraction of values ≤ value]. */
  cdf: [number, number][];
  /** True when every value is a vertex: draw it as the step function it is. */
  every: boolean;
  histogram: Histogram;
}

/** The samples a report draws, as the accumulator holds them. */
export interface FigureSamples {
  time_to_first_token: ExactSample;
  token_to_token_latency: ExactSample;
  inter_token_latency: ExactSample;
  request_latency: ExactSample;
}

export type FigureMetric = keyof FigureSamples;
export const FIGURE_METRICS: readonly FigureMetric[] = ['time_to_first_token', 'token_to_token_latency', 'inter_token_latency', 'request_latency'];

export type ExperimentFigures = Record<FigureMetric, Curve | null>;

/** One group's samples as groupFigures takes them; its gaps by position computed only when drawn. */
export interface FigureGroup {
  key: number;
  samples: FigureSamples;
  positions?: () => PositionStat[];
}

/** Figures of groups (prompt lengths of a sweep, experiments of a comparison side). */
export interface GroupFigures {
  /** Curves of at most MAX_CURVES groups, spread evenly over the keys; with their gaps by output position when the group gave them. */
  curves: { key: number; figures: ExperimentFigures; positions?: PositionStat[] }[];
  /** Groups in all; more than `curves.length` when some were left out of the curves. */
  groups: number;
  /** Per-request values, thinned to MAX_POINTS per metric: [key, value], and how many requests they stand for. */
  points: { time_to_first_token: [number, number][]; inter_token_latency: [number, number][] };
  requests: { time_to_first_token: number; inter_token_latency: number };
}

/** What an analysis draws beyond its JSON: present only when a report asks (`--html`). */
export interface AnalysisFigures {
  /** One per analysis.experiments entry, in the same order. */
  experiments: ExperimentFigures[];
  /** Requests over time, one per analysis.experiments entry (null where not kept); absent in a sweep. */
  timelines?: (Timeline | null)[];
  sweep: GroupFigures | null;
}

/** Ranks that keep a large sample's shape: an even spread, and both tails rank by rank, then geometrically. */
function curveRanks(n: number): number[] {
  if (n <= EVERY_VALUE_UP_TO) return Array.from({ length: n }, (_, i) => i);
  const ranks = new Set<number>();
  for (let i = 0; i < SPREAD; i++) ranks.add(Math.round((i * (n - 1)) / (SPREAD - 1)));
  for (let r = 0; r < TAIL; r++) ranks.add(r).add(n - 1 - r);
  const step = (n - 1) / (SPREAD - 1);
  for (let r = TAIL; r < step; r = Math.ceil(r * 1.3)) ranks.add(r).add(n - 1 - r);
  return [...ranks].sort((a, b) => a - b);
}

function extentOf(s: ExactSample): Extent {
  const n = s.count;
  const zeros = s.countBelow([Number.MIN_VALUE])[0]!;
  const topRanks = Array.from({ length: Math.min(TOP, n) }, (_, i) => n - Math.min(TOP, n) + i);
  const tops = s.valuesAtRanks(topRanks).reverse();
  return { count: n, min: s.min, max: s.max, minPositive: zeros === n ? null : zeros === 0 ? s.min : s.valuesAtRanks([zeros])[0]!, zeros, top: tops };
}

/** The shape of one sample, or null when it is empty. */
export function curveOf(s: ExactSample): Curve | null {
  const n = s.count;
  if (n === 0) return null;
  const extent = extentOf(s);
  const ranks = curveRanks(n);
  const values = s.valuesAtRanks(ranks);
  const cdf = ranks.map((r, i): [number, number] => [values[i]!, (r + 1) / n]);
  return { ...extent, cdf, every: n <= EVERY_VALUE_UP_TO, histogram: histogramOf(s, chooseScale([extent])) };
}

function histogramOf(s: ExactSample, scale: Scale): Histogram {
  const { lo, hi } = scale;
  const width = hi > lo ? hi - lo : 1;
  const BINS = Math.min(MAX_BINS, Math.max(MIN_BINS, Math.ceil(2 * Math.cbrt(s.count))));
  const edges = Array.from({ length: BINS + 1 }, (_, i) =>
    scale.kind === 'log' ? lo * (hi / lo) ** (i / BINS) : i === BINS ? lo + width : lo + (width * i) / BINS,
  );
  // The last bin includes its upper edge: count below the next double up.
  const cuts = [...edges.slice(0, -1), hi > 0 ? hi * (1 + Number.EPSILON) : Number.MIN_VALUE];
  const below = s.countBelow(cuts);
  const counts = below.slice(1).map((c, i) => c - below[i]!);
  return { scale, edges, counts };
}

/**
 * The axis for the samples of one chart. Linear from the smallest value to the largest, unless:
 * - a few values (at most one per thousand of a sample of 20 or more, at least one, at most TOP−1) would squash
 *   the rest into under a third of the axis: then the axis stops short of them (at the largest
 *   value within 1.5× the span of the rest) and names the values beyond it, or, when what remains
 *   still spans more than 10×, it is logarithmic;
 * - the values span more than 10×: logarithmic from the smallest positive value (zeros named).
 * `fromZero` (latency against prompt length) keeps a linear axis from 0 and only clips.
 */
export function chooseScale(extents: readonly Extent[], fromZero = false): Scale {
  const live = extents.filter((e) => e.count > 0);
  if (live.length === 0) return { kind: 'linear', lo: 0, hi: 1, above: [], aboveCount: 0, belowCount: 0 };
  const minAll = Math.min(...live.map((e) => e.min));
  const maxAll = Math.max(...live.map((e) => e.max));
  const positives = live.map((e) => e.minPositive).filter((v): v is number => v !== null);
  const minPos = positives.length > 0 ? Math.min(...positives) : null;
  const zeros = live.reduce((a, e) => a + e.zeros, 0);
  let keep = -Infinity;
  for (const e of live) {
    // A few of many: among fewer than 20 values none is left out.
    const allow = e.count < 20 ? 0 : Math.min(e.top.length - 1, Math.max(1, Math.floor(e.count / 1000)));
    keep = Math.max(keep, e.top[allow] ?? e.max);
  }
  const base = fromZero ? Math.min(0, minAll) : minAll;
  const linear = (hi: number): Scale => {
    const above = live.flatMap((e) => e.top.filter((v) => v > hi)).sort((a, b) => a - b);
    return { kind: 'linear', lo: base, hi, above: above.slice(0, TOP), aboveCount: above.length, belowCount: 0 };
  };
  const log = (): Scale => ({ kind: 'log', lo: minPos!, hi: maxAll, above: [], aboveCount: 0, belowCount: zeros });
  const squashed = keep > base && maxAll - base > 3 * (keep - base);
  const wide = (hi: number): boolean => !fromZero && minPos !== null && hi / minPos > 10;
  if (!squashed) return wide(maxAll) ? log() : linear(maxAll);
  if (wide(keep)) return log();
  // Only the far values leave: the axis runs to the largest value within half as much again as what must stay.
  let hi = keep;
  for (const e of live) for (const v of e.top) if (v > hi && v - base <= 1.5 * (keep - base)) hi = v;
  return linear(hi);
}

/** Values at `k` evenly spaced ranks, both ends included (every value when there are no more than k). */
export function thinnedValues(s: ExactSample, k: number): number[] {
  const n = s.count;
  if (n === 0 || k <= 0) return [];
  if (n <= k) return s.valuesAtRanks(Array.from({ length: n }, (_, i) => i));
  const ranks = [...new Set(Array.from({ length: k }, (_, i) => (k === 1 ? n - 1 : Math.round((i * (n - 1)) / (k - 1)))))];
  return s.valuesAtRanks(ranks);
}

export function experimentFigures(s: FigureSamples): ExperimentFigures {
  return {
    time_to_first_token: curveOf(s.time_to_first_token),
    token_to_token_latency: curveOf(s.token_to_token_latency),
    inter_token_latency: curveOf(s.inter_token_latency),
    request_latency: curveOf(s.request_latency),
  };
}

/** `count` indexes spread evenly over 0..n−1, both ends included. */
export function spreadIndexes(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1))))];
}

/** Figures of groups in ascending key order. */
export function groupFigures(groups: readonly FigureGroup[]): GroupFigures {
  const curves = spreadIndexes(groups.length, MAX_CURVES).map((i) => {
    const g = groups[i]!;
    return { key: g.key, figures: experimentFigures(g.samples), ...(g.positions ? { positions: g.positions() } : {}) };
  });
  const pointsOf = (metric: 'time_to_first_token' | 'inter_token_latency'): { points: [number, number][]; requests: number } => {
    const total = groups.reduce((a, g) => a + g.samples[metric].count, 0);
    const points: [number, number][] = [];
    for (const g of groups) {
      const n = g.samples[metric].count;
      const k = Math.max(Math.min(n, 3), Math.floor((MAX_POINTS * n) / Math.max(total, 1)));
      for (const v of thinnedValues(g.samples[metric], k)) points.push([g.key, v]);
    }
    // At least a few dots per group can exceed the budget when there are thousands of groups: thin them all evenly.
    const kept = points.length > MAX_POINTS ? spreadIndexes(points.length, MAX_POINTS).map((i) => points[i]!) : points;
    return { points: kept, requests: total };
  };
  const ttft = pointsOf('time_to_first_token');
  const itl = pointsOf('inter_token_latency');
  return {
    curves,
    groups: groups.length,
    points: { time_to_first_token: ttft.points, inter_token_latency: itl.points },
    requests: { time_to_first_token: ttft.requests, inter_token_latency: itl.requests },
  };
}
