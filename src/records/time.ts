/**
 * Exact time. perf_analyzer writes nanoseconds since the Unix epoch (~1.7e18), far above
 * 2^53, so such a number must never become a JS double. A timestamp is split into two exact
 * halves, `sec` (digits above the last nine) and `nsec` (the last nine digits), and every
 * time palens keeps is an offset in ns from one base per file: (sec − baseSec)·1e9 + (nsec − baseNsec).
 * Offsets are exact integers while a file spans less than 2^53 ns (about 104 days); so are
 * differences of offsets (every duration palens derives) while the span stays within 2^53 − 1.
 * TimeBase tracks the span so a reader can refuse a file that leaves it ({@link MAX_SPAN_NS}).
 */

/** The widest span of times in one file for which every offset and every difference is exact. */
export const MAX_SPAN_NS = Number.MAX_SAFE_INTEGER;

const NS_PER_SEC = 1_000_000_000;

export class TimeBase {
  private set = false;
  private baseSec = 0;
  private baseNsec = 0;
  /** Smallest and largest offset seen (the span is hi − lo). */
  lo = 0;
  hi = 0;

  get isSet(): boolean {
    return this.set;
  }

  /** Offset in ns of the time sec·1e9 + nsec; the first time seen becomes the base. */
  offset(sec: number, nsec: number): number {
    if (!this.set) {
      this.set = true;
      this.baseSec = sec;
      this.baseNsec = nsec;
      return 0;
    }
    // Exact while |result| < 2^53; beyond, the span check (hi − lo > MAX_SPAN_NS) sees it once the
    // reader notes it, since rounding is monotone: a true value past 2^53 never rounds back below it.
    return (sec - this.baseSec) * NS_PER_SEC + (nsec - this.baseNsec);
  }

  /**
   * Notes offsets a reader keeps, for the span (a reader calls it with each request's earliest and
   * latest time rather than for every time: it costs the hot loop nothing).
   */
  note(lo: number, hi: number): void {
    if (lo < this.lo) this.lo = lo;
    if (hi > this.hi) this.hi = hi;
  }

  /** True when the times seen span more than {@link MAX_SPAN_NS}: offsets or durations may be inexact. */
  get tooWide(): boolean {
    return this.hi - this.lo > MAX_SPAN_NS;
  }

  /** The absolute ns-since-epoch value of an offset, exactly, as a decimal string. */
  absolute(offsetNs: number): string {
    if (!this.set) throw new Error('TimeBase.absolute before any time was seen');
    const base = BigInt(this.baseSec) * BigInt(NS_PER_SEC) + BigInt(this.baseNsec);
    return (base + BigInt(offsetNs)).toString();
  }
}

/** Splits a decimal string of an unsigned integer into exact (sec, nsec) halves. */
export function splitDecimal(digits: string): { sec: number; nsec: number } {
  if (!/^[0-9]+$/.test(digits)) throw new Error(`not an unsigned integer: ${digits}`);
  const cut = Math.max(0, digits.length - 9);
  return { sec: cut === 0 ? 0 : Number(digits.slice(0, cut)), nsec: Number(digits.slice(cut)) };
}

/**
 * An exact running sum of integers, each below 2^53. Adds stay in a double while the
 * total is far from 2^53 and spill into a BigInt before precision could be lost.
 */
export class ExactSum {
  private small = 0;
  private big = 0n;
  private spilled = false;

  add(v: number): void {
    this.small += v;
    if (this.small > 2 ** 52 || this.small < -(2 ** 52)) {
      this.big += BigInt(this.small);
      this.small = 0;
      this.spilled = true;
    }
  }

  /** Adds a term too large for a double to hold exactly. */
  addBig(v: bigint): void {
    this.big += v;
    this.spilled = true;
  }

  /** The exact total. */
  total(): bigint {
    return this.big + BigInt(this.small);
  }

  /**
   * total / n rounded once to the nearest double when the total is exactly representable,
   * which is what Python's int / int gives (the seed's snippets divide exact integer sums).
   */
  divide(n: number): number {
    return this.spilled ? divideExact(this.total(), n) : this.small / n;
  }

}

/** x / n as the nearest double: one rounding while x is below 2^53 (as Python's int / int), else within one more. */
export function divideExact(x: bigint, n: number): number {
  if (x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(x) / n;
  const q = x / BigInt(n);
  return Number(q) + Number(x - q * BigInt(n)) / n;
}
