/**
 * Per-experiment metrics from a stream of RequestRecords. Every formula here is written in
 * docs/METRICS.md under the same name.
 */
import type { ExperimentInfo, RequestRecord, RequestStatus } from '../records/record.js';
import { DISTRIBUTION_METRICS, type DistributionMetric, metricSpec, type RateMetric } from './catalogue.js';
import { type Distribution, summarize } from './distribution.js';
import type { FigureSamples } from './figures.js';
import { ExactSample, type SampleState } from './samples.js';
import { PositionGaps, type PositionStat } from './positions.js';
import { RequestTimeline, type Timeline, type TimelineState } from './timeline.js';
import { type Goodput, goodput, meetsSlo, type RequestValues, type Slo } from './slo.js';
import { decideEmptyFinals, type EmptyFinalDecision, isFailedStatus, type ResponsePolicy, UsedResponses } from './used-responses.js';

export interface MetricOptions extends ResponsePolicy {
  percentiles: readonly number[];
  /** Values each pooled sample stages before bucketing (metrics/samples.ts); smaller when many groups are held. */
  stageValues?: number;
  /** Bounds for goodput (metrics/slo.ts), when the user gave --slo. */
  slo?: Slo;
  /** Keep requests over time for a report's chart (metrics/timeline.ts). @default false */
  timeline?: boolean;
}

export interface Rate {
  unit: string;
  value: number | null;
}

/** Every metric of an experiment, keyed as the catalogue (metrics/catalogue.ts) names them. */
export type ExperimentMetrics = { [K in DistributionMetric]: Distribution } & { [K in RateMetric]: Rate };

export { DISTRIBUTION_METRICS, RATE_METRICS } from './catalogue.js';
export type { DistributionMetric } from './catalogue.js';

export interface RequestCounts {
  total: number;
  /** Requests with at least one non-empty response. */
  completed: number;
  failed: number;
  /** Requests without any response. */
  failed_no_response: number;
  /** Requests whose every response was empty (only when empty responses are dropped). */
  failed_only_empty_responses: number;
  /** Requests the source marked as not ok (errored, cancelled, timed out; peer tools' records, captures). */
  failed_status: number;
  /** Requests whose prompt text was in the export (for prompt_words / prompt_chars). */
  with_prompt: number;
  /** Failed requests by the status their source gave (a capture's timeouts, cancellations, errors). */
  failed_by_status: Partial<Record<RequestStatus, number>>;
}

export interface ResponseCounts {
  total: number;
  /** Responses that carried no output, and empty finals recognised from timing. */
  empty: number;
  /** Empty responses left out of every metric. */
  empty_dropped: number;
  /** Responses the metrics use. */
  used: number;
}

export interface ExperimentSummary {
  index: number;
  mode: string | null;
  value: number | null;
  windows: number | null;
  requests: RequestCounts;
  responses: ResponseCounts;
  /** Last used response of any request − first request send, ns. */
  duration_ns: number | null;
  /** Send time of the first request, ns from the source's time base. */
  start_offset_ns: number | null;
  /** The timing test for empty finals (sources without outputs), or null when no request needed it. */
  empty_finals: EmptyFinalDecision | null;
  metrics: ExperimentMetrics;
  /** Requests meeting the --slo bounds (metrics/slo.ts), or null without --slo. */
  goodput: Goodput | null;
  /** The gap before output response k (k = 1 …), over requests with every gap known (metrics/positions.ts). */
  inter_token_latency_by_position: PositionStat[];
}

/**
 * Samples an accumulator keeps: one per distribution metric of the catalogue, under its public
 * name, plus the second hypothesis for sources without outputs (metrics/used-responses.ts rule 3):
 * the candidate finals' gaps, and the per-request metrics computed without the candidate final.
 * token_to_token_latency holds every gap but the candidates'; the two are joined when the
 * candidates turn out to be real tokens.
 */
