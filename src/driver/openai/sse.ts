/**
 * A byte-level reader of a `text/event-stream` body (the WHATWG "server-sent events" parsing rules):
 * events are reassembled exactly whatever the reads' boundaries — a line split anywhere (even
 * between the CR and LF of one CRLF), several events in one read, CRLF, LF or lone CR line ends,
 * comment lines, `event:`, `id:` and `retry:` fields, several `data:` lines joined by LF, a leading
 * byte-order mark.
 *
 * Each event carries two stamps: when the read holding its first field byte arrived, and when the
 * read holding the blank line that ends it arrived. The metrics use the second (docs/METRICS.md,
 * "OpenAI captures"): an event — and the token in it — exists for a client only once it is complete.
 *
 * Hot path: one pass over each read with integer compares; the bytes of the event being built are
 * copied into two growable buffers that are reused for every event (no allocation per byte or per
 * line). Per event, the only allocations are the strings a consumer asks for.
 */

const LF = 0x0a;
const CR = 0x0d;
/**
 * Most bytes one event (or one line) may hold: a real event is a few kB (tens with logprobs); a stream
 * that never ends its line or event would otherwise grow until the process dies.
 */
export const MAX_EVENT_BYTES = 16 << 20;
const COLON = 0x3a;
const SPACE = 0x20;

/** The event being delivered; one object, reused — a consumer copies what it keeps before returning. */
export class SseEvent {
  /** `event:` field, or 'message' when absent. */
  type = 'message';
  /** The last `id:` seen in the stream so far (SSE's "last event ID"), '' when none. */
  lastId = '';
  /** Stamp of the read in which the event's first field byte arrived (ns, the caller's clock). */
  firstByteNs = 0;
  /** Stamp of the read in which the blank line ending the event arrived. */
  completeNs = 0;
  /** Number of reads the event's bytes arrived in (1 when it came whole). */
  reads = 0;
  /** Number of `data:` lines joined in the data. */
  dataLines = 0;
  /** @internal */ readonly dataBytes = new ByteBuf(1024);
  /** @internal */ readonly rawBytes = new ByteBuf(1024);

  /** The event's data: its `data:` values joined by LF (UTF-8 decoded once, here). */
  data(): string {
    return this.dataBytes.buf.toString('utf8', 0, this.dataBytes.len);
  }

