/**
 * The clock captures use: monotonic (performance.now), anchored once to the wall clock, so that
 * every stamp is a double offset in ns from the anchor (no BigInt, no allocation per stamp) and
 * still converts exactly to ns since the Unix epoch for the export.
 */
export interface Clock {
  /** ns since the anchor (monotonic; fractional ns possible). */
  nowNs(): number;
  /** ns since the Unix epoch of an offset, rounded to whole ns, as an exact decimal string. */
  epochNs(offsetNs: number): string;
  readonly name: string;
}

export class MonotonicClock implements Clock {
  readonly name = 'performance.now, anchored to the wall clock once';
  private readonly anchorPerfMs: number;
  private readonly anchorSec: number;
  private readonly anchorNsec: number;

  constructor() {
    this.anchorPerfMs = performance.now();
    // timeOrigin + now is wall time in ms with sub-µs resolution: good enough for the anchor.
    const wallMs = performance.timeOrigin + this.anchorPerfMs;
    const sec = Math.floor(wallMs / 1000);
    this.anchorSec = sec;
    this.anchorNsec = Math.round((wallMs - sec * 1000) * 1e6);
  }

  nowNs(): number {
    return (performance.now() - this.anchorPerfMs) * 1e6;
  }

  epochNs(offsetNs: number): string {
    return formatEpoch(this.anchorSec, this.anchorNsec, Math.round(offsetNs));
  }
}

/** sec·1e9 + nsec + offset as a decimal string, exactly (all parts below 2^53). */
export function formatEpoch(sec: number, nsec: number, offsetNs: number): string {
  const total = nsec + offsetNs;
  const carry = Math.floor(total / 1e9);
  const rest = total - carry * 1e9;
  return `${sec + carry}${String(rest).padStart(9, '0')}`;
}

/**
 * A stamp per event-loop turn: the first call in a turn reads `nowNs`, later calls in the same
 * turn return that reading. Messages that reach JS in one turn came in the same socket read
 * (nghttp2 parses a read in one go), so they were all there at the first one's moment; stamping
 * each when its turn in the queue comes would add the processing of every message before it.
 */
export function turnStamper(nowNs: () => number): () => number {
  let stamp = -1;
  const endTurn = (): void => {
    stamp = -1;
  };
  return () => {
    if (stamp < 0) {
      stamp = nowNs();
      setImmediate(endTurn);
    }
    return stamp;
  };
}
