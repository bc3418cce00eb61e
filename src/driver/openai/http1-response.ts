/**
 * The response side of HTTP/1.1 (RFC 9112) that a streaming client needs, as a parser fed the bytes
 * of each read — no I/O here (driver/openai/http1.ts owns the sockets). Status line and header
 * fields; 1xx interim responses skipped; bodies framed by `Transfer-Encoding: chunked` (chunk
 * extensions and trailer fields read and ignored), `Content-Length`, or the connection's close; no
 * body for 204 and 304. Body bytes are handed on as slices of the read, the chunked coding removed.
 * Anything malformed is an error naming what was seen, quoted as it came (like every server text, it
 * is escaped where it is printed: src/printable.ts).
 */

const CR = 0x0d;
const LF = 0x0a;
/** Longest response head accepted (status line and header fields), and longest trailer section. */
export const MAX_HEAD = 64 << 10;
/** Longest chunk-size line (size, extensions) accepted. */
const MAX_CHUNK_LINE = 4096;

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Header fields, names lower-cased; repeated fields joined by ', '. */
  headers: Map<string, string>;
}

export interface ResponseEvents {
  head(h: ResponseHead): void;
  /** Body bytes `buf[from, to)` of a read stamped `stampNs`; `sameRead`: a further piece of the same read. */
  body(buf: Buffer, from: number, to: number, stampNs: number, sameRead: boolean): void;
}

const enum State {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Done,
  Failed,
}

const enum Framing {
  None,
  Chunked,
  Length,
  Close,
}

export class ResponseParser {
  private state = State.Head;
  private framing = Framing.None;
  /** Bytes of body (Length) or of the current chunk (Chunked) still to come. */
  private remaining = 0;
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** Why the response is malformed, once it is. */
  error: string | null = null;
  /** Head bytes that came in earlier reads (copies: a read's buffer is the next read's). */
  private carry: Buffer[] = [];
  /** Bytes of the head, or of the current chunk-size line or trailer section, so far. */
  private lineBytes = 0;
  /** LFs in a row at the end of the head so far, CRs not counted (two end it). */
  private headLfRun = 0;
  /** Whether an interim (1xx) response has been read. */
  private interim = false;
  /** A trailer line had bytes (so its LF does not end the trailers). */
  private trailerLine = false;
  /** After a chunk's data: its CR has been read. */
  private chunkCr = false;
  /** The chunk-size line so far: hex digits, their value, whether an extension began, whether a byte was not hex. */
  private sizeDigits = 0;
  private sizeValue = 0;
  private sizeInExt = false;
  private sizeBad = false;

  constructor(private readonly on: ResponseEvents) {}

  /** Whether the response has ended by its framing. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** Whether no byte of a response has come yet. */
  get untouched(): boolean {
    return this.state === State.Head && this.lineBytes === 0 && !this.interim;
  }

  /**
   * Reads b[from, n) from one read stamped `stampNs`; returns where it stopped: n, or the end of the
   * response when it ended inside the read (bytes after it are not this response's), or where it
   * turned out malformed (`error` says why).
   */
  feed(b: Buffer, from: number, n: number, stampNs: number): number {
    let i = from;
    let sameRead = false;
    while (i < n) {
      switch (this.state) {
        case State.Head:
          i = this.readHead(b, i, n);
          break;
        case State.Body: {
          const to = this.framing === Framing.Length ? Math.min(n, i + this.remaining) : n;
          this.on.body(b, i, to, stampNs, sameRead);
          sameRead = true;
          if (this.framing === Framing.Length) {
            this.remaining -= to - i;
            if (this.remaining === 0) this.state = State.Done;
          }
          i = to;
          break;
        }
        case State.ChunkSize:
          i = this.readChunkSize(b, i, n);
          break;
        case State.ChunkData: {
          const to = Math.min(n, i + this.remaining);
          this.on.body(b, i, to, stampNs, sameRead);
          sameRead = true;
          this.remaining -= to - i;
          i = to;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.chunkCr = false;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // CRLF after a chunk's data (a bare LF is taken too).
          const c = b[i]!;
          if (c === LF) this.beginChunkSize();
          else if (c === CR && !this.chunkCr) this.chunkCr = true;
          else return this.fail(i, `a chunk's data is not followed by CRLF (byte 0x${c.toString(16).padStart(2, '0')})`);
          i++;
          break;
        }
        case State.Trailers:
          i = this.readTrailers(b, i, n);
          break;
        default:
          return i;
      }
    }
    return i;
  }

  /**
   * The connection closed (cleanly, by the server). True when that ends the response (a body framed
   * by the close); otherwise the response is cut short.
   */
  closed(): boolean {
    if (this.state === State.Body && this.framing === Framing.Close) {
      this.state = State.Done;
      return true;
    }
    return this.state === State.Done;
  }

  private fail(at: number, message: string): number {
    this.state = State.Failed;
    this.error = message;
    this.keepAlive = false;
    return at;
  }

