/**
 * What `palens compare` keeps of one side: per group (an experiment, or a prompt length in a
 * sweep) the exact summaries, every request's TTFT / latency / inter-token latency, and a seeded
 * uniform sample (reservoir) of at most RESERVOIR token-to-token gaps for the bootstrap.
 */
import type { FigureSamples } from '../metrics/figures.js';
import { ExperimentAccumulator, type ExperimentSummary, type MetricOptions } from '../metrics/experiment.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../records/record.js';
import { seeded } from '../records/random.js';
import { UsedResponses } from '../metrics/used-responses.js';

/** Gaps kept per group for the bootstrap; beyond it the interval is conservative (docs/METRICS.md). */
export const RESERVOIR = 10_000;

export interface GroupValues {
  time_to_first_token: number[];
  request_latency: number[];
  inter_token_latency: number[];
  token_to_token_latency: Float64Array;
}

/**
 * Per-request values under both hypotheses of metrics/used-responses.ts (a candidate empty final
 * kept or left out), chosen once the group's accumulator has decided.
 */
class Group {
  readonly acc: ExperimentAccumulator;
  readonly ttft: number[] = [];
  readonly latency: number[] = [];
  readonly latencyWithoutFinal: number[] = [];
  readonly itl: number[] = [];
  readonly itlWithoutFinal: number[] = [];
  readonly gaps = new Float64Array(RESERVOIR);
  /** 1 where the sampled gap is a candidate final's: filtering a uniform sample by kind leaves a uniform sample of the rest. */
  readonly gapIsFinal = new Uint8Array(RESERVOIR);
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
  private readonly used = new UsedResponses();
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
    // The per-request values are the accumulator's own (metrics/experiment.ts), never recomputed here,
    // under both hypotheses of metrics/used-responses.ts (a candidate final kept or left out).
    const v = g.acc.last;
    const w = g.acc.lastWithoutFinal;
    g.ttft.push(ttft);
    g.latency.push(v.request_latency);
    g.latencyWithoutFinal.push(w.request_latency);
    if (!Number.isNaN(v.inter_token_latency)) g.itl.push(v.inter_token_latency);
    if (!Number.isNaN(w.inter_token_latency)) g.itlWithoutFinal.push(w.inter_token_latency);
    // Gaps: the responses the accumulator used, and none when the source kept no gaps.
    if ((r.untimedResponses ?? 0) > 0) return;
    const u = this.used.select(r, this.options);
    const ns = u.ns;
    const n = u.count;
    const candidate = g.acc.lastHadCandidate;
    for (let k = 1; k < n; k++) this.sampleGap(g, ns[k]! - ns[k - 1]!, candidate && k === n - 1);
  }

  private sampleGap(g: Group, gap: number, isFinal: boolean): void {
    let j = g.gapsSeen;
    if (j >= RESERVOIR) j = Math.floor(this.random() * (g.gapsSeen + 1));
    if (j < RESERVOIR) {
      g.gaps[j] = gap;
      g.gapIsFinal[j] = isFinal ? 1 : 0;
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
    const drop = g.acc.emptyFinals()?.recognised === true;
    const seen = Math.min(g.gapsSeen, RESERVOIR);
    const gaps = drop ? g.gaps.subarray(0, seen).filter((_, j) => g.gapIsFinal[j] === 0) : g.gaps.subarray(0, seen);
    return {
      time_to_first_token: g.ttft,
      request_latency: drop ? g.latencyWithoutFinal : g.latency,
      inter_token_latency: drop ? g.itlWithoutFinal : g.itl,
      token_to_token_latency: gaps,
    };
  }
}
