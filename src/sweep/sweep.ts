/**
 * Prompt length against latency: requests from any number of exports grouped by prompt length,
 * each group summarised like an experiment, and the cost model fitted (docs/METRICS.md).
 */
import { SWEEP_METRICS, type SweepMetric } from '../metrics/catalogue.js';
import type { Distribution } from '../metrics/distribution.js';
import type { FigureGroup } from '../metrics/figures.js';
import { type AccumulatorState, ExperimentAccumulator, type MetricOptions, type RequestCounts, type ResponseCounts } from '../metrics/experiment.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../records/record.js';
import { linearFit, outliers, quadraticFit, quadraticMatters, weightedLinearFit } from './fit.js';
import type { LengthBy, LengthMeasure, LengthUnit } from './length.js';
import { type SloCapacity, sloCapacity } from './slo-capacity.js';
import type { Goodput } from '../metrics/slo.js';

export interface SweepState {
  groups: { length: number; acc: AccumulatorState }[];
  lengths: Float64Array;
  ttfts: Float64Array;
  unknown: number;
  requests: number;
  loads: string[];
}

/** Groups records by prompt length; keeps (length, TTFT) per completed request for the fit. */
export class SweepSink implements RecordSink {
  private readonly groups = new Map<number, ExperimentAccumulator>();
  private lengths = new Float64Array(1024);
  private ttfts = new Float64Array(1024);
  private points = 0;
  private unknown = 0;
  private requests = 0;
  private readonly loads = new Set<string>();
  private measure: LengthMeasure | null = null;

  constructor(private readonly options: MetricOptions) {}

  /** The measure for the records that follow (one per file: a sidecar belongs to its export). */
  useMeasure(m: LengthMeasure): void {
    this.measure = m;
  }

  private group(length: number): ExperimentAccumulator {
    let acc = this.groups.get(length);
    if (acc === undefined) {
      // One accumulator per length: a smaller stage each keeps a wide sweep's memory down.
      acc = new ExperimentAccumulator({ ...this.options, stageValues: 1 << 18 });
      this.groups.set(length, acc);
    }
    return acc;
  }

  private point(length: number, ttft: number): void {
    if (this.points === this.lengths.length) {
      const l = new Float64Array(this.points * 2);
      l.set(this.lengths);
      this.lengths = l;
      const t = new Float64Array(this.points * 2);
      t.set(this.ttfts);
      this.ttfts = t;
    }
    this.lengths[this.points] = length;
    this.ttfts[this.points++] = ttft;
  }

  record(r: RequestRecord): void {
    this.requests++;
    const length = this.measure!.of(r);
    if (length < 0) {
      this.unknown++;
      return;
    }
    const ttft = this.group(length).add(r);
    if (!Number.isNaN(ttft)) this.point(length, ttft);
  }

  experimentEnd(info: ExperimentInfo): void {
    this.loads.add(info.mode === null ? 'unknown load' : `${info.mode} ${info.value}`);
  }

  snapshot(): SweepState {
    return {
      groups: [...this.groups.entries()].map(([length, acc]) => ({ length, acc: acc.snapshot() })),
      lengths: this.lengths.subarray(0, this.points),
      ttfts: this.ttfts.subarray(0, this.points),
      unknown: this.unknown,
      requests: this.requests,
      loads: [...this.loads],
    };
  }

  merge(s: SweepState): void {
    for (const g of s.groups) this.group(g.length).merge(g.acc, 0);
    for (let i = 0; i < s.lengths.length; i++) this.point(s.lengths[i]!, s.ttfts[i]!);
    this.unknown += s.unknown;
    this.requests += s.requests;
    for (const l of s.loads) this.loads.add(l);
  }

  /** Each length's samples in ascending length, for a report that draws (metrics/figures.ts). */
  figureGroups(): FigureGroup[] {
    return [...this.groups.entries()].sort(([a], [b]) => a - b).map(([key, acc]) => ({ key, samples: acc.figureSamples(), positions: () => acc.positionStats() }));
  }