const HYPOTHESIS_SAMPLES = [
  'final_gaps',
  'request_latency_without_final',
  'inter_token_latency_without_final',
  'output_responses_without_final',
  'time_to_second_token_without_final',
  'output_token_throughput_per_request_without_final',
] as const;
type SampleName = DistributionMetric | (typeof HYPOTHESIS_SAMPLES)[number];
const SAMPLE_NAMES: readonly SampleName[] = [...DISTRIBUTION_METRICS, ...HYPOTHESIS_SAMPLES];
const FLOAT_SAMPLES = new Set<SampleName>([
  'inter_token_latency',
  'inter_token_latency_without_final',
  'output_token_throughput_per_request',
  'output_token_throughput_per_request_without_final',
]);

const COUNTERS = ['total', 'completed', 'noResponse', 'onlyEmpty', 'responses', 'empty', 'used', 'sloMet', 'sloMetWithoutFinal'] as const;
type Counter = (typeof COUNTERS)[number];

/** An accumulator as plain data, to cross a worker boundary. Samples never created are absent. */
export interface AccumulatorState {
  counters: Record<Counter, number>;
  failedByStatus: Partial<Record<RequestStatus, number>>;
  firstSend: number;
  lastResponse: number;
  lastResponseWithoutFinal: number;
  samples: Partial<Record<SampleName, SampleState>>;
  /** Gaps by position; the candidate finals' gaps by position apart (one hypothesis each). */
  positions: SampleState[];
  finalPositions: SampleState[];
  /** Requests over time, when kept (MetricOptions.timeline). */
  timeline?: TimelineState;
}

/** The buffers under accumulator states, to transfer them to another thread rather than copy them. */
export function stateBuffers(states: readonly AccumulatorState[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const state of states) {
    for (const s of [...Object.values(state.samples), ...state.positions, ...state.finalPositions]) {
      out.add(s.stage.buffer as ArrayBuffer);
      out.add(s.floats.buffer as ArrayBuffer);
      for (const b of s.buckets) for (const a of [b.dense, b.low]) if (a !== null) out.add(a.buffer as ArrayBuffer);
    }
  }
  // Empty arrays share one constant buffer (metrics/samples.ts): nothing to move, and it must stay usable.
  return [...out].filter((b) => b.byteLength > 0);
}

const NO_SAMPLE = new ExactSample(true);

export class ExperimentAccumulator {
  /** Made on first use: an experiment of one request, or without prompts, holds few (metrics/samples.ts). */
  private readonly samples: Partial<Record<SampleName, ExactSample>> = {};
  private readonly c: Record<Counter, number> = { total: 0, completed: 0, noResponse: 0, onlyEmpty: 0, responses: 0, empty: 0, used: 0, sloMet: 0, sloMetWithoutFinal: 0 };
  private readonly positions = new PositionGaps();
  /** Candidate finals' gaps by position, joined to `positions` when they are real tokens. */
  private readonly finalPositions = new PositionGaps();
  private readonly timeline: RequestTimeline | null;
  private readonly failedByStatus: Partial<Record<RequestStatus, number>> = {};
  /**
   * The per-request values of the last completed request added, with and without its candidate
   * final, and whether it had one (what compare/ resamples; what --slo judges).
   */
  readonly last: RequestValues = emptyValues();
  readonly lastWithoutFinal: RequestValues = emptyValues();
  lastHadCandidate = false;
  private firstSend = Infinity;
  private lastResponse = -Infinity;
  private lastResponseWithoutFinal = -Infinity;
  private readonly used = new UsedResponses();

  constructor(private readonly options: MetricOptions) {
    this.timeline = options.timeline === true ? new RequestTimeline() : null;
  }

  private sample(name: SampleName): ExactSample {
    return (this.samples[name] ??= new ExactSample(!FLOAT_SAMPLES.has(name), this.options.stageValues));
  }

  /** A sample to read; an empty one when it was never made. */
  private read(name: SampleName): ExactSample {
    return this.samples[name] ?? NO_SAMPLE;
  }

