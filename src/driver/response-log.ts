/**
 * One request's responses while it is in flight: stamps in a Float64Array and output bytes in one
 * growable Buffer, decoded to text only when the request is written. With 128 streams of 100
 * responses each, per-response objects would live ~1 s and be copied by every scavenge; this keeps
 * the hot path to a few typed-array stores (bench/driver.ts, `node --trace-gc`).
 */
import { decodeTensor } from '../proto/codec.js';
import type { TransportResponse } from './transport.js';

export class ResponseLog {
  count = 0;
  private stamps = new Float64Array(32);
  /** Per response, what the transport decided of its emptiness: 0 nothing, 1 empty, 2 carries output. */
  private emptiness = new Uint8Array(32);
  /** Per response, the index of its first output in the output arrays; one more entry at the end. */
  private first = new Uint32Array(33);
  private outputs = 0;
  private name = new Uint8Array(32);
  private start = new Uint32Array(32);
  private end = new Uint32Array(32);
  private bytes = Buffer.allocUnsafe(512);
  private used = 0;
  private readonly names: string[] = [];

  add(stampNs: number, msg: TransportResponse): void {
    if (this.count + 1 >= this.stamps.length) {
      this.stamps = grow(this.stamps, Float64Array);
      this.first = grow(this.first, Uint32Array);
      this.emptiness = grow(this.emptiness, Uint8Array);
    }
    this.stamps[this.count] = stampNs;
    this.emptiness[this.count] = msg.empty === undefined ? 0 : msg.empty ? 1 : 2;
    this.first[this.count] = this.outputs;
    for (let i = 0; i < msg.outputs.length; i++) {
      const o = msg.outputs[i]!;
      let n = this.names.indexOf(o.name);
      if (n < 0) n = this.names.push(o.name) - 1;
      const raw = msg.raw[i] ?? Buffer.alloc(0);
      if (this.outputs === this.name.length) {
        this.name = grow(this.name, Uint8Array);
        this.start = grow(this.start, Uint32Array);
        this.end = grow(this.end, Uint32Array);
      }
      this.name[this.outputs] = n;
      this.start[this.outputs] = this.used;
      if (o.datatype === 'BYTES' && msg.unprefixed === true) this.append(raw, 0, raw.length);
      else if (o.datatype === 'BYTES') {
        // Elements without their 4-byte length prefixes, concatenated.
        for (let at = 0; at + 4 <= raw.length; ) {
          const len = raw.readUInt32LE(at);
          this.append(raw, at + 4, at + 4 + len);
          at += 4 + len;
        }
      } else {
        const text = decodeTensor(o.datatype, raw).map(String).join(',');
        const b = Buffer.from(text);
        this.append(b, 0, b.length);
      }
      this.end[this.outputs] = this.used;
      this.outputs++;
    }
    this.count++;
    this.first[this.count] = this.outputs;
  }

  private append(src: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.used + len > this.bytes.length) {
      const g = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + len));
      this.bytes.copy(g, 0, 0, this.used);
      this.bytes = g;
    }
    src.copy(this.bytes, this.used, from, to);
    this.used += len;
  }

  stamp(k: number): number {
    return this.stamps[k]!;
  }

  /** Response k's outputs as perf_analyzer writes them: name → text ({} when it had none). */
  outputsOf(k: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (let j = this.first[k]!; j < this.first[k + 1]!; j++) out[this.names[this.name[j]!]!] = this.bytes.toString('utf8', this.start[j], this.end[j]);
    return out;
  }

  /** Whether response k carries no output, as its transport decided; null when it did not. */
  emptyAsSent(k: number): boolean | null {
    const e = this.emptiness[k]!;
    return e === 0 ? null : e === 1;
  }
}

function grow<T extends Float64Array | Uint32Array | Uint8Array>(a: T, ctor: new (n: number) => T): T {
  const g = new ctor(a.length * 2);
  g.set(a);
  return g;
}
