/**
 * The store behind every distribution: exact order statistics in memory that stops growing.
 *
 * A pooled metric has one value per response (28 million token-to-token gaps in a 1.2 GB
 * export), so keeping every value costs memory in proportion to the file. Instead values go into
 * buckets of 65,536 ns (the value's bits above the low 16). A bucket starts sparse, holding each
 * value's low 16 bits in a Uint16Array (2 bytes a value); once it holds 131,072 values it turns
 * dense: a count for each of its 65,536 possible values (256 KiB, never more). Latencies cluster,
 * so a long run fills a few dense buckets and memory stays flat however large the file; order
 * statistics, sums, minimum and maximum stay exact because a dense bucket still knows how often
 * each ns value occurred. They are computed once, at the end, from the buckets, which keeps the
 * per-value work to a lookup and an increment (bench/analyze.ts).
 *
 * Non-integer samples (inter-token latency is a quotient) keep their full values in sparse
 * buckets; a bucket that turns dense counts ⌊value⌋, so its percentiles are then exact to 1 ns
 * (docs/METRICS.md). Their mean is a compensated running sum.
 */

/** What every sample can tell: enough for count, mean, std, min, max and order statistics. */
export interface Sample {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  mean(): number;
  /** Σ (x − center)², for the standard deviation. */
  squaredDeviations(center: number): number;
  /** The values of the given 0-based ranks (ascending order); ranks must be sorted. */
  ranked(ranks: readonly number[]): number[];
}

/** A sample as plain data, to cross a worker boundary. */
export interface SampleState {
  n: number;
  floatSum: number;
  floatCompensation: number;
  stage: Uint32Array;
  buckets: { key: number; n: number; dense: Uint32Array | null; low: Uint16Array | null; full: Float64Array | null }[];
}

interface Summary {
  min: number;
  max: number;
  sum: bigint;
  shift: number;
  s1: number;
  s2: number;
}

const WIDTH = 65536;
const INV_WIDTH = 1 / WIDTH;
/** Keys below this index an array; larger values (≥ 2^32, 4.3 s in ns) use a Map. */
const DIRECT_KEYS = 65536;
const DENSE_AT_INT = 32768;
const DENSE_AT_FLOAT = 32768;
/** Staged values before they move into buckets: 4 Mi values, 16 MiB. */
const STAGE_MAX = 1 << 22;
const STAGE_LIMIT = 2 ** 32;
const NO_U32 = new Uint32Array(0);
const NO_U16 = new Uint16Array(0);
const NO_F64 = new Float64Array(0);

/** Fields start as empty arrays, never null, so that every bucket has one shape. */
class Bucket {
  n = 0;
  isDense = false;
  /** Occurrences of each value base + j (base + ⌊v⌋ for non-integers) once dense. */
  dense: Uint32Array = NO_U32;
  /** Low 16 bits of each value (integer samples) while sparse. */
  low: Uint16Array = NO_U16;
  /** Full values (non-integer samples) while sparse. */
  full: Float64Array = NO_F64;

  constructor(readonly key: number) {}
}

export class ExactSample implements Sample {
  /** Buckets by key below DIRECT_KEYS, made on first use (a sweep holds many small samples). */
  private direct: (Bucket | undefined)[] | null = null;
  private readonly far = new Map<number, Bucket>();
  /**
   * Integer values below 2^32 first land here, appended in order (cheap, cache-friendly); a short
   * run never leaves it. When it is full, its values move into the buckets.
   */
  private stage = new Uint32Array(0);
  private stageN = 0;
  private n = 0;
  private floatSum = 0;
  private floatCompensation = 0;
  private summary: Summary | null = null;

  /** @param integers true when every value is an exact non-negative integer (ns, counts). */
  constructor(private readonly integers: boolean) {}

  get count(): number {
    return this.n;
  }

  /** Adds a non-negative value (an integer if the sample was made for integers). */
  add(v: number): void {
    this.n++;
    this.summary = null;
    this.stageHigh = null;
    if (this.integers && v < STAGE_LIMIT) {
      if (this.stageN === this.stage.length) this.growStage();
      this.stage[this.stageN++] = v;
      return;
    }
    this.addSlow(v, Math.floor(v * INV_WIDTH));
  }

  private growStage(): void {
    if (this.stage.length < STAGE_MAX) {
      const g = new Uint32Array(Math.max(1024, this.stage.length * 2));
      g.set(this.stage);
      this.stage = g;
    } else this.flushStage();
  }

