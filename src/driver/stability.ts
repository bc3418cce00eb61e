/**
 * When to stop measuring a load level: perf_analyzer's window rules (inference_profiler.cc,
 * DetermineStability), as small pure predicates. A level is stable when the last three windows all
 * have a throughput above zero and their max/min is within 1 + percentage/100, for throughput and
 * for mean latency alike; after --max-trials windows without that, the level gives up.
 */

export interface WindowStat {
  /** Requests completed in the window per second. */
  throughput: number;
  /** Mean latency (send → last response) of the window's requests, ns. */
  latencyNs: number;
}

export interface StabilityRule {
  stabilityPercent: number;
  maxTrials: number;
}

/** How many of the last windows must agree. */
export const STABILITY_WINDOWS = 3;

export type Verdict = 'stable' | 'measure_more' | 'gave_up';

/** max/min of the values within 1 + percent/100, every value above zero. */
export function withinPercent(values: readonly number[], percent: number): boolean {
  if (values.length === 0) return false;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!(v > 0)) return false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max / min <= 1 + percent / 100;
}

export function throughputStable(last: readonly WindowStat[], percent: number): boolean {
  return withinPercent(
    last.map((w) => w.throughput),
    percent,
  );
}

export function latencyStable(last: readonly WindowStat[], percent: number): boolean {
  return withinPercent(
    last.map((w) => w.latencyNs),
    percent,
  );
}

/** The verdict after the windows measured so far. */
export function judge(windows: readonly WindowStat[], rule: StabilityRule): Verdict {
  if (windows.length >= STABILITY_WINDOWS) {
    const last = windows.slice(-STABILITY_WINDOWS);
    if (throughputStable(last, rule.stabilityPercent) && latencyStable(last, rule.stabilityPercent)) return 'stable';
  }
  return windows.length >= rule.maxTrials ? 'gave_up' : 'measure_more';
}
