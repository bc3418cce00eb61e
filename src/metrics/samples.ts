/**
 * The store behind every distribution: exact statistics in memory that stops growing.
 *
 * A pooled metric has one value per response (28 million token-to-token gaps in a 1.2 GB
 * export), so keeping every value costs memory in proportion to the file. Integer samples (every
 * duration in ns, every count) therefore work in two stages:
 *
 * - values below 2^32 are first appended to a typed-array *stage* (cheap and cache-friendly);
 *   a short run never leaves it, and its order statistics come from a radix selection;
 * - when the stage is full its values move into buckets of 65,536 ns (the value's bits above the
 *   low 16). A bucket starts sparse (each value's low 16 bits in a Uint16Array) and turns dense
 *   at 32,768 values: a count for each of its 65,536 possible values (256 KiB, never more).
 *   Latencies cluster, so a long run fills a few dense buckets and memory stays flat.
 *
 * Everything reported is exact and independent of the order values arrived in: min, max, the sum
 * and the sum of squares are exact integers (BigInt at the end of each block), percentiles come
 * from exact counts. So a file read on two threads, or a sweep whose files are spread over
 * workers, gives the same numbers to the last bit as one thread.
 *
 * Non-integer samples (inter-token latency is a quotient, one per request) keep every value;
 * their sums run over the values in sorted order, so they too are order-independent.
 */
import { divideExact, ExactSum } from '../records/time.js';

/** What every sample can tell: enough for count, mean, std, min, max and order statistics. */
export interface Sample {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  mean(): number;
  /** Σ (x − mean)². */
  sumSquaredDeviations(): number;
  /** The values of the given 0-based ranks (ascending order); ranks must be sorted. */
  ranked(ranks: readonly number[]): number[];
}

/** A sample as plain data, to cross a worker boundary. */
export interface SampleState {
  n: number;
  stage: Uint32Array;
  buckets: { key: number; n: number; dense: Uint32Array | null; low: Uint16Array | null }[];
  /** Non-integer samples: every value. */
  floats: Float64Array;
}

interface Summary {
  min: number;
  max: number;
  sum: bigint;
  sumSq: bigint;
}

const WIDTH = 65536;
const INV_WIDTH = 1 / WIDTH;
/** Keys below this index an array; larger values (≥ 2^32, 4.3 s in ns) use a Map. */
const DIRECT_KEYS = 65536;
const DENSE_AT = 32768;
/** Staged values before they move into buckets: 4 Mi values, 16 MiB. */
const STAGE_MAX = 1 << 22;
const STAGE_LIMIT = 2 ** 32;
/** Values per block whose partial sums stay exact in a double. */
const BLOCK = 1 << 20;
/** Stages up to this many values are sorted for order statistics rather than histogrammed. */
const SORT_MAX = 1 << 16;
const NO_U32 = new Uint32Array(0);
const NO_U16 = new Uint16Array(0);
const NO_F64 = new Float64Array(0);

/** Fields start as empty arrays, never null, so that every bucket has one shape. */
class Bucket {
  n = 0;
  isDense = false;
  /** Occurrences of each value base + j once dense. */
  dense: Uint32Array = NO_U32;
  /** Low 16 bits of each value while sparse. */
  low: Uint16Array = NO_U16;

  constructor(readonly key: number) {}
}

export class ExactSample implements Sample {
  /** Buckets by key below DIRECT_KEYS, made on first use (a sweep holds many small samples). */
  private direct: (Bucket | undefined)[] | null = null;
  /** Buckets of values ≥ 2^32, made on first use. */
  private far: Map<number, Bucket> | null = null;
  private stage: Uint32Array = NO_U32;
  private stageN = 0;
  private floats: Float64Array = NO_F64;
  private floatsSorted = true;
  private n = 0;
  private summary: Summary | null = null;
  /** The stage sorted, for order statistics of a short run (cleared by add and merge). */
  private sortedStage: Uint32Array | null = null;

  /**
   * @param integers true when every value is an exact non-negative integer (ns, counts).
   * @param stageMax values staged before they move into buckets (a sweep, holding a sample per
   *   prompt length, stages fewer). @default 4 Mi (16 MiB)
   */
  constructor(
    private readonly integers: boolean,
    private readonly stageMax: number = STAGE_MAX,
  ) {}

  get count(): number {
    return this.n;
  }

