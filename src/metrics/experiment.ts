/**
 * Per-experiment metrics from a stream of RequestRecords. Every formula here is written in
 * docs/METRICS.md under the same name.
 */
import type { ExperimentInfo, RequestRecord } from '../records/record.js';
import { type Distribution, summarize } from './distribution.js';
import type { FigureSamples } from './figures.js';
import { ExactSample, type SampleState } from './samples.js';
import { type Goodput, goodput, meetsSlo, type RequestValues, type Slo } from './slo.js';
import { PositionGaps, type PositionStat } from './positions.js';

export interface MetricOptions {
  /** Keep empty responses' timestamps (as naive scripts do) instead of dropping them. */
  keepEmptyResponses: boolean;
  percentiles: readonly number[];
  /** Values each pooled sample stages before bucketing (metrics/samples.ts); smaller when many groups are held. */
  stageValues?: number;
  /** Bounds for goodput (metrics/slo.ts), when the user gave --slo. */
  slo?: Slo;
}

export interface Rate {
  unit: string;
  value: number | null;
}

export interface ExperimentMetrics {
  time_to_first_token: Distribution;
  token_to_token_latency: Distribution;
  inter_token_latency: Distribution;
  request_latency: Distribution;
  output_responses: Distribution;
  prompt_words: Distribution;
  prompt_chars: Distribution;
  time_to_second_token: Distribution;
  output_token_throughput_per_request: Distribution;
  request_throughput: Rate;
  output_response_throughput: Rate;
}

/** Names of the distribution metrics, in report order. */
export const DISTRIBUTION_METRICS = [
  'time_to_first_token',
  'token_to_token_latency',
  'inter_token_latency',
  'request_latency',
  'output_responses',
  'prompt_words',
  'prompt_chars',
  'time_to_second_token',
  'output_token_throughput_per_request',
] as const;
export type DistributionMetric = (typeof DISTRIBUTION_METRICS)[number];
export const RATE_METRICS = ['request_throughput', 'output_response_throughput'] as const;

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
}

export interface ResponseCounts {
  total: number;
  /** Responses that carried no output. */
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
  metrics: ExperimentMetrics;
  /** Requests meeting the --slo bounds (metrics/slo.ts), or null without --slo. */
  goodput: Goodput | null;
  /** The gap before output response k (k = 1 …), over requests with every gap known (metrics/positions.ts). */
  inter_token_latency_by_position: PositionStat[];
}

/** An accumulator as plain data, to cross a worker boundary. */
export interface AccumulatorState {
  counters: { total: number; completed: number; noResponse: number; onlyEmpty: number; badStatus: number; responses: number; empty: number; used: number; sloMet: number };
  firstSend: number;
  lastResponse: number;
  samples: Record<'ttft' | 'latency' | 'itl' | 'outputs' | 'words' | 'chars' | 'gaps' | 'ttst' | 'tps', SampleState>;
  positions: SampleState[];
}

const SAMPLE_NAMES = ['ttft', 'latency', 'itl', 'outputs', 'words', 'chars', 'gaps', 'ttst', 'tps'] as const;

/** The buffers under accumulator states, to transfer them to another thread rather than copy them. */
export function stateBuffers(states: readonly AccumulatorState[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const state of states) {
    for (const s of Object.values(state.samples)) {
      out.add(s.stage.buffer as ArrayBuffer);
      out.add(s.floats.buffer as ArrayBuffer);
      for (const b of s.buckets) for (const a of [b.dense, b.low]) if (a !== null) out.add(a.buffer as ArrayBuffer);
    }
    for (const s of state.positions) {
      out.add(s.stage.buffer as ArrayBuffer);
      out.add(s.floats.buffer as ArrayBuffer);
      for (const b of s.buckets) for (const a of [b.dense, b.low]) if (a !== null) out.add(a.buffer as ArrayBuffer);
    }
  }
  return [...out];
}