  /** True when the data is exactly `s` (ASCII), without decoding it. */
  dataIs(s: string): boolean {
    const d = this.dataBytes;
    if (d.len !== s.length) return false;
    for (let i = 0; i < s.length; i++) if (d.buf[i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** The raw bytes of the event as they came on the wire: comment lines inside it, fields, and the blank line ending it. */
  raw(): Buffer {
    return this.rawBytes.buf.subarray(0, this.rawBytes.len);
  }
}

/** A growable byte buffer, reused: appends copy, growth doubles (no allocation per byte or per line). */
class ByteBuf {
  buf: Buffer;
  len = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  append(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.len + n > this.buf.length) this.grow(this.len + n);
    this.buf.set(src.subarray(from, to), this.len);
    this.len += n;
  }

  push(b: number): void {
    if (this.len === this.buf.length) this.grow(this.len + 1);
    this.buf[this.len++] = b;
  }

  private grow(need: number): void {
    const g = Buffer.allocUnsafe(Math.max(this.buf.length * 2, need, 64));
    this.buf.copy(g, 0, 0, this.len);
    this.buf = g;
  }
}

export interface SseHandler {
  (event: SseEvent): void;
}

/** Counts that say how a stream was framed (for timing health and tests). */
export interface SseStats {
  reads: number;
  bytes: number;
  events: number;
  comments: number;
  /** Events whose bytes arrived in more than one read. */
  splitEvents: number;
  /** Most events completed by a single read. */
  maxEventsPerRead: number;
}

export class SseReader {
  readonly stats: SseStats = { reads: 0, bytes: 0, events: 0, comments: 0, splitEvents: 0, maxEventsPerRead: 0 };
  /** Why the stream cannot be read on (an event or line above MAX_EVENT_BYTES), once it cannot; then nothing more is read. */
  failed: string | null = null;
  private readonly ev = new SseEvent();
  /** The current line's bytes, when it started in an earlier read (else it is read in place). */
  private readonly line = new ByteBuf(256);
  /** Whether the current line started in an earlier read (its bytes are in `line`). */
  private lineCarried = false;
  /** The previous byte was a CR ending a line: a LF right after it belongs to it. */
  private afterCR = false;
  /** Stamp of the read in which the current line began. */
  private lineStartNs = 0;
  /** Whether the current event has had a field line (so firstByteNs is set). */
  private eventStarted = false;
  /** Read number in which the current event began (to count its reads). */
  private eventFirstRead = 0;
  private bomChecked = false;
  /** Events completed by the current read so far. */
  private readEvents = 0;
  /** The CR that ended the last event was the last byte of a read: a LF first in the next one is its own. */
  private lfClosesEvent = false;
  private readonly onEvent: SseHandler;

  constructor(onEvent: SseHandler) {
    this.onEvent = onEvent;
  }

  /**
   * Reads body bytes `chunk[from, to)`, stamped `stampNs` when their read reached JS. `sameRead`:
   * a further piece of the read before (a transfer coding split one read's bytes), not a new read.
   */
  push(chunk: Uint8Array, stampNs: number, from = 0, to = chunk.length, sameRead = false): void {
    const n = to;
    if (n <= from || this.failed !== null) return;
    if (!sameRead) {
      this.stats.reads++;
      this.readEvents = 0;
    }
    this.stats.bytes += n - from;
    let i = from;
    if (!this.bomChecked) i = this.skipBom(chunk, from, n);
    // Start of the current line within this chunk (when it was not carried).
    let lineStart = i;
    if (!this.lineCarried && this.line.len === 0) this.lineStartNs = stampNs;
    for (; i < n; i++) {
      const b = chunk[i]!;
      if (b !== LF && b !== CR) {
        this.afterCR = false;
        this.lfClosesEvent = false;
        continue;
      }
      if (b === LF && this.afterCR) {
        // The LF of a CRLF whose CR ended the line: part of that line's raw bytes only.
        this.afterCR = false;
        if (this.lfClosesEvent) this.lfClosesEvent = false;
        else this.appendRaw(chunk, i, i + 1);
        lineStart = i + 1;
        this.lineStartNs = stampNs;
        continue;
      }
      this.afterCR = b === CR;
      // A line ends at i; its bytes: carried part + chunk[lineStart, i).
      let lineBuf: Uint8Array;
      let from: number;
      let to: number;
      if (this.lineCarried) {
        this.appendLine(chunk, lineStart, i);
        lineBuf = this.line.buf;
        from = 0;
        to = this.line.len;
      } else {
        lineBuf = chunk;
        from = lineStart;
        to = i;
      }
      if (to === from) {
        // Blank line: the event ends, with its CRLF whole when the LF is in this read too.
        const termStart = i;
        if (b === CR && i + 1 < n && chunk[i + 1] === LF) {
          i++;
          this.afterCR = false;
        }
        this.appendRaw(chunk, termStart, i + 1);
        if (this.dispatch(stampNs) && ++this.readEvents > this.stats.maxEventsPerRead) this.stats.maxEventsPerRead = this.readEvents;
        this.lfClosesEvent = this.afterCR;
      } else {
        this.appendRaw(lineBuf, from, to);
        this.appendRaw(chunk, i, i + 1);
        this.field(lineBuf, from, to);
        if (this.ev.rawBytes.len > MAX_EVENT_BYTES) return this.fail(`an event is longer than ${MAX_EVENT_BYTES} bytes without the blank line that ends it`);
      }
      this.lineCarried = false;
      this.line.len = 0;
      lineStart = i + 1;
      this.lineStartNs = stampNs;
    }
    // Keep what remains of an unfinished line for the next read.
    if (lineStart < n) {
      if (!this.lineCarried) {
        this.lineCarried = true;
        this.line.len = 0;
      }
      this.appendLine(chunk, lineStart, n);
      if (this.line.len > MAX_EVENT_BYTES) this.fail(`a line of the event stream is longer than ${MAX_EVENT_BYTES} bytes`);
    }
  }

  private fail(why: string): void {
    this.failed = why;
    this.line.len = 0;
    this.ev.rawBytes.len = 0;
    this.ev.dataBytes.len = 0;
  }

  /** Whether bytes of an unfinished event are held (the body ended mid-event when this is true at its end). */
  get pending(): boolean {
    return this.eventStarted || this.line.len > 0 || this.ev.rawBytes.len > 0;
  }

  /** A byte-order mark at the very start of the stream is not part of it (only when the first read holds all three bytes). */
  private skipBom(chunk: Uint8Array, from: number, to: number): number {
    this.bomChecked = true;
    return to - from >= 3 && chunk[from] === 0xef && chunk[from + 1] === 0xbb && chunk[from + 2] === 0xbf ? from + 3 : from;
  }

  /** One non-blank line: a comment, or a field name with an optional value. */
  private field(buf: Uint8Array, from: number, to: number): void {
    const ev = this.ev;
    if (buf[from] === COLON) {
      this.stats.comments++;
      return;
    }
    if (!this.eventStarted) {
      this.eventStarted = true;
      ev.firstByteNs = this.lineStartNs;
      this.eventFirstRead = this.lineCarried ? this.lineFirstRead : this.stats.reads;
    }
    let colon = from;
    while (colon < to && buf[colon] !== COLON) colon++;
    let v = colon < to ? colon + 1 : to;
    if (v < to && buf[v] === SPACE) v++;
    const nameLen = colon - from;
    if (nameLen === 4 && buf[from] === 0x64 && buf[from + 1] === 0x61 && buf[from + 2] === 0x74 && buf[from + 3] === 0x61) {
      // data
      ev.dataBytes.append(buf, v, to);
      ev.dataBytes.push(LF);
      ev.dataLines++;
    } else if (nameLen === 5 && isName(buf, from, 'event')) {
      ev.type = Buffer.from(buf.buffer, buf.byteOffset + v, to - v).toString('utf8');
    } else if (nameLen === 2 && buf[from] === 0x69 && buf[from + 1] === 0x64) {
      // id: ignored when it holds a NUL, as the standard says.
      let nul = false;
      for (let k = v; k < to; k++) if (buf[k] === 0) nul = true;
      if (!nul) ev.lastId = Buffer.from(buf.buffer, buf.byteOffset + v, to - v).toString('utf8');
    }
    // retry and unknown fields: ignored.
  }

  private lineFirstRead = 0;

  /** Ends the current event; returns whether one was delivered (events without data are not, per the standard). */
  private dispatch(stampNs: number): boolean {
    const ev = this.ev;
    const had = this.eventStarted && ev.dataBytes.len > 0;
    if (had) {
      ev.dataBytes.len--; // the LF after the last data line
      ev.completeNs = stampNs;
      ev.reads = this.stats.reads - this.eventFirstRead + 1;
      this.stats.events++;
      if (ev.reads > 1) this.stats.splitEvents++;
      this.onEvent(ev);
    }
    ev.type = 'message';
    ev.dataLines = 0;
    ev.dataBytes.len = 0;
    ev.rawBytes.len = 0;
    this.eventStarted = false;
    return had;
  }

  private appendLine(src: Uint8Array, from: number, to: number): void {
    if (this.line.len === 0) this.lineFirstRead = this.stats.reads;
    this.line.append(src, from, to);
  }

  private appendRaw(src: Uint8Array, from: number, to: number): void {
    this.ev.rawBytes.append(src, from, to);
  }
}

function isName(buf: Uint8Array, from: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) if (buf[from + k] !== name.charCodeAt(k)) return false;
  return true;
}
