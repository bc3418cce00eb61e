/**
 * `--input-data FILE` with `--api openai`: perf_analyzer's input-data JSON (reference: protocols.md
 * §5.1), `{"data": [step, …]}` or `{"data": [[step, …], …]}`, each step in one of two forms:
 *
 * - `payload` — perf_analyzer's form for `--service-kind openai` (what GenAI-Perf writes): an array
 *   holding one JSON object, the HTTP body (`messages` for chat, `prompt` for completions);
 * - a text prompt, as palens takes it for Triton — `text_input`, `PROMPT` or `INPUT_0` (the seed's
 *   prompts.json works unchanged), as `["text"]` or `{"content": ["text"]}` — with what else such a
 *   step carries mapped onto the body: `sampling_parameters` / `SAMPLING_PARAMETERS` (a JSON object,
 *   vLLM's names, which are OpenAI's: max_tokens, temperature, ignore_eos …) and `max_tokens`;
 *   `stream`, `STREAM` and `exclude_input_in_output` are what an OpenAI stream does anyway.
 *
 * Every step is checked when the file is read, before anything is sent: one InputError naming the
 * file and the JSON pointer of the first problem. Each body then streams with usage, as a generated
 * prompt's does: `--max-tokens` / `--ignore-eos` (when given) and `--extra-body` go over it, and
 * `stream: true` with `stream_options.include_usage` last.
 */
import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../../errors.js';
import { promptFromPayload } from '../../export/outputs.js';
import type { RequestPlan, RequestSource } from '../presets.js';
import type { PayloadOptions } from './request.js';

/** Text-prompt inputs, as for Triton (export/outputs.ts PROMPT_INPUT_KEYS). */
const PROMPT_KEYS = ['text_input', 'PROMPT', 'INPUT_0'];
const SAMPLING_KEYS = ['sampling_parameters', 'SAMPLING_PARAMETERS'];
/** Inputs an OpenAI stream has no use for: it streams, and never echoes the prompt. */
const IGNORED_KEYS = ['stream', 'STREAM', 'exclude_input_in_output'];
/** perf_analyzer's pseudo-inputs it tolerates beside the data. */
const TOLERATED_KEYS = ['model', 'timestamp'];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request bodies of an input-data file, in order, checked; `endpoint` decides which body each must be. */
export async function openaiInputData(file: string, o: Pick<PayloadOptions, 'endpoint' | 'model'>): Promise<Json[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    // As for Triton's input data (driver/presets.ts): a file that cannot be read as JSON is a usage error.
    throw new UsageError(`--input-data ${file}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : (e as { code?: string }).code !== undefined ? (e as Error).message : `not JSON (${(e as Error).message})`}`);
  }
  const bad = (pointer: string, expected: string): InputError => new InputError('PALENS_INPUT_SCHEMA', `--input-data (--api openai): ${expected}`, { file, pointer });
  const data = isObject(doc) ? doc.data : undefined;
  if (!Array.isArray(data) || data.length === 0) throw bad(isObject(doc) ? '/data' : '', 'expected {"data": [step, …]} with at least one step');
  const steps: [unknown, string][] = [];
  for (const [i, s] of data.entries()) {
    if (Array.isArray(s)) {
      if (s.length === 0) throw bad(`/data/${i}`, 'expected a stream of at least one step');
      for (const [j, t] of s.entries()) steps.push([t, `/data/${i}/${j}`]);
    } else steps.push([s, `/data/${i}`]);
  }
  return steps.map(([step, at]) => bodyOf(step, at, o, bad));
}