export class ExperimentAccumulator {
  private readonly ttft: ExactSample;
  private readonly latency: ExactSample;
  private readonly itl = new ExactSample(false);
  private readonly outputs: ExactSample;
  private readonly words: ExactSample;
  private readonly chars: ExactSample;
  private readonly gaps: ExactSample;
  /** Second used response − first, per request with every gap known. */
  private readonly ttst: ExactSample;
  /** Output tokens / request latency (s), per request whose source counted tokens. */
  private readonly tps = new ExactSample(false);
  private readonly positions = new PositionGaps();
  private sloMet = 0;
  /** The per-request values of the last completed request added (what compare/ resamples, what --slo judges). */
  readonly last: RequestValues = { time_to_first_token: NaN, time_to_second_token: NaN, inter_token_latency: NaN, request_latency: NaN, output_token_throughput_per_request: NaN, output_responses: NaN };
  private total = 0;
  private completed = 0;
  private noResponse = 0;
  private onlyEmpty = 0;
  private badStatus = 0;
  private responses = 0;
  private empty = 0;
  private used = 0;
  private firstSend = Infinity;
  private lastResponse = -Infinity;

  constructor(private readonly options: MetricOptions) {
    const stage = options.stageValues;
    this.ttft = new ExactSample(true, stage);
    this.latency = new ExactSample(true, stage);
    this.outputs = new ExactSample(true, stage);
    this.words = new ExactSample(true, stage);
    this.chars = new ExactSample(true, stage);
    this.gaps = new ExactSample(true, stage);
    this.ttst = new ExactSample(true, stage);
  }

  /** Adds one request; returns its time to first token in ns, or NaN when it failed. */
  add(r: RequestRecord): number {
    this.total++;
    if (r.sendNs < this.firstSend) this.firstSend = r.sendNs;
    if (r.status !== null && r.status !== 'ok') {
      // The source says it failed: its responses, if any, enter no statistic.
      this.badStatus++;
      this.responses += r.responseCount;
      return NaN;
    }
    // Responses the source counted but did not time (GuideLLM): no gap of this request is known.
    const untimed = r.untimedResponses ?? 0;
    const flags = r.responseEmpty;
    const ns = r.responseNs;
    const keepAll = this.options.keepEmptyResponses || flags === null;
    let n = 0;
    let first = 0;
    let second = NaN;
    let prev = 0;
    for (let k = 0; k < r.responseCount; k++) {
      if (flags !== null && flags[k] === 1) {
        this.empty++;
        if (!keepAll) continue;
      }
      const t = ns[k]!;
      if (n === 0) first = t;
      else if (untimed === 0) {
        this.gaps.add(t - prev);
        this.positions.add(n, t - prev);
        if (n === 1) second = t;
      }
      prev = t;
      n++;
    }
    if (n > 0) n += untimed;
    this.responses += r.responseCount + untimed;
    this.used += n;
    if (r.promptWords >= 0) {
      this.words.add(r.promptWords);
      this.chars.add(r.promptChars);
    }
    if (r.responseCount === 0) {
      this.noResponse++;
      return NaN;
    }
    if (n === 0) {
      this.onlyEmpty++;
      return NaN;
    }
    this.completed++;
    const ttft = first - r.sendNs;
    this.ttft.add(ttft);
    const end = r.endNs !== undefined && r.endNs > prev ? r.endNs : prev;
    this.latency.add(end - r.sendNs);
    this.outputs.add(n);
    const itl = n > 1 ? (prev - first) / (n - 1) : NaN;
    if (n > 1) this.itl.add(itl);
    const ttst = second - first;
    if (!Number.isNaN(ttst)) this.ttst.add(ttst);
    const latency = end - r.sendNs;
    const tokens = r.outputTokens ?? -1;
    const tps = tokens >= 0 && latency > 0 ? (tokens * 1e9) / latency : NaN;
    if (!Number.isNaN(tps)) this.tps.add(tps);
    const v = this.last;
    v.time_to_first_token = ttft;
    v.time_to_second_token = ttst;
    v.inter_token_latency = itl;
    v.request_latency = latency;
    v.output_token_throughput_per_request = tps;
    v.output_responses = n;
    const slo = this.options.slo;
    if (slo !== undefined && meetsSlo(slo, v)) this.sloMet++;
    if (end > this.lastResponse) this.lastResponse = end;
    return ttft;
  }

