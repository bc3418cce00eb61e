/**
 * Inter-token latency by output position: the gap before used response k (k = 1 is the gap between
 * the first and second response), pooled over requests, as a series — how decoding slows as the
 * output (and so the context) grows. Memory is bounded: positions past MAX_POSITIONS share the
 * last entry, and each position's values live in an ExactSample, which stops growing (samples.ts).
 */
import { summarize } from './distribution.js';
import { ExactSample, type SampleState } from './samples.js';

/** Positions kept one by one; later gaps are pooled into the last. */
export const MAX_POSITIONS = 256;
/** Staged values per position before bucketing: small, there are many positions. */
const STAGE = 1 << 12;

export interface PositionStat {
  /** k: the gap between used responses k and k + 1 (1-based); the last entry pools every k ≥ it. */
  position: number;
  count: number;
  /** ns. */
  mean: number;
  p50: number;
  p99: number;
}

export class PositionGaps {
  private readonly samples: ExactSample[] = [];

  private at(k: number): ExactSample {
    const i = Math.min(k, MAX_POSITIONS) - 1;
    while (this.samples.length <= i) this.samples.push(new ExactSample(true, STAGE));
    return this.samples[i]!;
  }

  /** The gap (integer ns) before used response k + 1 (k ≥ 1). */
  add(k: number, gapNs: number): void {
    this.at(k).add(gapNs);
  }

  snapshot(): SampleState[] {
    return this.samples.map((s) => s.snapshot());
  }

  merge(states: readonly SampleState[]): void {
    states.forEach((s, i) => this.at(i + 1).merge(s));
  }

  summary(): PositionStat[] {
    return this.samples.map((s, i) => {
      const d = summarize(s, 'ns', [50, 99]);
      return { position: i + 1, count: d.count, mean: d.mean!, p50: d.percentiles.p50!, p99: d.percentiles.p99! };
    });
  }
}