function bodyOf(step: unknown, at: string, o: Pick<PayloadOptions, 'endpoint' | 'model'>, bad: (pointer: string, expected: string) => InputError): Json {
  if (!isObject(step)) throw bad(at, 'expected a step: an object with "payload" (the request body) or a text prompt ("text_input", "PROMPT" or "INPUT_0")');
  const model = step.model;
  if (model !== undefined && model !== o.model) throw bad(`${at}/model`, `the step names model ${JSON.stringify(model)}; this capture is of -m ${o.model}`);
  if ('payload' in step) {
    const extra = Object.keys(step).filter((k) => k !== 'payload' && !TOLERATED_KEYS.includes(k));
    if (extra.length > 0) throw bad(`${at}/${escape(extra[0]!)}`, `a step with "payload" holds the whole body; found also "${extra[0]}"`);
    return checkedBody(payloadObject(step.payload, `${at}/payload`, bad), `${at}/payload/0`, o, bad);
  }
  const body: Json = {};
  let prompt: string | null = null;
  for (const [key, value] of Object.entries(step)) {
    const here = `${at}/${escape(key)}`;
    if (TOLERATED_KEYS.includes(key) || IGNORED_KEYS.includes(key)) continue;
    if (PROMPT_KEYS.includes(key)) {
      if (prompt !== null) throw bad(here, 'expected one text prompt per step');
      prompt = oneString(value, here, bad);
    } else if (SAMPLING_KEYS.includes(key)) {
      const text = oneString(value, here, bad);
      let params: unknown;
      try {
        params = JSON.parse(text);
      } catch {
        params = null;
      }
      if (!isObject(params)) throw bad(here, `expected ${key} to hold a JSON object (e.g. {"max_tokens": 16}), found ${JSON.stringify(text)}`);
      Object.assign(body, params);
    } else if (key === 'max_tokens') {
      const v = Array.isArray(value) && value.length === 1 ? value[0] : isObject(value) && Array.isArray(value.content) && value.content.length === 1 ? value.content[0] : undefined;
      if (!Number.isInteger(v) || (v as number) < 1) throw bad(here, `expected max_tokens as [N] with N ≥ 1, found ${JSON.stringify(value)}`);
      body.max_tokens = v;
    } else {
      throw bad(here, `"${key}" is neither a request body ("payload") nor a text prompt (${PROMPT_KEYS.join(', ')}) nor what goes with one (${[...SAMPLING_KEYS, 'max_tokens', ...IGNORED_KEYS].join(', ')})`);
    }
  }
  if (prompt === null) throw bad(at, 'expected "payload" (the request body) or a text prompt ("text_input", "PROMPT" or "INPUT_0")');
  if (o.endpoint === 'chat') body.messages = [{ role: 'user', content: prompt }];
  else body.prompt = prompt;
  return body;
}

/** perf_analyzer's `payload`: an array of one JSON object (a bare object is taken too). */
function payloadObject(v: unknown, at: string, bad: (pointer: string, expected: string) => InputError): Json {
  if (isObject(v)) return v;
  if (!Array.isArray(v) || v.length !== 1) throw bad(at, `expected "payload": [ {request body} ] (one JSON object in an array), found ${describe(v)}`);
  if (!isObject(v[0])) throw bad(`${at}/0`, `expected the request body, a JSON object, found ${describe(v[0])}`);
  return v[0];
}