  snapshot(): AccumulatorState {
    const samples = {} as AccumulatorState['samples'];
    for (const name of SAMPLE_NAMES) samples[name] = this[name].snapshot();
    return {
      counters: {
        total: this.total,
        completed: this.completed,
        noResponse: this.noResponse,
        onlyEmpty: this.onlyEmpty,
        badStatus: this.badStatus,
        responses: this.responses,
        empty: this.empty,
        used: this.used,
        sloMet: this.sloMet,
      },
      firstSend: this.firstSend,
      lastResponse: this.lastResponse,
      samples,
      positions: this.positions.snapshot(),
    };
  }

  /**
   * Adds another accumulator's requests. `timeShift` converts its times to this one's time base
   * (ns, exact); durations need no conversion.
   */
  merge(state: AccumulatorState, timeShift: number): void {
    const c = state.counters;
    this.total += c.total;
    this.completed += c.completed;
    this.noResponse += c.noResponse;
    this.onlyEmpty += c.onlyEmpty;
    this.badStatus += c.badStatus;
    this.responses += c.responses;
    this.empty += c.empty;
    this.used += c.used;
    this.sloMet += c.sloMet;
    this.positions.merge(state.positions);
    this.firstSend = Math.min(this.firstSend, state.firstSend + timeShift);
    this.lastResponse = Math.max(this.lastResponse, state.lastResponse + timeShift);
    for (const name of SAMPLE_NAMES) this[name].merge(state.samples[name]);
  }

  /** The samples a report draws (metrics/figures.ts), read only. */
  figureSamples(): FigureSamples {
    return { time_to_first_token: this.ttft, token_to_token_latency: this.gaps, inter_token_latency: this.itl, request_latency: this.latency };
  }

  summary(info: ExperimentInfo): ExperimentSummary {
    const p = this.options.percentiles;
    const duration = this.completed > 0 ? this.lastResponse - this.firstSend : null;
    const perSecond = (count: number): number | null => (duration !== null && duration > 0 ? (count * 1e9) / duration : null);
    return {
      index: info.index,
      mode: info.mode,
      value: info.value,
      windows: info.windows,
      requests: {
        total: this.total,
        completed: this.completed,
        failed: this.noResponse + this.onlyEmpty + this.badStatus,
        failed_no_response: this.noResponse,
        failed_only_empty_responses: this.onlyEmpty,
        failed_status: this.badStatus,
        with_prompt: this.words.count,
      },
      responses: {
        total: this.responses,
        empty: this.empty,
        empty_dropped: this.options.keepEmptyResponses ? 0 : this.empty,
        used: this.used,
      },
      duration_ns: duration,
      start_offset_ns: this.total > 0 ? this.firstSend : null,
      metrics: {
        time_to_first_token: summarize(this.ttft, 'ns', p),
        token_to_token_latency: summarize(this.gaps, 'ns', p),
        inter_token_latency: summarize(this.itl, 'ns', p),
        request_latency: summarize(this.latency, 'ns', p),
        output_responses: summarize(this.outputs, 'responses', p),
        prompt_words: summarize(this.words, 'words', p),
        prompt_chars: summarize(this.chars, 'chars', p),
        time_to_second_token: summarize(this.ttst, 'ns', p),
        output_token_throughput_per_request: summarize(this.tps, 'tokens/s', p),
        request_throughput: { unit: 'requests/s', value: perSecond(this.completed) },
        output_response_throughput: { unit: 'responses/s', value: perSecond(this.used) },
      },
      goodput: this.options.slo === undefined ? null : goodput(this.options.slo, this.sloMet, this.total, duration),
      inter_token_latency_by_position: this.positions.summary(),
    };
  }
}