  /** Moves staged values into their buckets. */
  private flushStage(): void {
    const direct = (this.direct ??= new Array<Bucket | undefined>(DIRECT_KEYS));
    const stage = this.stage;
    for (let k = 0; k < this.stageN; k++) {
      const v = stage[k]!;
      const key = v >>> 16;
      const b = direct[key];
      if (b !== undefined && b.isDense) {
        b.dense[v & 0xffff]!++;
        b.n++;
      } else this.addSlow(v, key);
    }
    this.stageN = 0;
  }

  /** True while every value is still in the stage (a short run): order statistics by radix selection. */
  private stageOnly(): boolean {
    return this.integers && this.stageN === this.n;
  }

  private addSlow(v: number, key: number): void {
    if (!this.integers) this.addToFloatSum(v);
    this.insert(v, key);
  }

  private bucket(key: number): Bucket {
    const direct = (this.direct ??= new Array<Bucket | undefined>(DIRECT_KEYS));
    let b = key < DIRECT_KEYS ? direct[key] : this.far.get(key);
    if (b === undefined) {
      b = new Bucket(key);
      if (key < DIRECT_KEYS) direct[key] = b;
      else this.far.set(key, b);
    }
    return b;
  }

  /** Puts a value in its bucket (no sums). */
  private insert(v: number, key: number): void {
    const b = this.bucket(key);
    const j = v - key * WIDTH;
    if (b.isDense) b.dense[Math.floor(j)]!++;
    else if (this.integers) {
      if (b.n === b.low.length) b.low = grow16(b.low);
      b.low[b.n] = j;
      if (b.n + 1 === DENSE_AT_INT) densify(b, b.n + 1);
    } else {
      if (b.n === b.full.length) b.full = grow64(b.full);
      b.full[b.n] = v;
      if (b.n + 1 === DENSE_AT_FLOAT) densify(b, b.n + 1);
    }
    b.n++;
  }

  /**
   * Everything needed to merge this sample into another. The arrays are this sample's own (views,
   * not copies), so they can be transferred; the sample must not be used afterwards.
   */
  snapshot(): SampleState {
    const buckets: SampleState['buckets'] = [];
    for (const b of this.buckets()) {
      buckets.push({
        key: b.key,
        n: b.n,
        dense: b.isDense ? b.dense : null,
        low: !b.isDense && b.low.length > 0 ? b.low.subarray(0, b.n) : null,
        full: !b.isDense && b.full.length > 0 ? b.full.subarray(0, b.n) : null,
      });
    }
    return {
      n: this.n,
      floatSum: this.floatSum,
      floatCompensation: this.floatCompensation,
      stage: this.stage.subarray(0, this.stageN),
      buckets,
    };
  }

  /** Adds every value of another sample of the same kind. */
  merge(s: SampleState): void {
    this.summary = null;
    this.stageHigh = null;
    for (let k = 0; k < s.stage.length; k++) {
      if (this.stageN === this.stage.length) this.growStage();
      this.stage[this.stageN++] = s.stage[k]!;
    }
    for (const other of s.buckets) {
      if (other.dense !== null) {
        const b = this.bucket(other.key);
        if (!b.isDense) densify(b, b.n);
        for (let j = 0; j < WIDTH; j++) b.dense[j]! += other.dense[j]!;
        b.n += other.n;
      } else if (other.low !== null) {
        for (let k = 0; k < other.low.length; k++) this.insert(other.key * WIDTH + other.low[k]!, other.key);
      } else if (other.full !== null) {
        for (let k = 0; k < other.full.length; k++) this.insert(other.full[k]!, other.key);
      }
    }
    this.n += s.n;
    this.addToFloatSum(s.floatSum);
    this.addToFloatSum(s.floatCompensation);
  }

  /** Neumaier's compensated sum, for samples that are not integers (inter-token latency). */
  private addToFloatSum(v: number): void {
    const t = this.floatSum + v;
    this.floatCompensation += Math.abs(this.floatSum) >= Math.abs(v) ? this.floatSum - t + v : v - t + this.floatSum;
    this.floatSum = t;
  }

