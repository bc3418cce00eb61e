/**
 * Summary statistics of a sample. Percentiles use linear interpolation between closest ranks
 * (Hyndman & Fan type 7, numpy's default): with the n values sorted x[0..n−1] and h = (n − 1)·p/100,
 * P(p) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]), evaluated as numpy does (from the nearer
 * neighbour), so results match numpy.percentile bit for bit. The standard deviation is the population one
 * (divide by n), as numpy's std and GenAI-Perf.
 */
import type { Sample } from './samples.js';

export const DEFAULT_PERCENTILES: readonly number[] = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9];

export interface Distribution {
  unit: string;
  count: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** Keyed by percentileKey(p): p50, p99, p99_9. */
  percentiles: Record<string, number | null>;
}

/** 99.9 → "p99_9". */
export function percentileKey(p: number): string {
  return 'p' + String(p).replace('.', '_');
}

export function summarize(sample: Sample, unit: string, percentiles: readonly number[]): Distribution {
  const n = sample.count;
  const pct: Record<string, number | null> = {};
  if (n === 0) {
    for (const p of percentiles) pct[percentileKey(p)] = null;
    return { unit, count: 0, mean: null, std: null, min: null, max: null, percentiles: pct };
  }
  const mean = sample.mean();
  const std = Math.sqrt(sample.sumSquaredDeviations() / n);
  const ranks = new Set<number>();
  const plan = percentiles.map((p) => {
    const h = (p / 100) * (n - 1);
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    ranks.add(lo);
    ranks.add(hi);
    return { p, h, lo, hi };
  });
  const sortedRanks = [...ranks].sort((a, b) => a - b);
  const values = sample.ranked(sortedRanks);
  const at = new Map<number, number>();
  sortedRanks.forEach((r, i) => at.set(r, values[i]!));
  for (const { p, h, lo, hi } of plan) {
    const a = at.get(lo)!;
    const b = at.get(hi)!;
    // numpy's lerp: from the nearer end, so that p100 is exactly the maximum.
    const t = h - lo;
    pct[percentileKey(p)] = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
  }
  return { unit, count: n, mean, std, min: sample.min, max: sample.max, percentiles: pct };
}
