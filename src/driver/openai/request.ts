/**
 * The body of a streaming OpenAI request (reference: protocols.md §6): `/v1/chat/completions` with the
 * prompt as one user message, or `/v1/completions` with it as `prompt`; always `stream: true` and
 * `stream_options.include_usage` (the server's own token count is the primary one); vLLM's
 * `continuous_usage_stats` with `--usage continuous`; `--extra-body` merged last, so a user can
 * override anything but streaming.
 */
import { UsageError } from '../../errors.js';

import type { Endpoint } from './apis.js';

export type { Endpoint };

/** Paths relative to the base URL, as perf_analyzer's export names them in `endpoint`. */
export const ENDPOINT_PATH: Record<Endpoint, string> = { chat: 'v1/chat/completions', completions: 'v1/completions' };

export interface PayloadOptions {
  endpoint: Endpoint;
  model: string;
  maxTokens: number | null;
  ignoreEos: boolean;
  usage: 'final' | 'continuous';
  extraBody: Record<string, unknown>;
}

/** The JSON text sent for `prompt` (also what the export keeps as `request_inputs.payload`). */
export function payload(o: PayloadOptions, prompt: string): string {
  const body: Record<string, unknown> = { model: o.model };
  if (o.endpoint === 'chat') body.messages = [{ role: 'user', content: prompt }];
  else body.prompt = prompt;
  if (o.maxTokens !== null) body.max_tokens = o.maxTokens;
  if (o.ignoreEos) body.ignore_eos = true;
  Object.assign(body, o.extraBody);
  const extraOptions = (o.extraBody.stream_options ?? {}) as Record<string, unknown>;
  body.stream = true;
  body.stream_options = { include_usage: true, ...(o.usage === 'continuous' ? { continuous_usage_stats: true } : {}), ...extraOptions };
  return JSON.stringify(body);
}

/** --extra-body JSON: an object merged into every request body. */
export function parseExtraBody(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--extra-body: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--extra-body: expected a JSON object, e.g. \'{"temperature":0}\'');
  if ((v as { stream?: unknown }).stream === false) throw new UsageError('--extra-body: "stream": false does not go with a streaming capture');
  return v as Record<string, unknown>;
}

/**
 * --header 'K: V' (or K:V). `$NAME` or `${NAME}` in the value (single-quoted, so the shell left it),
 * or a whole value `env:NAME`, is read from the environment, so a key need not appear on the command
 * line. Values are never printed or written.
 */
export function parseHeaders(specs: readonly string[], env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.indexOf(':');
    if (at <= 0) throw new UsageError(`--header ${redact(spec)}: expected NAME:VALUE`);
    const name = spec.slice(0, at).trim();
    let value = spec.slice(at + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`--header: '${name}' is not a header name`);
    const whole = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    const read = (v: string): string => {
      const got = env[v];
      if (got === undefined) throw new UsageError(`--header ${name}: the environment has no ${v}`);
      return got;
    };
    value = whole !== null ? read(whole[1]!) : value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => read((a ?? b)!));
    // HTTP forbids control characters in a value (CR or LF would split the header); tab is allowed.
    // The value itself is never printed: it may be a key.
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw new UsageError(`--header ${name}: the value holds a control character (CR, LF or another), which an HTTP header cannot carry`);
    // A header is bytes: palens writes each character as one (ISO-8859-1), so none can be above U+00FF.
    if (/[^\u0000-\u00ff]/.test(value)) throw new UsageError(`--header ${name}: the value holds a character outside ISO-8859-1, which palens cannot send as one byte`);
    out[name] = value;
  }
  return out;
}

/** A header spec with its value hidden, for messages. */
export function redact(spec: string): string {
  const at = spec.indexOf(':');
  return at <= 0 ? '(a header)' : `${spec.slice(0, at)}: ***`;
}
