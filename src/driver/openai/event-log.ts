/**
 * One OpenAI request's events while it is in flight: stamps, kinds and cumulative usage in typed
 * arrays and, for a tokenizer's attribution, the content text in a growable buffer — no object per
 * event (the same reason as driver/response-log.ts: short-lived per-token objects cost every
 * scavenge). The raw event text is the capture's (driver/response-log.ts), not kept twice.
 */
import type { Chunk, ChunkKind } from './chunk.js';
import type { SseEvent } from './sse.js';

const KINDS: readonly ChunkKind[] = ['content', 'empty', 'usage', 'done', 'error', 'other'];
const KIND_CODE: Record<ChunkKind, number> = { content: 0, empty: 1, usage: 2, done: 3, error: 4, other: 5 };

export class EventLog {
  count = 0;
  /** Completion stamp of each event (ns, capture clock): what the metrics use. */
  private complete = new Float64Array(16);
  private kind = new Uint8Array(16);
  /** usage.completion_tokens on the event (cumulative with continuous usage), -1 when absent. */
  private usage = new Int32Array(16);
  private textEnd = new Uint32Array(16);
  private text = Buffer.allocUnsafe(256);
  private textUsed = 0;
  /** Last usage.prompt_tokens seen, -1 when none. */
  promptTokens = -1;
  /** Last usage.completion_tokens seen, -1 when none. */
  completionTokens = -1;
  /** Whether `[DONE]` came, and the first choice's last finish_reason. */
  done = false;
  finishReason: string | null = null;
  /** Events whose bytes came in more than one read; largest first-byte → complete spread (ns). */
  splitEvents = 0;
  maxSpreadNs = 0;

  /** `keepText`: keep the content text (a tokenizer's attribution reads it; else it is not needed). */
  constructor(private readonly keepText = true) {}

  add(ev: SseEvent, c: Chunk): void {
    const k = this.count;
    if (k === this.complete.length) this.grow();
    this.complete[k] = ev.completeNs;
    this.kind[k] = KIND_CODE[c.kind];
    this.usage[k] = c.completionTokens;
    if (this.keepText && c.text !== '') {
      const need = Buffer.byteLength(c.text);
      if (this.textUsed + need > this.text.length) {
        const g = Buffer.allocUnsafe(Math.max(this.text.length * 2, this.textUsed + need));
        this.text.copy(g, 0, 0, this.textUsed);
        this.text = g;
      }
      this.textUsed += this.text.write(c.text, this.textUsed);
    }
    this.textEnd[k] = this.textUsed;
    if (c.promptTokens >= 0) this.promptTokens = c.promptTokens;
    if (c.completionTokens >= 0) this.completionTokens = c.completionTokens;
    if (c.kind === 'done') this.done = true;
    if (c.finishReason !== null) this.finishReason = c.finishReason;
    if (ev.reads > 1) this.splitEvents++;
    const spread = ev.completeNs - ev.firstByteNs;
    if (spread > this.maxSpreadNs) this.maxSpreadNs = spread;
    this.count++;
  }

  stamp(k: number): number {
    return this.complete[k]!;
  }

  kindOf(k: number): ChunkKind {
    return KINDS[this.kind[k]!]!;
  }

  isContent(k: number): boolean {
    return this.kind[k] === 0;
  }

  usageOf(k: number): number {
    return this.usage[k]!;
  }

  /** Content text of events 0…k together ('' when the log keeps no text). */
  textThrough(k: number): string {
    return this.text.toString('utf8', 0, this.textEnd[k]!);
  }


  /** Number of content events. */
  contentEvents(): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) if (this.kind[k] === 0) n++;
    return n;
  }

  private grow(): void {
    const n = this.complete.length * 2;
    const f = <T extends Float64Array | Uint8Array | Int32Array | Uint32Array>(a: T, ctor: new (n: number) => T): T => {
      const g = new ctor(n);
      g.set(a);
      return g;
    };
    this.complete = f(this.complete, Float64Array);
    this.kind = f(this.kind, Uint8Array);
    this.usage = f(this.usage, Int32Array);
    this.textEnd = f(this.textEnd, Uint32Array);
  }
}