  /** Buckets in ascending order of value. */
  private buckets(): Bucket[] {
    const out: Bucket[] = [];
    if (this.direct !== null) {
      for (let key = 0; key < DIRECT_KEYS; key++) {
        const b = this.direct[key];
        if (b !== undefined) out.push(b);
      }
    }
    for (const key of [...this.far.keys()].sort((a, c) => a - c)) out.push(this.far.get(key)!);
    return out;
  }

  /**
   * One pass over the buckets: min, max, the exact sum, and shifted sums of squares for the
   * variance (shift = the lowest bucket's base, so the terms stay small and cancellation costs
   * little precision).
   */
  private summarize(): Summary {
    if (this.summary !== null) return this.summary;
    if (this.stageOnly()) return (this.summary = this.summarizeStage());
    this.flushStage();
    this.stageHigh = null;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0n;
    const buckets = this.buckets();
    const shift = buckets.length > 0 ? buckets[0]!.key * WIDTH : 0;
    let s1 = 0;
    let s2 = 0;
    for (const b of buckets) {
      const base = b.key * WIDTH;
      const off = base - shift;
      // Within a bucket, sums of (value − base) stay far below 2^53; the base term is a BigInt.
      let offsets = 0;
      if (b.isDense) {
        const d = b.dense;
        let lo = -1;
        let hi = -1;
        for (let j = 0; j < WIDTH; j++) {
          const c = d[j]!;
          if (c === 0) continue;
          if (lo < 0) lo = j;
          hi = j;
          offsets += j * c;
          const x = off + j;
          s1 += x * c;
          s2 += x * x * c;
        }
        if (base + lo < min) min = base + lo;
        if (base + hi > max) max = base + hi;
      } else if (b.full.length > 0) {
        for (let k = 0; k < b.n; k++) {
          const v = b.full[k]!;
          if (v < min) min = v;
          if (v > max) max = v;
          const x = v - shift;
          s1 += x;
          s2 += x * x;
        }
      } else {
        const low = b.low;
        let lo = WIDTH;
        let hi = -1;
        for (let k = 0; k < b.n; k++) {
          const j = low[k]!;
          if (j < lo) lo = j;
          if (j > hi) hi = j;
          offsets += j;
          const x = off + j;
          s1 += x;
          s2 += x * x;
        }
        if (base + lo < min) min = base + lo;
        if (base + hi > max) max = base + hi;
      }
      if (this.integers) sum += BigInt(base) * BigInt(b.n) + BigInt(offsets);
    }
    this.summary = { min, max, sum, shift, s1, s2 };
    return this.summary;
  }

  /** One pass over the stage: min, max, exact sum, shifted sums, and the top-16-bit histogram. */
  private summarizeStage(): Summary {
    const stage = this.stage;
    const n = this.stageN;
    const high = new Uint32Array(WIDTH);
    let min = Infinity;
    let max = -Infinity;
    const shift = n > 0 ? stage[0]! : 0;
    let s1 = 0;
    let s2 = 0;
    // Block sums stay below 2^53 (2^21 values below 2^32); each block joins a BigInt.
    let sum = 0n;
    for (let start = 0; start < n; start += 1 << 21) {
      let block = 0;
      const stop = Math.min(n, start + (1 << 21));
      for (let k = start; k < stop; k++) {
        const v = stage[k]!;
        if (v < min) min = v;
        if (v > max) max = v;
        block += v;
        const x = v - shift;
        s1 += x;
        s2 += x * x;
        high[v >>> 16]!++;
      }
      sum += BigInt(block);
    }
    this.stageHigh = high;
    return { min, max, sum, shift, s1, s2 };
  }

  private stageHigh: Uint32Array | null = null;

  /** k-th values of the stage: from the top-16-bit histogram, then one pass counting the low 16 bits of the chosen slices. */
  private rankedStage(ranks: readonly number[]): number[] {
    this.summarize();
    const high = this.stageHigh!;
    const stage = this.stage;
    const n = this.stageN;
    const slotOf = new Int32Array(WIDTH).fill(-1);
    const slices: number[] = [];
    const want: { slot: number; inner: number }[] = [];
    let h = 0;
    let before = 0;
    for (const r of ranks) {
      while (before + high[h]! <= r) before += high[h++]!;
      if (slotOf[h] === -1) {
        slotOf[h] = slices.length;
        slices.push(h);
      }
      want.push({ slot: slotOf[h]!, inner: r - before });
    }
    const lows = new Uint32Array(slices.length * WIDTH);
    for (let k = 0; k < n; k++) {
      const v = stage[k]!;
      const slot = slotOf[v >>> 16]!;
      if (slot >= 0) lows[slot * WIDTH + (v & 0xffff)]!++;
    }
    return want.map(({ slot, inner }) => {
      let acc = 0;
      const at = slot * WIDTH;
      for (let j = 0; j < WIDTH; j++) {
        acc += lows[at + j]!;
        if (inner < acc) return slices[slot]! * WIDTH + j;
      }
      throw new Error('ExactSample: rank out of range');
    });
  }

