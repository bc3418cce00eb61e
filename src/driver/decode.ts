/**
 * A decoder for exactly the part of ModelStreamInferResponse a capture reads: the error message,
 * the request id, the triton_final_response flag, and each output's name, datatype and raw bytes.
 * Written by hand because it runs once per response on the capture's hot path, where a general
 * decoder's object building costs time and garbage (bench/driver.ts); test/unit/decode.test.ts
 * checks it against protobufjs.
 */

export interface StreamResponse {
  error: string;
  id: string;
  final: boolean;
  outputs: { name: string; datatype: string }[];
  raw: Buffer[];
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly end: number,
  ) {}

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('bad varint');
    }
  }

  /** Start and end of a length-delimited field's bytes. */
  span(): [number, number] {
    const len = this.varint();
    const s = this.pos;
    this.pos += len;
    return [s, this.pos];
  }

  /** A reader over the next length-delimited field (a nested message). */
  sub(): Reader {
    const [s, e] = this.span();
    const r = new Reader(this.buf, e);
    r.pos = s;
    return r;
  }

  /** The next length-delimited field as text. */
  text(encoding: BufferEncoding = 'utf8'): string {
    const [s, e] = this.span();
    return this.buf.toString(encoding, s, e);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.span();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function readParameterBool(r: Reader): { key: string; bool: boolean | null } {
  let key = '';
  let bool: boolean | null = null;
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    if (field === 1 && (tag & 7) === 2) key = r.text();
    else if (field === 2 && (tag & 7) === 2) {
      const v = r.sub();
      while (v.pos < v.end) {
        const t = v.varint();
        if (t === 8) bool = v.varint() !== 0;
        else v.skip(t & 7);
      }
    } else r.skip(tag & 7);
  }
  return { key, bool };
}

export function decodeStreamResponseFast(buf: Buffer): StreamResponse {
  const out: StreamResponse = { error: '', id: '', final: false, outputs: [], raw: [] };
  const r = new Reader(buf, buf.length);
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === 2) out.error = r.text();
    else if (field === 2 && wire === 2) {
      const m = r.sub();
      while (m.pos < m.end) {
        const t = m.varint();
        const f = Math.floor(t / 8);
        const w = t & 7;
        if (f === 3 && w === 2) out.id = m.text();
        else if (f === 4 && w === 2) {
          const p = readParameterBool(m.sub());
          if (p.key === 'triton_final_response' && p.bool !== null) out.final = p.bool;
        } else if (f === 5 && w === 2) {
          const o = m.sub();
          let name = '';
          let datatype = '';
          while (o.pos < o.end) {
            const ot = o.varint();
            const of = Math.floor(ot / 8);
            if (of === 1 && (ot & 7) === 2) name = o.text();
            else if (of === 2 && (ot & 7) === 2) datatype = o.text('latin1');
            else o.skip(ot & 7);
          }
          out.outputs.push({ name, datatype });
        } else if (f === 6 && w === 2) {
          const [a, b] = m.span();
          out.raw.push(buf.subarray(a, b));
        } else m.skip(w);
      }
    } else r.skip(wire);
  }
  return out;
}
