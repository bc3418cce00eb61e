/**
 * Two runs side by side: per group (experiment, or prompt length) and metric, B − A in mean, p50
 * and p99 with bootstrap 95% intervals, and an optional regression gate (docs/METRICS.md).
 */
import type { Distribution } from '../metrics/distribution.js';
import { bootstrapDifferences, type Statistic, STATISTICS } from './bootstrap.js';
import { type CompareSink, RESERVOIR } from './sink.js';

import { COMPARED_METRICS, type ComparedMetric } from './metrics.js';

export { COMPARED_METRICS, type ComparedMetric } from './metrics.js';

export interface StatisticComparison {
  a: number | null;
  b: number | null;
  /** B − A, ns. */
  difference_ns: number | null;
  /** (B − A) / A. */
  relative: number | null;
  /** 95% bootstrap interval of B − A, ns. */
  ci_low_ns: number | null;
  ci_high_ns: number | null;
}

export interface MetricComparison {
  metric: ComparedMetric;
  unit: 'ns';
  count_a: number;
  count_b: number;
  mean: StatisticComparison;
  p50: StatisticComparison;
  p99: StatisticComparison;
}

export interface GroupComparison {
  /** Experiment index, or prompt length. */
  key: number;
  metrics: MetricComparison[];
}

export interface Gate {
  threshold_percent: number;
  statistic: Statistic;
  metrics: ComparedMetric[];
  /** Where B is slower than A by more than the threshold, with the interval above zero. */
  failures: { key: number; metric: ComparedMetric; relative: number; ci_low_ns: number }[];
  /** Where B's share of failed requests is above A's by more than the threshold (any, when A has none). */
  failed_requests: { key: number; failed_a: number; requests_a: number; failed_b: number; requests_b: number }[];
  /** A and B share no experiment or prompt length: nothing was compared, so nothing passed. */
  nothing_compared: boolean;
  passed: boolean;
}

export interface CompareOptions {
  rounds: number;
  seed: number;
  gate: { thresholdPercent: number; statistic: Statistic; metrics: ComparedMetric[] } | null;
}

const pick = (d: Distribution, s: Statistic): number | null => (s === 'mean' ? d.mean : (d.percentiles[s] ?? null));

export function compareSides(a: CompareSink, b: CompareSink, o: CompareOptions): { groups: GroupComparison[]; onlyA: number[]; onlyB: number[]; gate: Gate | null } {
  const keysA = a.keys();
  const keysB = new Set(b.keys());
  const common = keysA.filter((k) => keysB.has(k));
  const groups: GroupComparison[] = [];
  for (const key of common) {
    const sa = a.summary(key);
    const sb = b.summary(key);
    const va = a.values(key);
    const vb = b.values(key);
    const metrics = COMPARED_METRICS.map((metric, m): MetricComparison => {
      const da = sa.metrics[metric];
      const db = sb.metrics[metric];
      const boot = bootstrapDifferences(Float64Array.from(va[metric]), Float64Array.from(vb[metric]), o.rounds, o.seed + key * 31 + m);
      const stat = (s: Statistic): StatisticComparison => {
        const x = pick(da, s);
        const y = pick(db, s);
        const diff = x !== null && y !== null ? y - x : null;
        return {
          a: x,
          b: y,
          difference_ns: diff,
          relative: diff !== null && x !== null && x !== 0 ? diff / x : null,
          ci_low_ns: boot?.[s].low ?? null,
          ci_high_ns: boot?.[s].high ?? null,
        };
      };
      return { metric, unit: 'ns', count_a: da.count, count_b: db.count, mean: stat('mean'), p50: stat('p50'), p99: stat('p99') };
    });
    groups.push({ key, metrics });
  }
  let gate: Gate | null = null;
  if (o.gate !== null) {
    const g = o.gate;
    const failures: Gate['failures'] = [];
    for (const group of groups) {
      for (const m of group.metrics) {
        if (!g.metrics.includes(m.metric)) continue;
        const s = m[g.statistic];
        if (s.relative !== null && s.ci_low_ns !== null && s.relative > g.thresholdPercent / 100 && s.ci_low_ns > 0) {
          failures.push({ key: group.key, metric: m.metric, relative: s.relative, ci_low_ns: s.ci_low_ns });
        }
      }
    }
    const failedRequests: Gate['failed_requests'] = [];
    for (const group of groups) {
      const ra = a.summary(group.key).requests;
      const rb = b.summary(group.key).requests;
      const shareA = ra.total === 0 ? 0 : ra.failed / ra.total;
      const shareB = rb.total === 0 ? 0 : rb.failed / rb.total;
      if (rb.failed > 0 && shareB > shareA * (1 + g.thresholdPercent / 100)) {
        failedRequests.push({ key: group.key, failed_a: ra.failed, requests_a: ra.total, failed_b: rb.failed, requests_b: rb.total });
      }
    }
    const nothing = groups.length === 0;
    gate = {
      threshold_percent: g.thresholdPercent,
      statistic: g.statistic,
      metrics: g.metrics,
      failures,
      failed_requests: failedRequests,
      nothing_compared: nothing,
      passed: failures.length === 0 && failedRequests.length === 0 && !nothing,
    };
  }
  return { groups, onlyA: keysA.filter((k) => !keysB.has(k)), onlyB: [...keysB].filter((k) => !keysA.includes(k)).sort((x, y) => x - y), gate };
}

export { RESERVOIR, STATISTICS };