  /**
   * Per-length summaries in ascending length, and the per-request (length, TTFT) points sorted,
   * so that the fits do not depend on the order requests were read in.
   */
  result(): { groups: [number, ExperimentAccumulator][]; lengths: Float64Array; ttfts: Float64Array; unknown: number; requests: number; loads: string[] } {
    const order = Array.from({ length: this.points }, (_, i) => i).sort((i, j) => this.lengths[i]! - this.lengths[j]! || this.ttfts[i]! - this.ttfts[j]!);
    return {
      groups: [...this.groups.entries()].sort(([a], [b]) => a - b),
      lengths: Float64Array.from(order, (i) => this.lengths[i]!),
      ttfts: Float64Array.from(order, (i) => this.ttfts[i]!),
      unknown: this.unknown,
      requests: this.requests,
      loads: [...this.loads].sort(),
    };
  }
}

export interface SweepPoint {
  length: number;
  requests: RequestCounts;
  responses: ResponseCounts;
  /** The catalogue's sweep metrics (metrics/catalogue.ts SWEEP_METRICS). */
  metrics: { [K in SweepMetric]: Distribution };
  /** Requests of this length meeting --slo, or null without --slo. */
  goodput: Goodput | null;
}

export interface PrefillFit {
  unit: LengthUnit;
  /** Requests the fit used (one point each). */
  points: number;
  lengths: number;
  intercept_ns: number;
  slope_ns_per_unit: number;
  r2: number;
  residual_std_ns: number;
  /** 1 / slope: prompt units processed per second of prefill. */
  prefill_units_per_s: number | null;
  quadratic: { intercept_ns: number; slope_ns_per_unit: number; quadratic_ns_per_unit2: number; r2: number; residual_std_ns: number } | null;
  /** True when the quadratic term materially improves the fit (docs/METRICS.md). */
  quadratic_preferred: boolean;
}

export interface DecodeFit {
  unit: LengthUnit;
  lengths: number;
  intercept_ns: number;
  slope_ns_per_unit: number;
  r2: number;
  residual_std_ns: number;
  growth_ns_per_1000_units: number;
  /** Growth per 1,000 units as a percentage of the intercept. */
  growth_percent_per_1000_units: number | null;
}

export interface SweepOutlier {
  metric: 'time_to_first_token' | 'token_to_token_latency';
  length: number;
  /** Mean minus the fitted value at this length. */
  residual_ns: number;
}

export interface SweepSummary {
  length_by: LengthBy;
  unit: LengthUnit;
  bucket: number | null;
  tokenizer: string | null;
  requests: number;
  requests_without_length: number;
  load_levels: string[];
  points: SweepPoint[];
  fits: { time_to_first_token: PrefillFit | null; token_to_token_latency: DecodeFit | null };
  outliers: SweepOutlier[];
  /** With --slo: the largest prompt length whose goodput fraction reaches --slo-target (sweep/slo-capacity.ts). */
  slo_capacity: SloCapacity | null;
}

export interface SweepDescription {
  by: LengthBy;
  unit: LengthUnit;
  bucket: number | null;
  tokenizer: string | null;
  /** --slo-target: the goodput fraction a prompt length must reach. @default 0.9 */
  sloTarget?: number;
}

/** Standard error of a distribution's mean, std / √n. */
function standardError(d: Distribution): number {
  return d.count > 0 && d.std !== null ? d.std / Math.sqrt(d.count) : 0;
}

