/**
 * The mock server's latency law (docs/METRICS.md has the driver's side). Pure: given a prompt
 * length, a context length and the number of active streams, how long until the next response.
 */
import { seeded } from '../records/random.js';

export interface LatencyLaw {
  /** TTFT = prefillBaseMs + prefillPerTokenUs · L + prefillQuadraticNs · L² (L prompt tokens). */
  prefillBaseMs: number;
  prefillPerTokenUs: number;
  prefillQuadraticNs: number;
  /** Gap = decodeGapMs + decodeGrowthNsPerToken · context + batchingUsPerStream · (active streams − 1). */
  decodeGapMs: number;
  decodeGrowthNsPerToken: number;
  batchingUsPerStream: number;
  /** Uniform noise in [0, jitterMs) added to every TTFT and gap; 0 = exact. */
  jitterMs: number;
  seed: number;
}

export const DEFAULT_LAW: LatencyLaw = {
  prefillBaseMs: 20,
  prefillPerTokenUs: 50,
  prefillQuadraticNs: 0,
  decodeGapMs: 10,
  decodeGrowthNsPerToken: 0,
  batchingUsPerStream: 0,
  jitterMs: 0,
  seed: 1,
};

export class LatencyModel {
  private readonly random: () => number;

  constructor(readonly law: LatencyLaw) {
    this.random = seeded(law.seed);
  }

  private jitter(): number {
    return this.law.jitterMs > 0 ? this.random() * this.law.jitterMs * 1e6 : 0;
  }

  /** Time to first token in ns for a prompt of `tokens` tokens. */
  ttftNs(tokens: number): number {
    const l = this.law;
    return l.prefillBaseMs * 1e6 + l.prefillPerTokenUs * 1e3 * tokens + l.prefillQuadraticNs * tokens * tokens + this.jitter();
  }

  /** Gap before the next token in ns, with `context` tokens in the sequence and `active` streams. */
  gapNs(context: number, active: number): number {
    const l = this.law;
    return l.decodeGapMs * 1e6 + l.decodeGrowthNsPerToken * context + l.batchingUsPerStream * 1e3 * Math.max(0, active - 1) + this.jitter();
  }
}

/** The law in one line, as a user reads it (palens capture --mock prints the law it ran against). */
export function describeLaw(l: LatencyLaw): string {
  const terms = (parts: [number, string][]): string => parts.filter(([v], i) => i === 0 || v !== 0).map(([v, t]) => `${v}${t}`).join(' + ');
  const ttft = terms([
    [l.prefillBaseMs, ' ms'],
    [l.prefillPerTokenUs, ' µs × prompt tokens'],
    [l.prefillQuadraticNs, ' ns × prompt tokens²'],
  ]);
  const gap = terms([
    [l.decodeGapMs, ' ms'],
    [l.decodeGrowthNsPerToken, ' ns × context tokens'],
    [l.batchingUsPerStream, ' µs × other active streams'],
  ]);
  return `TTFT = ${ttft}; gap = ${gap}${l.jitterMs > 0 ? `; jitter up to ${l.jitterMs} ms` : ''}`;
}