  /** Adds a non-negative value (an integer if the sample was made for integers). */
  add(v: number): void {
    this.n++;
    this.summary = null;
    this.sortedStage = null;
    if (!this.integers) {
      if (this.n > this.floats.length) this.floats = grow64(this.floats);
      this.floats[this.n - 1] = v;
      this.floatsSorted = false;
      return;
    }
    if (v < STAGE_LIMIT) {
      if (this.stageN === this.stage.length) this.growStage();
      this.stage[this.stageN++] = v;
      return;
    }
    this.insert(v, Math.floor(v * INV_WIDTH));
  }

  private growStage(): void {
    if (this.stage.length < this.stageMax) {
      // Small first: an experiment of one request holds a few values per sample, not kilobytes.
      const g = new Uint32Array(Math.min(this.stageMax, Math.max(16, this.stage.length * 2)));
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
      } else this.insert(v, key);
    }
    this.stageN = 0;
  }

  /** True while every integer value is still in the stage (a short run). */
  private stageOnly(): boolean {
    return this.stageN === this.n;
  }

  private bucket(key: number): Bucket {
    const direct = (this.direct ??= new Array<Bucket | undefined>(DIRECT_KEYS));
    const far = (this.far ??= new Map<number, Bucket>());
    let b = key < DIRECT_KEYS ? direct[key] : far.get(key);
    if (b === undefined) {
      b = new Bucket(key);
      if (key < DIRECT_KEYS) direct[key] = b;
      else far.set(key, b);
    }
    return b;
  }

  private insert(v: number, key: number): void {
    const b = this.bucket(key);
    const j = v - key * WIDTH;
    if (b.isDense) b.dense[j]!++;
    else {
      if (b.n === b.low.length) b.low = grow16(b.low);
      b.low[b.n] = j;
      if (b.n + 1 === DENSE_AT) densify(b, b.n + 1);
    }
    b.n++;
  }

  /**
   * Everything needed to merge this sample into another. The arrays are this sample's own (views,
   * not copies), so they can be transferred; the sample must not be used afterwards.
   */
  snapshot(): SampleState {
    // A long run's staged values go into its buckets first: dense counts merge cheaply.
    if (this.integers && this.stageN >= DENSE_AT && !this.stageOnly()) this.flushStage();
    return {
      n: this.n,
      stage: this.stage.subarray(0, this.stageN),
      buckets: this.buckets().map((b) => ({ key: b.key, n: b.n, dense: b.isDense ? b.dense : null, low: b.isDense ? null : b.low.subarray(0, b.n) })),
      floats: this.floats.subarray(0, this.integers ? 0 : this.n),
    };
  }

  /** Adds every value of another sample of the same kind. */
  merge(s: SampleState): void {
    this.summary = null;
    this.sortedStage = null;
    if (!this.integers) {
      for (let k = 0; k < s.floats.length; k++) this.add(s.floats[k]!);
      return;
    }
    let k = 0;
    while (k < s.stage.length) {
      if (this.stageN === this.stage.length) this.growStage();
      const take = Math.min(s.stage.length - k, this.stage.length - this.stageN);
      this.stage.set(s.stage.subarray(k, k + take), this.stageN);
      this.stageN += take;
      k += take;
    }
    for (const other of s.buckets) {
      const b = this.bucket(other.key);
      if (other.dense !== null) {
        if (!b.isDense) densify(b, b.n);
        for (let j = 0; j < WIDTH; j++) b.dense[j]! += other.dense[j]!;
        b.n += other.n;
      } else if (other.low !== null) {
        for (let i = 0; i < other.low.length; i++) this.insert(other.key * WIDTH + other.low[i]!, other.key);
      }
    }
    this.n += s.n - s.floats.length;
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
    if (this.far !== null) for (const key of [...this.far.keys()].sort((a, c) => a - c)) out.push(this.far.get(key)!);
    return out;
  }

  private sortedFloats(): Float64Array {
    const v = this.floats.subarray(0, this.n);
    if (!this.floatsSorted) {
      v.sort();
      this.floatsSorted = true;
    }
    return v;
  }

  /** min, max, Σx and Σx², exact, in one pass over the stage and the buckets. */
  private summarize(): Summary {
    if (this.summary !== null) return this.summary;
    if (!this.integers) {
      const v = this.sortedFloats();
      return (this.summary = { min: v[0] ?? Infinity, max: v[this.n - 1] ?? -Infinity, sum: 0n, sumSq: 0n });
    }
    let min = Infinity;
    let max = -Infinity;
    let sum = 0n;
    let sumSq = 0n;
    if (this.stageOnly()) {
      const r = this.summarizeStage();
      this.summary = r;
      return r;
    }
    this.flushStage();
    for (const b of this.buckets()) {
      const base = BigInt(b.key * WIDTH);
      // Σ j and Σ j² of the offsets j = x − base, exact; then Σx = n·base + Σj and
      // Σx² = n·base² + 2·base·Σj + Σj².
      const s1 = new ExactSum();
      const s2 = new ExactSum();
      let lo = WIDTH;
      let hi = -1;
      if (b.isDense) {
        const d = b.dense;
        for (let j = 0; j < WIDTH; j++) {
          const c = d[j]!;
          if (c === 0) continue;
          if (j < lo) lo = j;
          hi = j;
          s1.add(c * j);
          const sq = c * j * j;
          if (sq < 2 ** 53) s2.add(sq);
          else s2.addBig(BigInt(c) * BigInt(j * j));
        }
      } else {
        for (let k = 0; k < b.n; k++) {
          const j = b.low[k]!;
          if (j < lo) lo = j;
          if (j > hi) hi = j;
          s1.add(j);
          s2.add(j * j);
        }
      }
      const bn = BigInt(b.n);
      sum += bn * base + s1.total();
      sumSq += bn * base * base + 2n * base * s1.total() + s2.total();
      const b0 = b.key * WIDTH;
      if (b0 + lo < min) min = b0 + lo;
      if (b0 + hi > max) max = b0 + hi;
    }
    return (this.summary = { min, max, sum, sumSq });
  }

  /** The stage alone: the same exact sums. */
  private summarizeStage(): Summary {
    const stage = this.stage;
    const n = this.stageN;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0n;
    let sumSq = 0n;
    for (let start = 0; start < n; start += BLOCK) {
      // x = h·2^16 + l, so x² = h²·2^32 + h·l·2^17 + l²; each partial sum stays below 2^52.
      let s = 0;
      let hh = 0;
      let hl = 0;
      let ll = 0;
      const stop = Math.min(n, start + BLOCK);
      for (let k = start; k < stop; k++) {
        const v = stage[k]!;
        if (v < min) min = v;
        if (v > max) max = v;
        const h = v >>> 16;
        const l = v & 0xffff;
        s += v;
        hh += h * h;
        hl += h * l;
        ll += l * l;
      }
      sum += BigInt(s);
      sumSq += (BigInt(hh) << 32n) + (BigInt(hl) << 17n) + BigInt(ll);
    }
    return { min, max, sum, sumSq };
  }

  /**
   * k-th values of the stage. A short stage is sorted (a copy, kept: n values, where the histograms
   * below would take 256 KiB each — what made a one-request experiment cost a megabyte); a long one
   * goes through the top-16-bit histogram, then one pass counting the low 16 bits of the chosen slices.
   */
  private rankedStage(ranks: readonly number[]): number[] {
    const stage = this.stage;
    const n = this.stageN;
    if (n <= SORT_MAX) {
      const sorted = (this.sortedStage ??= stage.slice(0, n).sort());
      return ranks.map((r) => sorted[r]!);
    }
    const high = new Uint32Array(WIDTH);
    for (let k = 0; k < n; k++) high[stage[k]! >>> 16]!++;
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
   * sum is below 2^53, which is what Python's int / int gives (the seed's snippets). For other
   * values: a compensated (Neumaier) sum over the sorted values.
   */
  mean(): number {
    if (!this.integers) return neumaier(this.sortedFloats()) / this.n;
    return divideExact(this.summarize().sum, this.n);
  }

  /** The exact sum (integer samples only). */
  total(): bigint {
    if (!this.integers) throw new Error('ExactSample.total: not an integer sample');
    return this.summarize().sum;
  }

  /** Σ(x − mean)² = (n·Σx² − (Σx)²) / n, from exact integer sums (integers), or two passes over the sorted values. */
  sumSquaredDeviations(): number {
    if (this.n === 0) return 0;
    if (!this.integers) {
      const v = this.sortedFloats();
      const m = this.mean();
      let s = 0;
      for (let k = 0; k < this.n; k++) s += (v[k]! - m) * (v[k]! - m);
      return s;
    }
    const { sum, sumSq } = this.summarize();
    return divideExact(BigInt(this.n) * sumSq - sum * sum, this.n);
  }

  ranked(ranks: readonly number[]): number[] {
    if (!this.integers) {
      const v = this.sortedFloats();
      return ranks.map((r) => v[r]!);
    }
    if (this.stageOnly()) return this.rankedStage(ranks);
    this.summarize();
    const out = new Array<number>(ranks.length);
    let r = 0;
    let before = 0;
    for (const b of this.buckets()) {
      if (r >= ranks.length) break;
      if (ranks[r]! < before + b.n) {
        const base = b.key * WIDTH;
        if (b.isDense || b.n > 4096) {
          // A large sparse bucket is counted rather than sorted: O(n + 65,536).
          const counts = b.isDense ? b.dense : countLow(b);
          let acc = before;
          for (let j = 0; j < WIDTH && r < ranks.length; j++) {
            acc += counts[j]!;
            while (r < ranks.length && ranks[r]! < acc) out[r++] = base + j;
          }
        } else {
          const vals = b.low.slice(0, b.n).sort();
          while (r < ranks.length && ranks[r]! < before + b.n) out[r] = base + vals[ranks[r++]! - before]!;
        }
      }
      before += b.n;
    }
    return out;
  }

  /**
   * The values of many sorted 0-based ranks at once (a curve's hundreds of vertices). A short run
   * is sorted once rather than counted per 65,536-wide slice as `ranked` does, which would take
   * 256 KiB for every slice a rank falls in.
   */
  valuesAtRanks(ranks: readonly number[]): number[] {
    if (this.integers && this.stageOnly()) {
      const sorted = this.stage.slice(0, this.stageN).sort();
      return ranks.map((r) => sorted[r]!);
    }
    return this.ranked(ranks);
  }

  /**
   * For each cut (ascending), how many values lie below it: exact counts, for a histogram or a
   * cumulative curve drawn at chosen values (metrics/figures.ts). One pass over the values.
   */
  countBelow(cuts: readonly number[]): number[] {
    const bins = new Float64Array(cuts.length + 1);
    // Index of the first cut above v: v lies below cuts[i..].
    const slot = (v: number): number => {
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cuts[mid]! > v) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    if (!this.integers) {
      const v = this.sortedFloats();
      for (let k = 0; k < this.n; k++) bins[slot(v[k]!)]!++;
    } else {
      for (let k = 0; k < this.stageN; k++) bins[slot(this.stage[k]!)]!++;
      for (const b of this.buckets()) {
        const base = b.key * WIDTH;
        if (b.isDense) {
          for (let j = 0; j < WIDTH; j++) if (b.dense[j]! > 0) bins[slot(base + j)]! += b.dense[j]!;
        } else for (let k = 0; k < b.n; k++) bins[slot(base + b.low[k]!)]!++;
      }
    }
    const out: number[] = [];
    let acc = 0;
    for (let i = 0; i < cuts.length; i++) out.push((acc += bins[i]!));
    return out;
  }

  /** Bytes held by the value arrays: what keeps memory flat. */
  /** Bytes held by the value arrays and indexes: what keeps memory flat (test/unit/memory.test.ts). */
  bytes(): number {
    let total = this.stage.byteLength + this.floats.byteLength + (this.sortedStage?.byteLength ?? 0);
    // The direct bucket index is an array of 65,536 references.
    if (this.direct !== null) total += DIRECT_KEYS * 8;
    for (const b of this.buckets()) total += b.dense.byteLength + b.low.byteLength;
    return total;
  }
}

/** Neumaier's compensated sum. */
function neumaier(values: Float64Array): number {
  let sum = 0;
  let c = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + c;
}

function countLow(b: Bucket): Uint32Array {
  const counts = new Uint32Array(WIDTH);
  for (let k = 0; k < b.n; k++) counts[b.low[k]!]!++;
  return counts;
}

/** Turns a sparse bucket dense, counting its first `count` stored values. */
function densify(b: Bucket, count: number): void {
  const dense = new Uint32Array(WIDTH);
  for (let k = 0; k < count; k++) dense[b.low[k]!]!++;
  b.dense = dense;
  b.isDense = true;
  b.low = NO_U16;
}

function grow16(a: Uint16Array): Uint16Array {
  const g = new Uint16Array(Math.min(Math.max(16, a.length * 2), DENSE_AT));
  g.set(a);
  return g;
}

function grow64(a: Float64Array): Float64Array {
  const g = new Float64Array(Math.max(16, a.length * 2));
  g.set(a);
  return g;
}