export function summarizeSweep(sink: SweepSink, d: SweepDescription): { sweep: SweepSummary; warnings: string[] } {
  const r = sink.result();
  const warnings: string[] = [];
  const points: SweepPoint[] = r.groups.map(([length, acc]) => {
    const s = acc.summary({ index: 0, mode: null, value: null, windows: null, requests: 0 });
    return {
      length,
      requests: s.requests,
      responses: s.responses,
      metrics: Object.fromEntries(SWEEP_METRICS.map((key) => [key, s.metrics[key]])) as SweepPoint['metrics'],
      goodput: s.goodput,
    };
  });

  const unit = d.unit;
  const outlying: SweepOutlier[] = [];
  let prefill: PrefillFit | null = null;
  const lin = linearFit(r.lengths, r.ttfts);
  if (lin !== null) {
    const quad = quadraticFit(r.lengths, r.ttfts);
    const preferred = quad !== null && quadraticMatters(lin, quad);
    prefill = {
      unit,
      points: lin.n,
      lengths: points.filter((p) => p.metrics.time_to_first_token.count > 0).length,
      intercept_ns: lin.intercept,
      slope_ns_per_unit: lin.slope,
      r2: lin.r2,
      residual_std_ns: lin.residualStd,
      prefill_units_per_s: lin.slope > 0 ? 1e9 / lin.slope : null,
      quadratic:
        quad === null
          ? null
          : { intercept_ns: quad.intercept, slope_ns_per_unit: quad.slope, quadratic_ns_per_unit2: quad.quadratic, r2: quad.r2, residual_std_ns: quad.residualStd },
      quadratic_preferred: preferred,
    };
    const fitted = (x: number): number => (preferred && quad !== null ? quad.intercept + quad.slope * x + quad.quadratic * x * x : lin.intercept + lin.slope * x);
    const withTtft = points.filter((p) => p.metrics.time_to_first_token.mean !== null);
    const residuals = withTtft.map((p) => p.metrics.time_to_first_token.mean! - fitted(p.length));
    for (const i of outliers(residuals, withTtft.map((p) => standardError(p.metrics.time_to_first_token)))) outlying.push({ metric: 'time_to_first_token', length: withTtft[i]!.length, residual_ns: residuals[i]! });
  }

  let decode: DecodeFit | null = null;
  const withGaps = points.filter((p) => p.metrics.token_to_token_latency.count > 0);
  const dl = weightedLinearFit(
    withGaps.map((p) => p.length),
    withGaps.map((p) => p.metrics.token_to_token_latency.mean!),
    withGaps.map((p) => p.metrics.token_to_token_latency.count),
  );
  if (dl !== null) {
    decode = {
      unit,
      lengths: withGaps.length,
      intercept_ns: dl.intercept,
      slope_ns_per_unit: dl.slope,
      r2: dl.r2,
      residual_std_ns: dl.residualStd,
      growth_ns_per_1000_units: dl.slope * 1000,
      growth_percent_per_1000_units: dl.intercept > 0 ? (100 * dl.slope * 1000) / dl.intercept : null,
    };
    const residuals = withGaps.map((p) => p.metrics.token_to_token_latency.mean! - (dl.intercept + dl.slope * p.length));
    for (const i of outliers(residuals, withGaps.map((p) => standardError(p.metrics.token_to_token_latency)))) outlying.push({ metric: 'token_to_token_latency', length: withGaps[i]!.length, residual_ns: residuals[i]! });
  }

  const withSlo = points.filter((p) => p.goodput !== null);
  const capacity = withSlo.length === 0 ? null : sloCapacity(withSlo.map((p) => ({ length: p.length, met: p.goodput!.met, requests: p.goodput!.requests })), d.sloTarget ?? 0.9);
  const lengths = points.length;
  if (lengths < 3) warnings.push(`sweep: ${lengths} prompt length${lengths === 1 ? '' : 's'} found; a fit needs at least 3 to mean much`);
  if (r.unknown > 0) warnings.push(`sweep: ${r.unknown} request${r.unknown === 1 ? '' : 's'} without a known prompt length left out (--length-by ${d.by})`);
  for (const o of outlying) {
    warnings.push(`sweep: outlier at ${o.length} ${unit}: mean ${o.metric} ${(o.residual_ns / 1e6).toFixed(3)} ms ${o.residual_ns > 0 ? 'above' : 'below'} the fit`);
  }
  if (r.loads.length > 1) warnings.push(`sweep: requests from ${r.loads.length} load levels are pooled (${r.loads.join(', ')})`);

  return {
    sweep: {
      length_by: d.by,
      unit,
      bucket: d.bucket,
      tokenizer: d.tokenizer,
      requests: r.requests,
      requests_without_length: r.unknown,
      load_levels: r.loads,
      points,
      fits: { time_to_first_token: prefill, token_to_token_latency: decode },
      outliers: outlying,
      slo_capacity: capacity,
    },
    warnings,
  };
}
