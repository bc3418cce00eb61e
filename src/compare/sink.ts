/**
 * What `palens compare` keeps of one side: per group (an experiment, or a prompt length in a
 * sweep) the exact summaries, every request's TTFT / latency / inter-token latency, and a seeded
 * uniform sample (reservoir) of at most RESERVOIR token-to-token gaps for the bootstrap.
 */
import type { FigureSamples } from '../metrics/figures.js';
import { ExperimentAccumulator, type ExperimentSummary, type MetricOptions } from '../metrics/experiment.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../records/record.js';
import { seeded } from '../records/random.js';

/** Gaps kept per group for the bootstrap; beyond it the interval is conservative (docs/METRICS.md). */
export const RESERVOIR = 10_000;

export interface GroupValues {
  time_to_first_token: number[];
  request_latency: number[];
  inter_token_latency: number[];
  token_to_token_latency: Float64Array;
}

class Group {
  readonly acc: ExperimentAccumulator;
  readonly ttft: number[] = [];
  readonly latency: number[] = [];
  readonly itl: number[] = [];
  readonly gaps = new Float64Array(RESERVOIR);
  gapsSeen = 0;
  info: ExperimentInfo | null = null;

  constructor(options: MetricOptions) {
    this.acc = new ExperimentAccumulator(options);
  }
}

export class CompareSink implements RecordSink {
  private readonly groups = new Map<number, Group>();
  private readonly random: () => number;
  private keyOf: (r: RequestRecord) => number = (r) => r.experiment;
  private byExperiment = true;
  unknown = 0;
  /** Every experiment's load ("concurrency 4"), in the order read: what the configuration check compares. */
  readonly loads: (string | null)[] = [];

  constructor(
    private readonly options: MetricOptions,
    seed: number,
  ) {
    this.random = seeded(seed);
  }

  /** Group by this key from now on (a prompt length in a sweep); -1 means unknown. */
  groupBy(keyOf: (r: RequestRecord) => number): void {
    this.keyOf = keyOf;
    this.byExperiment = false;
  }

  record(r: RequestRecord): void {
    const key = this.keyOf(r);
    if (key < 0) {
      this.unknown++;
      return;
    }
    let g = this.groups.get(key);
    if (g === undefined) {
      g = new Group(this.options);
      this.groups.set(key, g);
    }
    const ttft = g.acc.add(r);
    if (Number.isNaN(ttft)) return;
    // The per-request values are the accumulator's own (metrics/experiment.ts), never recomputed here.
    const v = g.acc.last;
    g.ttft.push(ttft);
    g.latency.push(v.request_latency);
    if (!Number.isNaN(v.inter_token_latency)) g.itl.push(v.inter_token_latency);
    // Gaps: the same responses the accumulator used (empty ones only when kept), and none when the source kept no gaps.
    if ((r.untimedResponses ?? 0) > 0) return;
    const keep = this.options.keepEmptyResponses || r.responseEmpty === null;
    let n = 0;
    let prev = 0;
    for (let k = 0; k < r.responseCount; k++) {
      if (!keep && r.responseEmpty![k] === 1) continue;
      const t = r.responseNs[k]!;
      if (n > 0) this.sampleGap(g, t - prev);
      prev = t;
      n++;
    }
  }

  private sampleGap(g: Group, gap: number): void {
    if (g.gapsSeen < RESERVOIR) g.gaps[g.gapsSeen] = gap;
    else {
      const j = Math.floor(this.random() * (g.gapsSeen + 1));
      if (j < RESERVOIR) g.gaps[j] = gap;
    }
    g.gapsSeen++;
  }

  experimentEnd(info: ExperimentInfo): void {
    this.loads.push(info.mode === null || info.value === null ? null : `${info.mode} ${info.value}`);
    if (!this.byExperiment) return;
    const g = this.groups.get(info.index);
    if (g !== undefined && g.info === null) g.info = info;
  }

  keys(): number[] {
    return [...this.groups.keys()].sort((a, b) => a - b);
  }

  summary(key: number): ExperimentSummary {
    const g = this.groups.get(key)!;
    return g.acc.summary(g.info ?? { index: key, mode: null, value: null, windows: null, requests: 0 });
  }

  /** The group's exact samples, for a report that draws (metrics/figures.ts). */
  figureSamples(key: number): FigureSamples {
    return this.groups.get(key)!.acc.figureSamples();
  }

  values(key: number): GroupValues {
    const g = this.groups.get(key)!;
    return {
      time_to_first_token: g.ttft,
      request_latency: g.latency,
      inter_token_latency: g.itl,
      token_to_token_latency: g.gaps.subarray(0, Math.min(g.gapsSeen, RESERVOIR)),
    };
  }
}
