/**
 * Stores for metric values, kept compact because a pooled metric (every token-to-token gap)
 * has one value per response: 28 million for a 1.2 GB export.
 *
 * - RequestSample: one double per request, sorted at the end.
 * - GapSample: exact integer ns in 1 Mi-entry Uint32Array chunks (4 bytes per gap, no
 *   doubling copies); the rare value ≥ 2^32 ns (4.3 s) goes to an overflow list. Order
 *   statistics come from a two-pass radix selection (top 16 bits, then low 16 bits) instead
 *   of sorting, so no contiguous copy is ever made.
 */
import { sum as kahanSum } from 'simple-statistics';
import { ExactSum } from '../records/time.js';

/** What every sample can tell: enough for count, mean, std, min, max and order statistics. */
export interface Sample {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  mean(): number;
  /** Σ (x − center)², for the standard deviation. */
  squaredDeviations(center: number): number;
  /** The values of the given 0-based ranks in ascending order; ranks must be sorted. */
  ranked(ranks: readonly number[]): number[];
}

/** One value per request (TTFT, latency, …). Integer samples keep an exact sum. */
export class RequestSample implements Sample {
  private values = new Float64Array(256);
  private n = 0;
  private sorted = false;
  private readonly exact: ExactSum | null;
  min = Infinity;
  max = -Infinity;

  /** @param integers true when every value is an exact integer (ns durations, counts). */
  constructor(integers: boolean) {
    this.exact = integers ? new ExactSum() : null;
  }

  get count(): number {
    return this.n;
  }

  add(v: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
    this.sorted = false;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.exact?.add(v);
  }

  mean(): number {
    if (this.exact !== null) return this.exact.divide(this.n);
    return kahanSum(Array.from(this.values.subarray(0, this.n))) / this.n;
  }

  squaredDeviations(center: number): number {
    let s = 0;
    for (let k = 0; k < this.n; k++) {
      const d = this.values[k]! - center;
      s += d * d;
    }
    return s;
  }

  ranked(ranks: readonly number[]): number[] {
    if (!this.sorted) {
      this.values.subarray(0, this.n).sort();
      this.sorted = true;
    }
    return ranks.map((r) => this.values[r]!);
  }
}

const CHUNK = 1 << 20;
const OVERFLOW = 0xffffffff;

/** Non-negative integer ns values pooled over many requests (token-to-token gaps). */
export class GapSample implements Sample {
  private readonly chunks: Uint32Array[] = [];
  private current = new Uint32Array(CHUNK);
  private fill = 0;
  private readonly overflow: number[] = [];
  private readonly sum = new ExactSum();
  private n = 0;
  min = Infinity;
  max = -Infinity;

  get count(): number {
    return this.n;
  }

  /** v: an exact non-negative integer. */
  add(v: number): void {
    if (this.fill === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Uint32Array(CHUNK);
      this.fill = 0;
    }
    if (v >= OVERFLOW) {
      this.overflow.push(v);
      this.current[this.fill++] = OVERFLOW;
    } else this.current[this.fill++] = v;
    this.n++;
    this.sum.add(v);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  mean(): number {
    return this.sum.divide(this.n);
  }

  /** The exact sum of all values. */
  total(): bigint {
    return this.sum.total();
  }

  private forEachChunk(fn: (c: Uint32Array, len: number) => void): void {
    for (const c of this.chunks) fn(c, CHUNK);
    fn(this.current, this.fill);
  }

  squaredDeviations(center: number): number {
    let s = 0;
    this.forEachChunk((c, len) => {
      for (let k = 0; k < len; k++) {
        const v = c[k]!;
        if (v === OVERFLOW) continue;
        const d = v - center;
        s += d * d;
      }
    });
    for (const v of this.overflow) s += (v - center) * (v - center);
    return s;
  }

  ranked(ranks: readonly number[]): number[] {
    const small = this.n - this.overflow.length;
    const out: number[] = new Array<number>(ranks.length);
    const big = ranks.some((r) => r >= small) ? [...this.overflow].sort((a, b) => a - b) : [];
    // Pass 1: histogram of the top 16 bits.
    const high = new Float64Array(65536);
    this.forEachChunk((c, len) => {
      for (let k = 0; k < len; k++) {
        const v = c[k]!;
        if (v !== OVERFLOW) high[v >>> 16]!++;
      }
    });
    // For each rank below `small`, find its high bucket and its rank inside that bucket.
    const bucketOf = new Map<number, Float64Array>();
    const want: { i: number; bucket: number; inner: number }[] = [];
    ranks.forEach((r, i) => {
      if (r >= small) {
        out[i] = big[r - small]!;
        return;
      }
      let acc = 0;
      for (let h = 0; h < 65536; h++) {
        const c = high[h]!;
        if (r < acc + c) {
          want.push({ i, bucket: h, inner: r - acc });
          if (!bucketOf.has(h)) bucketOf.set(h, new Float64Array(65536));
          return;
        }
        acc += c;
      }
    });
    if (want.length === 0) return out;
    // Pass 2: histogram of the low 16 bits inside each wanted bucket.
    const mark = new Uint8Array(65536);
    for (const h of bucketOf.keys()) mark[h] = 1;
    this.forEachChunk((c, len) => {
      for (let k = 0; k < len; k++) {
        const v = c[k]!;
        const h = v >>> 16;
        if (mark[h] && v !== OVERFLOW) bucketOf.get(h)![v & 0xffff]!++;
      }
    });
    for (const w of want) {
      const low = bucketOf.get(w.bucket)!;
      let acc = 0;
      for (let l = 0; l < 65536; l++) {
        acc += low[l]!;
        if (w.inner < acc) {
          out[w.i] = w.bucket * 65536 + l;
          break;
        }
      }
    }
    return out;
  }
}