  get min(): number {
    return this.summarize().min;
  }

  get max(): number {
    return this.summarize().max;
  }

  /**
   * The mean. For integers: the exact sum divided once, rounded to the nearest double when the
   * sum is below 2^53, which is what Python's int / int gives (the seed's snippets).
   */
  mean(): number {
    if (!this.integers) return (this.floatSum + this.floatCompensation) / this.n;
    const sum = this.summarize().sum;
    if (sum <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(sum) / this.n;
    const q = sum / BigInt(this.n);
    return Number(q) + Number(sum - q * BigInt(this.n)) / this.n;
  }

  /** The exact sum (integer samples only). */
  total(): bigint {
    if (!this.integers) throw new Error('ExactSample.total: not an integer sample');
    return this.summarize().sum;
  }

  /** Σ(x − c)² = Σd² − 2(c − s)Σd + n(c − s)², d = x − s, from the one summarizing pass. */
  squaredDeviations(center: number): number {
    const { shift, s1, s2 } = this.summarize();
    const m = center - shift;
    return Math.max(0, s2 - 2 * m * s1 + this.n * m * m);
  }

  ranked(ranks: readonly number[]): number[] {
    if (this.stageOnly()) return this.rankedStage(ranks);
    this.flushStage();
    const out = new Array<number>(ranks.length);
    let r = 0;
    let before = 0;
    for (const b of this.buckets()) {
      if (r >= ranks.length) break;
      if (ranks[r]! < before + b.n) {
        const base = b.key * WIDTH;
        if (b.isDense || (b.full.length === 0 && b.n > 4096)) {
          // A large sparse bucket is counted rather than sorted: O(n + 65,536).
          const counts = b.isDense ? b.dense : countLow(b);
          let acc = before;
          for (let j = 0; j < WIDTH && r < ranks.length; j++) {
            acc += counts[j]!;
            while (r < ranks.length && ranks[r]! < acc) out[r++] = base + j;
          }
        } else if (b.full.length > 0) {
          const vals = b.full.subarray(0, b.n).sort();
          while (r < ranks.length && ranks[r]! < before + b.n) out[r] = vals[ranks[r++]! - before]!;
        } else {
          const vals = b.low.subarray(0, b.n).sort();
          while (r < ranks.length && ranks[r]! < before + b.n) out[r] = base + vals[ranks[r++]! - before]!;
        }
      }
      before += b.n;
    }
    return out;
  }

  /** Bytes held by the buckets' arrays: what keeps memory flat. */
  bytes(): number {
    let total = this.stage.byteLength;
    for (const b of this.buckets()) total += b.dense.byteLength + b.low.byteLength + b.full.byteLength;
    return total;
  }
}

function countLow(b: Bucket): Uint32Array {
  const counts = new Uint32Array(WIDTH);
  for (let k = 0; k < b.n; k++) counts[b.low[k]!]!++;
  return counts;
}

/** Turns a sparse bucket dense, counting its first `count` stored values. */
function densify(b: Bucket, count: number): void {
  const dense = new Uint32Array(WIDTH);
  const base = b.key * WIDTH;
  if (b.full.length > 0) for (let k = 0; k < count; k++) dense[Math.floor(b.full[k]! - base)]!++;
  else for (let k = 0; k < count; k++) dense[b.low[k]!]!++;
  b.dense = dense;
  b.isDense = true;
  b.low = NO_U16;
  b.full = NO_F64;
}

function grow16(a: Uint16Array): Uint16Array {
  const g = new Uint16Array(Math.min(Math.max(16, a.length * 2), DENSE_AT_INT));
  g.set(a);
  return g;
}

function grow64(a: Float64Array): Float64Array {
  const g = new Float64Array(Math.min(Math.max(16, a.length * 2), DENSE_AT_FLOAT));
  g.set(a);
  return g;
}
