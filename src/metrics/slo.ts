/**
 * Service-level objectives and goodput (docs/METRICS.md "Goodput"). An SLO is a set of bounds on
 * per-request metrics, e.g. `time_to_first_token<=200ms,inter_token_latency<=40ms`; a request meets
 * it when it completed and every bound holds. Percentile-free by design: each request is judged on
 * its own, so the fraction of requests meeting the SLO is exact and mergeable (counts add up).
 *
 * A bound on a metric the request has no value for (inter-token latency of a one-response request,
 * time to second token when the source kept no gaps, tokens/s without a token count) is missed:
 * goodput never credits what was not measured.
 */
import { UsageError } from '../errors.js';

/** The per-request metrics an SLO can bound, with their unit kind. */
export const SLO_METRICS = {
  time_to_first_token: 'time',
  time_to_second_token: 'time',
  inter_token_latency: 'time',
  request_latency: 'time',
  output_token_throughput_per_request: 'rate',
  output_responses: 'count',
} as const;
export type SloMetric = keyof typeof SLO_METRICS;

export interface SloBound {
  metric: SloMetric;
  op: '<=' | '>=';
  /** In the metric's unit of the analysis (ns for times, tokens/s, responses). */
  value: number;
}

export interface Slo {
  /** The SLO as given, normalised ("time_to_first_token<=200ms,…"). */
  text: string;
  bounds: SloBound[];
}

/** A request's values for the SLO metrics; NaN where it has none. */
export type RequestValues = Record<SloMetric, number>;

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };

/** Parses `--slo`; a UsageError names every bad part. */
export function parseSlo(spec: string): Slo {
  const bounds: SloBound[] = [];
  const problems: string[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([a-z0-9_]+)\s*(<=|>=)\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zµ/]*)$/i.exec(part);
    if (m === null) {
      problems.push(`"${part}" is not METRIC<=VALUE or METRIC>=VALUE (e.g. time_to_first_token<=200ms)`);
      continue;
    }
    const [, name, op, num, unit] = m as unknown as [string, string, '<=' | '>=', string, string];
    if (!(name in SLO_METRICS)) {
      problems.push(`"${name}" is not a per-request metric (one of ${Object.keys(SLO_METRICS).join(', ')})`);
      continue;
    }
    const metric = name as SloMetric;
    const kind = SLO_METRICS[metric];
    let factor = 1;
    if (kind === 'time') {
      const f = TIME_UNITS[unit === '' ? 'ms' : unit];
      if (f === undefined) {
        problems.push(`"${part}": unit "${unit}" is not one of ns, us, ms, s`);
        continue;
      }
      factor = f;
    } else if (unit !== '' && !(kind === 'rate' && unit === 'tokens/s') && !(kind === 'count' && unit === 'responses')) {
      problems.push(`"${part}": ${metric} takes no unit${kind === 'rate' ? ' (tokens/s)' : ''}`);
      continue;
    }
    const value = Number(num) * factor;
    // 1e999 is Infinity: a bound every request meets whatever it measured.
    if (!Number.isFinite(value)) {
      problems.push(`"${part}": the bound is not a finite number`);
      continue;
    }
    bounds.push({ metric, op, value });
  }
  if (bounds.length === 0 && problems.length === 0) problems.push('name at least one bound, e.g. time_to_first_token<=200ms');
  if (problems.length > 0) throw new UsageError(`--slo: ${problems.join('; ')}`);
  return { text: bounds.map(describeBound).join(','), bounds };
}

function describeBound(b: SloBound): string {
  const kind = SLO_METRICS[b.metric];
  const value = kind === 'time' ? `${b.value / 1e6}ms` : String(b.value);
  return `${b.metric}${b.op}${value}`;
}

/** Whether a completed request's values meet every bound (an unknown value misses). */
export function meetsSlo(slo: Slo, v: RequestValues): boolean {
  for (const b of slo.bounds) {
    const x = v[b.metric];
    if (Number.isNaN(x)) return false;
    if (b.op === '<=' ? !(x <= b.value) : !(x >= b.value)) return false;
  }
  return true;
}

/** Goodput of one experiment or prompt length. */
export interface Goodput {
  slo: string;
  /** Requests that completed and met every bound. */
  met: number;
  /** Every request, failed ones included (they miss the SLO). */
  requests: number;
  /** met / requests, or null without requests. */
  fraction: number | null;
  /** met per second of the experiment's duration, or null. */
  requests_per_second: number | null;
}

export function goodput(slo: Slo, met: number, requests: number, durationNs: number | null): Goodput {
  return {
    slo: slo.text,
    met,
    requests,
    fraction: requests > 0 ? met / requests : null,
    requests_per_second: durationNs !== null && durationNs > 0 ? (met * 1e9) / durationNs : null,
  };
}
