/**
 * The metric catalogue: every metric palens reports, once — its key (the name in JSON, CSV, the
 * accumulator and docs/METRICS.md), title, unit and documentation anchor. The accumulator
 * (metrics/experiment.ts) computes each key's values and the renderers (report/table, csv, json,
 * sweep-text, html) iterate this list, so adding a metric is one entry here plus its formula there
 * (and its line in docs/METRICS.md; schemas/analysis.schema.json is checked against this list by
 * test/unit/catalogue.test.ts).
 */

export interface MetricSpec {
  /** The public name: JSON key, CSV `metric` column, accumulator field. */
  readonly key: string;
  /** Title in prose and chart axes. */
  readonly title: string;
  /** Two-line column title of the text table (the unit in parentheses where times are shown in ms). */
  readonly column: readonly [string, string];
  /** Short name in narrow tables (the sweep table), when it has one. */
  readonly short: string;
  /** Unit of the values in the analysis object. */
  readonly unit: 'ns' | 'responses' | 'words' | 'chars' | 'tokens/s' | 'requests/s' | 'responses/s';
  /** A distribution (statistics over values) or a rate (one value per experiment). */
  readonly kind: 'distribution' | 'rate';
  /** Where its formula is: docs/METRICS.md#anchor. */
  readonly anchor: string;
  /** Shown in the per-experiment text table: always, only when it has values, or never (rates have their own line). */
  readonly table: 'always' | 'when-counted' | 'never';
  /** Part of every sweep point (latency against prompt length). */
  readonly sweep: boolean;
  /** Percentiles the sweep table shows beside the mean. */
  readonly sweepPercentiles?: readonly number[];
}

const PER_EXPERIMENT = 'per-experiment-metrics';

export const METRICS = [
  { key: 'time_to_first_token', title: 'time to first token', column: ['time to first', 'token (ms)'], short: 'TTFT', unit: 'ns', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'always', sweep: true, sweepPercentiles: [50, 90, 99] },
  { key: 'token_to_token_latency', title: 'token-to-token latency', column: ['token-to-token', 'latency (ms)'], short: 't2t', unit: 'ns', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'always', sweep: true, sweepPercentiles: [50, 99] },
  { key: 'inter_token_latency', title: 'inter-token latency', column: ['inter-token', 'latency (ms)'], short: 'ITL', unit: 'ns', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'always', sweep: true },
  { key: 'request_latency', title: 'request latency', column: ['request', 'latency (ms)'], short: 'latency', unit: 'ns', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'always', sweep: true },
  { key: 'output_responses', title: 'output responses', column: ['output', 'responses'], short: 'responses', unit: 'responses', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'always', sweep: false },
  { key: 'prompt_words', title: 'prompt words', column: ['prompt', 'words'], short: 'words', unit: 'words', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'when-counted', sweep: false },
  { key: 'prompt_chars', title: 'prompt characters', column: ['prompt', 'chars'], short: 'chars', unit: 'chars', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'when-counted', sweep: false },
  { key: 'time_to_second_token', title: 'time to second token', column: ['time to second', 'token (ms)'], short: 'TTST', unit: 'ns', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'when-counted', sweep: false },
  { key: 'output_token_throughput_per_request', title: 'output token throughput per request', column: ['output tokens/s', 'per request'], short: 'tok/s', unit: 'tokens/s', kind: 'distribution', anchor: PER_EXPERIMENT, table: 'when-counted', sweep: false },
  { key: 'request_throughput', title: 'request throughput', column: ['request', 'throughput'], short: 'req/s', unit: 'requests/s', kind: 'rate', anchor: PER_EXPERIMENT, table: 'never', sweep: false },
  { key: 'output_response_throughput', title: 'output response throughput', column: ['output response', 'throughput'], short: 'resp/s', unit: 'responses/s', kind: 'rate', anchor: PER_EXPERIMENT, table: 'never', sweep: false },
] as const satisfies readonly MetricSpec[];

type Spec = (typeof METRICS)[number];
export type MetricKey = Spec['key'];
export type DistributionMetric = Extract<Spec, { kind: 'distribution' }>['key'];
export type RateMetric = Extract<Spec, { kind: 'rate' }>['key'];
export type SweepMetric = Extract<Spec, { sweep: true }>['key'];

const keysOf = <K extends MetricKey>(pick: (m: Spec) => boolean): K[] => METRICS.filter(pick).map((m) => m.key as K);

/** Distribution metrics, in report order. */
export const DISTRIBUTION_METRICS: readonly DistributionMetric[] = keysOf<DistributionMetric>((m) => m.kind === 'distribution');
/** Rate metrics, in report order. */
export const RATE_METRICS: readonly RateMetric[] = keysOf<RateMetric>((m) => m.kind === 'rate');
/** The metrics of every sweep point. */
export const SWEEP_METRICS: readonly SweepMetric[] = keysOf<SweepMetric>((m) => m.sweep);

/** The catalogue entry of `key`. */
export function metricSpec(key: MetricKey): MetricSpec {
  return METRICS.find((m) => m.key === key)!;
}

/** The link to a metric's formula, relative to the repository root. */
export function metricDocs(key: MetricKey): string {
  return `docs/METRICS.md#${metricSpec(key).anchor}`;
}
