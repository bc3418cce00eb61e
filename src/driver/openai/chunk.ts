/**
 * What one SSE event of an OpenAI-compatible stream says (reference: protocols.md §6.1): content
 * text, a role-only or empty delta, the usage-only chunk, `[DONE]`, or an error. Decided here once
 * for the live capture; the export reader applies the same rule to the raw text it finds
 * (export/outputs.ts sseChunkIsEmpty): content is `choices[].text` or `choices[].delta.content` /
 * `reasoning_content` that is not empty; nothing else is a token.
 */
import { sseEventText } from '../../export/outputs.js';
import type { SseEvent } from './sse.js';

export type ChunkKind =
  /** Carries generated text: a token (or several). */
  | 'content'
  /** A chunk with choices but no text: the role-only first chunk, an empty delta, a finish_reason-only chunk. */
  | 'empty'
  /** `choices: []` with usage: the usage chunk of stream_options.include_usage. */
  | 'usage'
  /** The `[DONE]` sentinel. */
  | 'done'
  /** An error object (`{"error": …}`) or an `event: error`. */
  | 'error'
  /** JSON that is none of the above, or not JSON. */
  | 'other';

/** One event read; reused — a consumer copies what it keeps. */
export interface Chunk {
  kind: ChunkKind;
  /** Generated text in the event ('' when none). */
  text: string;
  /** usage.completion_tokens when the event carries usage (cumulative with continuous usage), else -1. */
  completionTokens: number;
  /** usage.prompt_tokens when present, else -1. */
  promptTokens: number;
  /** The first choice's finish_reason, or null. */
  finishReason: string | null;
  /** The server's message for an error event. */
  error: string | null;
}

export function newChunk(): Chunk {
  return { kind: 'other', text: '', completionTokens: -1, promptTokens: -1, finishReason: null, error: null };
}

/** Reads event `ev` into `out` (and returns it). */
export function readChunk(ev: SseEvent, out: Chunk): Chunk {
  out.text = '';
  out.completionTokens = -1;
  out.promptTokens = -1;
  out.finishReason = null;
  out.error = null;
  if (ev.dataIs('[DONE]')) {
    out.kind = 'done';
    return out;
  }
  let body: unknown;
  try {
    body = JSON.parse(ev.data());
  } catch {
    out.kind = ev.type === 'error' ? 'error' : 'other';
    if (out.kind === 'error') out.error = ev.data();
    return out;
  }
  if (typeof body !== 'object' || body === null) {
    out.kind = ev.type === 'error' ? 'error' : 'other';
    if (out.kind === 'error') out.error = ev.data();
    return out;
  }
  const o = body as { choices?: unknown; usage?: unknown; error?: unknown; object?: unknown };
  const usage = o.usage;
  if (typeof usage === 'object' && usage !== null) {
    const u = usage as { completion_tokens?: unknown; prompt_tokens?: unknown };
    if (typeof u.completion_tokens === 'number') out.completionTokens = u.completion_tokens;
    if (typeof u.prompt_tokens === 'number') out.promptTokens = u.prompt_tokens;
  }
  if (o.error !== undefined && o.error !== null || ev.type === 'error') {
    out.kind = 'error';
    out.error = errorText(o.error ?? body);
    return out;
  }
  const choices = o.choices;
  if (!Array.isArray(choices)) {
    out.kind = out.completionTokens >= 0 ? 'usage' : 'other';
    return out;
  }
  const text = sseEventText(body);
  for (const c of choices) {
    const reason = (c as { finish_reason?: unknown } | null)?.finish_reason;
    if (typeof reason === 'string') {
      out.finishReason = reason;
      break;
    }
  }
  out.text = text;
  out.kind = text !== '' ? 'content' : choices.length === 0 && out.completionTokens >= 0 ? 'usage' : 'empty';
  return out;
}

/**
 * Whether the export parser will read event `ev`'s raw text as an empty response (export/outputs.ts
 * sseChunkIsEmpty, which parses each `data:` line of it), when that follows from what readChunk made
 * of it: one data line read as content, or as a role/empty delta, usage chunk or `[DONE]`. Null
 * otherwise (several data lines, data that is not a JSON object): the capture applies the rule.
 */
export function emptyAsExported(ev: SseEvent, c: Chunk): boolean | null {
  if (ev.dataLines !== 1) return null;
  switch (c.kind) {
    case 'content':
      return false;
    case 'empty':
    case 'usage':
    case 'done':
      return true;
    default:
      return null;
  }
}

/** A server's error object as one line: its message, with type and code when given. */
export function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (typeof e !== 'object' || e === null) return String(e);
  const o = e as { message?: unknown; type?: unknown; code?: unknown; error?: unknown };
  if (typeof o.error === 'object' && o.error !== null) return errorText(o.error);
  if (typeof o.error === 'string' && o.message === undefined) return o.error;
  const message = typeof o.message === 'string' ? o.message : JSON.stringify(e);
  const extra = [o.type, o.code].filter((x) => typeof x === 'string' || typeof x === 'number').join(', ');
  return extra === '' ? message : `${message} (${extra})`;
}