  private readHead(b: Buffer, i: number, n: number): number {
    // Blank lines before a status line are skipped (RFC 9112 §2.2: a client should ignore them).
    if (this.lineBytes === 0) while (i < n && (b[i] === CR || b[i] === LF)) i++;
    if (i === n) return n;
    let k = i;
    for (; k < n; k++) {
      const c = b[k]!;
      if (c === LF) {
        if (++this.headLfRun === 2) break;
      } else if (c !== CR) this.headLfRun = 0;
    }
    const end = k === n ? n : k + 1;
    this.lineBytes += end - i;
    if (this.lineBytes > MAX_HEAD) return this.fail(n, `the response head is longer than ${MAX_HEAD} bytes`);
    if (k === n) {
      this.carry.push(Buffer.from(b.subarray(i, n)));
      return n;
    }
    const text = (this.carry.length === 0 ? b.toString('latin1', i, end) : Buffer.concat([...this.carry, b.subarray(i, end)]).toString('latin1'));
    this.carry = [];
    this.lineBytes = 0;
    this.headLfRun = 0;
    const head = parseHead(text);
    if (typeof head === 'string') return this.fail(end, head);
    if (head.status >= 100 && head.status < 200) {
      // An interim response (100 Continue, 103 Early Hints): the real one follows.
      this.interim = true;
      return end;
    }
    const te = head.headers.get('transfer-encoding');
    const cl = head.headers.get('content-length');
    const conn = (head.headers.get('connection') ?? '').toLowerCase();
    if (head.version === '1.0' ? !/\bkeep-alive\b/.test(conn) : /\bclose\b/.test(conn)) this.keepAlive = false;
    if (head.status === 204 || head.status === 304) this.framing = Framing.None;
    else if (te !== undefined) {
      // Chunked last: chunked. Any other coding last: the body runs to the close (RFC 9112 §6.3).
      this.framing = /(^|,)\s*chunked\s*$/i.test(te) ? Framing.Chunked : Framing.Close;
    } else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl.trim())) return this.fail(end, `Content-Length '${cl}' is not a length`);
      this.framing = Framing.Length;
      this.remaining = Number(cl.trim());
    } else this.framing = Framing.Close;
    if (this.framing === Framing.Close) this.keepAlive = false;
    this.on.head({ status: head.status, statusText: head.statusText, headers: head.headers });
    if (this.framing === Framing.None || (this.framing === Framing.Length && this.remaining === 0)) this.state = State.Done;
    else if (this.framing === Framing.Chunked) this.beginChunkSize();
    else this.state = State.Body;
    return end;
  }

  private beginChunkSize(): void {
    this.state = State.ChunkSize;
    this.sizeDigits = 0;
    this.sizeValue = 0;
    this.sizeInExt = false;
    this.sizeBad = false;
    this.lineBytes = 0;
  }

  /** chunk-size [ chunk-ext ] CRLF, read byte by byte (a few bytes). */
  private readChunkSize(b: Buffer, i: number, n: number): number {
    for (; i < n; i++) {
      const c = b[i]!;
      if (c === LF) {
        if (this.sizeBad || this.sizeDigits === 0) return this.fail(i, 'a chunk-size line holds no hexadecimal size');
        if (this.sizeValue === 0) {
          this.state = State.Trailers;
          this.trailerLine = false;
          this.lineBytes = 0;
        } else {
          this.state = State.ChunkData;
          this.remaining = this.sizeValue;
        }
        return i + 1;
      }
      if (++this.lineBytes > MAX_CHUNK_LINE) return this.fail(i, `a chunk-size line is longer than ${MAX_CHUNK_LINE} bytes`);
      if (this.sizeInExt || c === CR) continue;
      const d = hexDigit(c);
      if (d >= 0 && !this.sizeBad) {
        // Leading zeros are allowed; a size above 2^48 bytes is not (nor could a Number hold it exactly much beyond).
        if (this.sizeValue >= 2 ** 44) return this.fail(i, 'a chunk size is above 2^48 bytes');
        this.sizeValue = this.sizeValue * 16 + d;
        this.sizeDigits++;
      } else if (c === 0x3b /* ; */ || c === 0x20 || c === 0x09) this.sizeInExt = true;
      else this.sizeBad = true;
    }
    return n;
  }

  /** Trailer fields after the last chunk, up to the empty line: read and ignored. */
  private readTrailers(b: Buffer, i: number, n: number): number {
    for (; i < n; i++) {
      const c = b[i]!;
      if (c === LF) {
        if (!this.trailerLine) {
          this.state = State.Done;
          return i + 1;
        }
        this.trailerLine = false;
      } else if (c !== CR) {
        this.trailerLine = true;
        if (++this.lineBytes > MAX_HEAD) return this.fail(i, `the trailer fields are longer than ${MAX_HEAD} bytes`);
      }
    }
    return n;
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** The status line and fields of a response head (latin1 text ending in an empty line), or what is wrong with it. */
export function parseHead(text: string): (ResponseHead & { version: string }) | string {
  const lines = text.split(/\r?\n/);
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!.replace(/\r$/, ''));
  if (m === null) return `the response does not start with an HTTP/1.x status line (it starts '${lines[0]!.slice(0, 60)}')`;
  const headers = new Map<string, string>();
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (line === '') continue;
    const at = line.indexOf(':');
    if (at <= 0 || /\s/.test(line.slice(0, at))) return `a response header line is not NAME: VALUE ('${line.slice(0, 60)}')`;
    const name = line.slice(0, at).toLowerCase();
    const value = line.slice(at + 1).trim();
    const had = headers.get(name);
    headers.set(name, had === undefined ? value : `${had}, ${value}`);
  }
  return { version: `1.${m[1]}`, status: Number(m[2]), statusText: m[3] ?? '', headers };
}
