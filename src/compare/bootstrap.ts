/**
 * Bootstrap confidence intervals for the difference of a statistic between two samples
 * (B − A): each round resamples both with replacement, seeded, so a comparison is reproducible.
 */
import { quantileSorted } from 'simple-statistics';
import { seeded } from '../records/random.js';

export { seeded };

export type Statistic = 'mean' | 'p50' | 'p99';
export const STATISTICS: readonly Statistic[] = ['mean', 'p50', 'p99'];

/** Type-7 percentile of sorted values (numpy's default, as docs/METRICS.md). */
function percentileSorted(sorted: Float64Array, p: number): number {
  const h = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = h - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** All three statistics of one resample (or of the sample itself when `random` is null). */
function statistics(values: Float64Array, random: (() => number) | null, scratch: Float64Array): Record<Statistic, number> {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = random === null ? values[i]! : values[Math.floor(random() * n)]!;
    scratch[i] = v;
    sum += v;
  }
  const sorted = scratch.subarray(0, n).sort();
  return { mean: sum / n, p50: percentileSorted(sorted, 50), p99: percentileSorted(sorted, 99) };
}

export interface DifferenceInterval {
  /** B − A of the statistic on the samples themselves. */
  difference: number;
  /** 95% bootstrap percentile interval of B − A. */
  low: number;
  high: number;
}

/**
 * B − A for mean, p50 and p99 with 95% percentile intervals from `rounds` bootstrap rounds.
 * Null when either sample is empty.
 */
export function bootstrapDifferences(a: Float64Array, b: Float64Array, rounds: number, seed: number): Record<Statistic, DifferenceInterval> | null {
  if (a.length === 0 || b.length === 0) return null;
  const random = seeded(seed);
  const sa = new Float64Array(a.length);
  const sb = new Float64Array(b.length);
  const pointA = statistics(a, null, sa);
  const pointB = statistics(b, null, sb);
  const diffs: Record<Statistic, number[]> = { mean: [], p50: [], p99: [] };
  for (let r = 0; r < rounds; r++) {
    const ra = statistics(a, random, sa);
    const rb = statistics(b, random, sb);
    for (const s of STATISTICS) diffs[s].push(rb[s] - ra[s]);
  }
  const out = {} as Record<Statistic, DifferenceInterval>;
  for (const s of STATISTICS) {
    const sorted = diffs[s].sort((x, y) => x - y);
    out[s] = { difference: pointB[s] - pointA[s], low: quantileSorted(sorted, 0.025), high: quantileSorted(sorted, 0.975) };
  }
  return out;
}