  /** Adds one request; returns its time to first token in ns, or NaN when it failed. */
  add(r: RequestRecord): number {
    const c = this.c;
    c.total++;
    c.responses += r.responseCount;
    if (r.sendNs < this.firstSend) this.firstSend = r.sendNs;
    if (r.promptWords >= 0) {
      this.sample('prompt_words').add(r.promptWords);
      // A request in flight when its capture was cut short has its words (the sidecar's) but no text.
      if (r.promptChars >= 0) this.sample('prompt_chars').add(r.promptChars);
    }
    if (isFailedStatus(r.status)) {
      this.failedByStatus[r.status!] = (this.failedByStatus[r.status!] ?? 0) + 1;
      return NaN;
    }
    const u = this.used.select(r, this.options);
    // Responses the source counted but did not time (GuideLLM): no gap of this request is known.
    const untimed = r.untimedResponses ?? 0;
    c.empty += u.empty;
    const timed = u.count;
    const n = timed > 0 ? timed + untimed : 0;
    c.responses += untimed;
    c.used += n;
    if (r.responseCount === 0) {
      c.noResponse++;
      return NaN;
    }
    if (n === 0) {
      c.onlyEmpty++;
      return NaN;
    }
    c.completed++;
    const ns = u.ns;
    const first = ns[0]!;
    const prev = ns[timed - 1]!;
    const ttft = first - r.sendNs;
    this.sample('time_to_first_token').add(ttft);
    // A candidate final needs timed gaps and no end of its own (peer tools' records have both facts).
    const candidate = u.lastIsCandidate && untimed === 0 && r.endNs === undefined;
    this.lastHadCandidate = candidate;
    // Every gap but a candidate final's; that one is kept apart until the experiment is decided.
    const gapsEnd = candidate ? timed - 1 : timed;
    if (untimed === 0 && gapsEnd > 1) {
      const gaps = this.sample('token_to_token_latency');
      for (let k = 1; k < gapsEnd; k++) {
        gaps.add(ns[k]! - ns[k - 1]!);
        this.positions.add(k, ns[k]! - ns[k - 1]!);
      }
    }
    const end = r.endNs !== undefined && r.endNs > prev ? r.endNs : prev;
    if (end > this.lastResponse) this.lastResponse = end;
    this.perRequest(r, first, untimed === 0 && timed >= 2 ? ns[1]! : NaN, prev, end, n, '');
    // The same request without its candidate final (identical when it has none).
    if (candidate) {
      const gap = prev - ns[timed - 2]!;
      this.sample('final_gaps').add(gap);
      this.finalPositions.add(timed - 1, gap);
    }
    const m = candidate ? n - 1 : n;
    const endWithout = candidate ? ns[timed - 2]! : end;
    this.timeline?.add(r.sendNs, ttft, end - r.sendNs, endWithout - r.sendNs);
    if (endWithout > this.lastResponseWithoutFinal) this.lastResponseWithoutFinal = endWithout;
    this.perRequest(r, first, untimed === 0 && m >= 2 ? ns[1]! : NaN, candidate ? endWithout : prev, endWithout, m, '_without_final');
    return ttft;
  }

  /**
   * The per-request metrics of one request under one hypothesis (suffix '' or '_without_final'):
   * `second` its second used response (NaN when none or untimed), `lastTimed` its last timed response,
   * `end` its end (a peer tool's own end when later), `n` its used responses.
   */
  private perRequest(r: RequestRecord, first: number, second: number, lastTimed: number, end: number, n: number, suffix: '' | '_without_final'): void {
    const latency = end - r.sendNs;
    this.sample(`request_latency${suffix}`).add(latency);
    this.sample(`output_responses${suffix}`).add(n);
    const itl = n > 1 ? (lastTimed - first) / (n - 1) : NaN;
    if (n > 1) this.sample(`inter_token_latency${suffix}`).add(itl);
    const ttst = second - first;
    if (!Number.isNaN(ttst)) this.sample(`time_to_second_token${suffix}`).add(ttst);
    const tokens = r.outputTokens ?? -1;
    const tps = tokens >= 0 && latency > 0 ? (tokens * 1e9) / latency : NaN;
    if (!Number.isNaN(tps)) this.sample(`output_token_throughput_per_request${suffix}`).add(tps);
    const v = suffix === '' ? this.last : this.lastWithoutFinal;
    v.time_to_first_token = first - r.sendNs;
    v.time_to_second_token = ttst;
    v.inter_token_latency = itl;
    v.request_latency = latency;
    v.output_token_throughput_per_request = tps;
    v.output_responses = n;
    const slo = this.options.slo;
    if (slo !== undefined && meetsSlo(slo, v)) this.c[suffix === '' ? 'sloMet' : 'sloMetWithoutFinal']++;
  }