/** A body from the file, checked against the endpoint it goes to. */
function checkedBody(body: Json, at: string, o: Pick<PayloadOptions, 'endpoint' | 'model'>, bad: (pointer: string, expected: string) => InputError): Json {
  if (body.model !== undefined && body.model !== o.model) throw bad(`${at}/model`, `the body names model ${JSON.stringify(body.model)}; this capture is of -m ${o.model}`);
  if (body.stream === false) throw bad(`${at}/stream`, 'palens captures stream: leave "stream" out or set it to true');
  if (o.endpoint === 'chat') {
    if (body.prompt !== undefined) throw bad(`${at}/prompt`, 'a completions body ("prompt") sent to /v1/chat/completions: give --endpoint completions, or "messages"');
    const m = body.messages;
    if (!Array.isArray(m) || m.length === 0) throw bad(`${at}/messages`, `expected "messages": a non-empty array of {"role", "content"} for /v1/chat/completions, found ${describe(m)}`);
    for (const [k, message] of m.entries()) {
      if (!isObject(message)) throw bad(`${at}/messages/${k}`, `expected a message {"role", "content"}, found ${describe(message)}`);
      if (typeof message.role !== 'string') throw bad(`${at}/messages/${k}/role`, `expected a role string ("user", "system" …), found ${describe(message.role)}`);
      const c = message.content;
      const parts = Array.isArray(c) && c.every((p) => isObject(p) && typeof p.type === 'string');
      if (typeof c !== 'string' && !parts) throw bad(`${at}/messages/${k}/content`, `expected content as a string or an array of parts ({"type": "text", "text": …}), found ${describe(c)}`);
    }
  } else {
    if (body.messages !== undefined) throw bad(`${at}/messages`, 'a chat body ("messages") sent to /v1/completions: give --endpoint chat, or "prompt"');
    const p = body.prompt;
    if (typeof p !== 'string' && !(Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string'))) throw bad(`${at}/prompt`, `expected "prompt": a string (or an array of strings) for /v1/completions, found ${describe(p)}`);
  }
  if (body.max_tokens !== undefined && !(Number.isInteger(body.max_tokens) && (body.max_tokens as number) >= 1)) throw bad(`${at}/max_tokens`, `expected an integer ≥ 1, found ${describe(body.max_tokens)}`);
  if (body.stream_options !== undefined && !isObject(body.stream_options)) throw bad(`${at}/stream_options`, `expected an object, found ${describe(body.stream_options)}`);
  return body;
}

function oneString(v: unknown, at: string, bad: (pointer: string, expected: string) => InputError): string {
  const list = isObject(v) && 'content' in v ? v.content : v;
  const where = isObject(v) ? `${at}/content` : at;
  if (!Array.isArray(list) || list.length !== 1) throw bad(where, `expected one string, as ["text"] or {"content": ["text"]}, found ${describe(v)}`);
  if (typeof list[0] !== 'string') throw bad(`${where}/0`, `expected a string, found ${describe(list[0])}`);
  return list[0];
}

/** JSON pointer escaping of one key (RFC 6901). */
const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function describe(v: unknown): string {
  const text = JSON.stringify(v) ?? 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * The body sent for one step: the file's, then --max-tokens / --ignore-eos when given, the model (-m),
 * --extra-body, and streaming with usage last (as request.ts builds a generated prompt's).
 */
export function inputDataPayload(body: Json, o: PayloadOptions): string {
  const out: Json = { ...body, model: o.model };
  if (o.maxTokens !== null) out.max_tokens = o.maxTokens;
  if (o.ignoreEos) out.ignore_eos = true;
  Object.assign(out, o.extraBody);
  const fileOptions = isObject(body.stream_options) ? body.stream_options : {};
  const extraOptions = isObject(o.extraBody.stream_options) ? o.extraBody.stream_options : {};
  out.stream = true;
  out.stream_options = { ...fileOptions, include_usage: true, ...(o.usage === 'continuous' ? { continuous_usage_stats: true } : {}), ...extraOptions };
  return JSON.stringify(out);
}

/** A request source over the file's bodies, round robin (perf_analyzer's order). */
export function inputDataSourceOf(file: string, bodies: Json[], o: PayloadOptions): RequestSource {
  const texts = bodies.map((b) => inputDataPayload(b, o));
  let k = 0;
  return {
    description: `perf_analyzer input data (${file}, ${bodies.length} request bod${bodies.length === 1 ? 'y' : 'ies'})`,
    needsPrompts: false,
    check: () => [],
    next: (): RequestPlan => {
      const text = texts[k++ % texts.length]!;
      return { tensors: [{ name: 'payload', datatype: 'BYTES', values: [text] }], parameters: {}, prompt: promptFromPayload(text) };
    },
  };
}
