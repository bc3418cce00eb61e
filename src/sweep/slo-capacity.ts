/**
 * The SLO capacity of a sweep: the largest prompt length whose fraction of requests meeting the
 * SLO (goodput, metrics/slo.ts) reaches a target (--slo-target, default 0.9), with a bootstrap
 * interval. Each round redraws every length's count of requests meeting the SLO from its own
 * requests (a binomial with the observed fraction: resampling its requests with replacement), and
 * takes the largest length that reaches the target then; the interval is the 2.5th and 97.5th
 * percentiles of those lengths. Seeded, so the same inputs give the same interval.
 */
import { seeded } from '../records/random.js';

export interface SloCapacity {
  target: number;
  /** Largest prompt length whose fraction ≥ target, or null when none reaches it. */
  length: number | null;
  /** 95% bootstrap interval of that length; a null end means "no length" in that tail. */
  interval: [number | null, number | null];
  rounds: number;
}

/** Above this many requests a length's redraw uses the normal approximation of the binomial. */
const EXACT_DRAWS = 4096;

function redraw(n: number, p: number, random: () => number): number {
  if (n <= EXACT_DRAWS) {
    let k = 0;
    for (let i = 0; i < n; i++) if (random() < p) k++;
    return k;
  }
  // Box–Muller: one normal draw, clamped to [0, n].
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.min(n, Math.max(0, Math.round(n * p + z * Math.sqrt(n * p * (1 - p)))));
}

/** `points`: (length, met, requests) in ascending length. */
export function sloCapacity(points: readonly { length: number; met: number; requests: number }[], target: number, rounds = 1000, seed = 1): SloCapacity {
  const largest = (fraction: (i: number) => number): number | null => {
    for (let i = points.length - 1; i >= 0; i--) if (points[i]!.requests > 0 && fraction(i) >= target) return points[i]!.length;
    return null;
  };
  const length = largest((i) => points[i]!.met / points[i]!.requests);
  const random = seeded(seed);
  // null sorts below every length: "no length reached the target" is the smallest outcome.
  const draws: number[] = [];
  for (let b = 0; b < rounds; b++) {
    const l = largest((i) => redraw(points[i]!.requests, points[i]!.met / points[i]!.requests, random) / points[i]!.requests);
    draws.push(l === null ? -Infinity : l);
  }
  draws.sort((a, c) => a - c);
  const at = (q: number): number | null => {
    const v = draws[Math.min(draws.length - 1, Math.max(0, Math.round(q * (draws.length - 1))))];
    return v === undefined || v === -Infinity ? null : v;
  };
  return { target, length, interval: rounds > 0 ? [at(0.025), at(0.975)] : [length, length], rounds };
}