  snapshot(): AccumulatorState {
    const samples: AccumulatorState['samples'] = {};
    for (const name of SAMPLE_NAMES) {
      const s = this.samples[name];
      if (s !== undefined) samples[name] = s.snapshot();
    }
    return {
      counters: { ...this.c },
      failedByStatus: { ...this.failedByStatus },
      firstSend: this.firstSend,
      lastResponse: this.lastResponse,
      lastResponseWithoutFinal: this.lastResponseWithoutFinal,
      samples,
      positions: this.positions.snapshot(),
      finalPositions: this.finalPositions.snapshot(),
      ...(this.timeline ? { timeline: this.timeline.snapshot() } : {}),
    };
  }

  /**
   * Adds another accumulator's requests. `timeShift` converts its times to this one's time base
   * (ns, exact); durations need no conversion.
   */
  merge(state: AccumulatorState, timeShift: number): void {
    for (const k of COUNTERS) this.c[k] += state.counters[k];
    for (const [status, n] of Object.entries(state.failedByStatus) as [RequestStatus, number][]) this.failedByStatus[status] = (this.failedByStatus[status] ?? 0) + n;
    this.firstSend = Math.min(this.firstSend, state.firstSend + timeShift);
    this.lastResponse = Math.max(this.lastResponse, state.lastResponse + timeShift);
    this.lastResponseWithoutFinal = Math.max(this.lastResponseWithoutFinal, state.lastResponseWithoutFinal + timeShift);
    this.positions.merge(state.positions);
    this.finalPositions.merge(state.finalPositions);
    if (state.timeline) this.timeline?.merge(state.timeline, timeShift);
    for (const name of SAMPLE_NAMES) {
      const s = state.samples[name];
      if (s !== undefined) this.sample(name).merge(s);
    }
  }

  /** Bytes held by this accumulator's samples (lazily made, so a small experiment holds little). */
  bytes(): number {
    let total = 0;
    for (const s of Object.values(this.samples)) total += s.bytes();
    return total;
  }

  /** The timing test on this experiment's candidate finals, or null when it had none to test. */
  emptyFinals(): EmptyFinalDecision | null {
    const finals = this.read('final_gaps');
    return finals.count === 0 ? null : decideEmptyFinals(finals, this.read('token_to_token_latency'));
  }

  /** The samples a report draws (metrics/figures.ts), read only. */
  figureSamples(): FigureSamples {
    const s = this.decided(this.emptyFinals()?.recognised === true);
    return { time_to_first_token: s.time_to_first_token, token_to_token_latency: s.token_to_token_latency, inter_token_latency: s.inter_token_latency, request_latency: s.request_latency };
  }

  /** Requests over time under the decided hypothesis, or null when not kept (MetricOptions.timeline). */
  timelinePoints(): Timeline | null {
    return this.timeline?.points(this.emptyFinals()?.recognised === true) ?? null;
  }

  /** The gaps by output position under the decided hypothesis, as summary() gives them (for a report's figures). */
  positionStats(): PositionStat[] {
    return this.emptyFinals()?.recognised === true ? this.positions.summary() : joinedPositions(this.positions, this.finalPositions).summary();
  }

  summary(info: ExperimentInfo): ExperimentSummary {
    const decision = this.emptyFinals();
    const drop = decision?.recognised === true;
    const dropped = drop ? decision.candidates : 0;
    const lastResponse = drop ? this.lastResponseWithoutFinal : this.lastResponse;
    const c = this.c;
    const duration = c.completed > 0 ? lastResponse - this.firstSend : null;
    const perSecond = (count: number): number | null => (duration !== null && duration > 0 ? (count * 1e9) / duration : null);
    const statusFailed = Object.values(this.failedByStatus).reduce((a, b) => a + b, 0);
    const flaggedDropped = this.options.keepEmptyResponses ? 0 : c.empty;
    return {
      index: info.index,
      mode: info.mode,
      value: info.value,
      windows: info.windows,
      requests: {
        total: c.total,
        completed: c.completed,
        failed: c.noResponse + c.onlyEmpty + statusFailed,
        failed_no_response: c.noResponse,
        failed_only_empty_responses: c.onlyEmpty,
        failed_status: statusFailed,
        with_prompt: this.read('prompt_words').count,
        failed_by_status: { ...this.failedByStatus },
      },
      responses: {
        total: c.responses,
        empty: c.empty + dropped,
        empty_dropped: flaggedDropped + dropped,
        used: c.used - dropped,
      },
      duration_ns: duration,
      start_offset_ns: Number.isFinite(this.firstSend) ? this.firstSend : null,
      empty_finals: decision,
      metrics: this.metrics(drop, perSecond, c.used - dropped),
      goodput: this.options.slo === undefined ? null : goodput(this.options.slo, drop ? c.sloMetWithoutFinal : c.sloMet, c.total, duration),
      inter_token_latency_by_position: this.positionStats(),
    };
  }

  /** The sample of each metric under a hypothesis: candidate finals left out (drop) or kept. */
  private decided(drop: boolean): Record<DistributionMetric, ExactSample> {
    return {
      time_to_first_token: this.read('time_to_first_token'),
      token_to_token_latency: drop ? this.read('token_to_token_latency') : joined(this.read('token_to_token_latency'), this.read('final_gaps')),
      inter_token_latency: this.read(drop ? 'inter_token_latency_without_final' : 'inter_token_latency'),
      request_latency: this.read(drop ? 'request_latency_without_final' : 'request_latency'),
      output_responses: this.read(drop ? 'output_responses_without_final' : 'output_responses'),
      prompt_words: this.read('prompt_words'),
      prompt_chars: this.read('prompt_chars'),
      time_to_second_token: this.read(drop ? 'time_to_second_token_without_final' : 'time_to_second_token'),
      output_token_throughput_per_request: this.read(drop ? 'output_token_throughput_per_request_without_final' : 'output_token_throughput_per_request'),
    };
  }

  /** Every metric of the catalogue under the decided hypothesis: distributions from their samples, rates over the duration. */
  private metrics(drop: boolean, perSecond: (count: number) => number | null, used: number): ExperimentMetrics {
    const p = this.options.percentiles;
    const source = this.decided(drop);
    const out = {} as Record<string, Distribution | Rate>;
    for (const key of DISTRIBUTION_METRICS) out[key] = summarize(source[key], metricSpec(key).unit, p);
    const rates: Record<RateMetric, number> = { request_throughput: this.c.completed, output_response_throughput: used };
    for (const [key, count] of Object.entries(rates) as [RateMetric, number][]) out[key] = { unit: metricSpec(key).unit, value: perSecond(count) };
    return out as ExperimentMetrics;
  }
}

/** a ∪ b as a new sample (exact: samples merge without loss); a itself when b is empty. */
function joined(a: ExactSample, b: ExactSample): ExactSample {
  if (b.count === 0) return a;
  const out = new ExactSample(true);
  out.merge(a.snapshot());
  out.merge(b.snapshot());
  return out;
}

/** Gaps by position with the candidate finals' gaps joined in (exact, as joined). */
function joinedPositions(a: PositionGaps, finals: PositionGaps): PositionGaps {
  const out = new PositionGaps();
  out.merge(a.snapshot());
  out.merge(finals.snapshot());
  return out;
}

function emptyValues(): RequestValues {
  return { time_to_first_token: NaN, time_to_second_token: NaN, inter_token_latency: NaN, request_latency: NaN, output_token_throughput_per_request: NaN, output_responses: NaN };
}
