/**
 * Synthetic perf_analyzer profile exports with a known latency law, written as a stream so that
 * gigabyte files cost no memory. Used by samples/ (tools/make-samples.ts), the tests and
 * bench/. Times are kept as exact (sec, nsec) pairs and written as full 19-digit ns values
 * whose low digits a double would lose.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seeded } from '../src/records/random.js';

export type Flavor = 'vllm' | 'vllm-legacy' | 'trtllm' | 'openai' | 'pa-2023';

export interface SynthExperiment {
  mode: 'concurrency' | 'request_rate';
  value: number;
  requests: number;
}

export interface SynthOptions {
  flavor: Flavor;
  experiments: SynthExperiment[];
  /** Non-empty responses per request. */
  responses: number;
  /** Words in each prompt (drives TTFT through the law below). */
  promptWords: number | ((request: number) => number);
  /** TTFT = ttftBaseNs + ttftPerWordNs · words (+ jitter). */
  ttftBaseNs: number;
  ttftPerWordNs: number;
  /** Adds ttftPerWord2Ns · words² (attention's quadratic prefill cost). */
  ttftPerWord2Ns?: number;
  /** Gap between responses = gapNs (+ jitter). */
  gapNs: number;
  /** Adds gapPerWordNs · words to every gap (decoding slows with the prompt's length). */
  gapPerWordNs?: number;
  /** Adds gapPerResponseNs · k to the gap before response k (decoding slows as the output grows). */
  gapPerResponseNs?: number;
  /** Uniform jitter in [0, jitterNs) added to every TTFT and gap. */
  jitterNs: number;
  /** Centre the jitter on zero ([−jitterNs/2, jitterNs/2)), so means follow the law exactly. */
  centeredJitter?: boolean;
  /** Append an empty final response (a decoupled model's null final) to every request. */
  emptyFinal: boolean;
  /** Requests that get no response at all, by index within an experiment. */
  failEvery?: number;
  /** One long gap: before response `response` (≥ 1) of request `request` (of every experiment), `ns` more. */
  stall?: { request: number; response: number; ns: number };
  seed: number;
  /** Epoch ns of the first request, as a decimal string. */
  startNs?: string;
  version?: string;
}

const WORDS = (
  'the quick brown fox jumps over a lazy dog while engineers measure how long a server takes ' +
  'to answer each prompt and how the time between tokens grows with the context it holds'
).split(' ');

/** Seeded uniform numbers in [0, 1): the same generator as the bootstrap's. */
export const rng = seeded;

class Clock {
  sec: number;
  nsec: number;
  constructor(start: string) {
    this.sec = Number(start.slice(0, -9));
    this.nsec = Number(start.slice(-9));
  }
  advance(ns: number): void {
    const total = this.nsec + ns;
    const carry = Math.floor(total / 1e9);
    this.sec += carry;
    this.nsec = total - carry * 1e9;
  }
  text(): string {
    return `${this.sec}${String(this.nsec).padStart(9, '0')}`;
  }
  copy(): Clock {
    const c = new Clock('1000000000');
    c.sec = this.sec;
    c.nsec = this.nsec;
    return c;
  }
}

const before = (a: Clock, b: Clock): boolean => a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);

function prompt(words: number, r: () => number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return out.join(' ');
}

function requestInputs(flavor: Flavor, text: string, maxTokens: number): string {
  switch (flavor) {
    case 'vllm':
      return JSON.stringify({
        text_input: text,
        stream: true,
        sampling_parameters: JSON.stringify({ max_tokens: maxTokens, ignore_eos: true }),
        exclude_input_in_output: true,
      });
    case 'vllm-legacy':
      return JSON.stringify({ PROMPT: text, STREAM: true, SAMPLING_PARAMETERS: JSON.stringify({ max_tokens: maxTokens }) });
    case 'trtllm':
      return JSON.stringify({ text_input: text, max_tokens: maxTokens, stream: true });
    case 'openai':
      return JSON.stringify({
        payload: JSON.stringify({ model: 'llm', messages: [{ role: 'user', content: text }], max_tokens: maxTokens, stream: true }),
      });
    case 'pa-2023':
      return '';
  }
}

function output(flavor: Flavor, token: string | null): string {
  const text = token ?? '';
  switch (flavor) {
    case 'vllm':
    case 'trtllm':
      return token === null ? '{}' : JSON.stringify({ text_output: text });
    case 'vllm-legacy':
      return token === null ? '{}' : JSON.stringify({ TEXT: text });
    case 'openai': {
      if (token === null) return JSON.stringify({ response: 'data: [DONE]\n\n' });
      const chunk = { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'llm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] };
      return JSON.stringify({ response: `data: ${JSON.stringify(chunk)}\n\n` });
    }
    case 'pa-2023':
      return '';
  }
}

/** Writes a synthetic export to `file`; returns its size in bytes. */
export async function writeSyntheticExport(file: string, o: SynthOptions): Promise<number> {
  const out = createWriteStream(file);
  let pending: string[] = [];
  let pendingBytes = 0;
  let written = 0;
  const emit = async (s: string): Promise<void> => {
    pending.push(s);
    pendingBytes += s.length;
    if (pendingBytes >= 1 << 20) await flush();
  };
  const flush = async (): Promise<void> => {
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };

  const r = rng(o.seed);
  const clock = new Clock(o.startNs ?? '1700000000123456789');
  const modern = o.flavor !== 'pa-2023';
  await emit('{"experiments":[');
  for (let e = 0; e < o.experiments.length; e++) {
    const exp = o.experiments[e]!;
    if (e > 0) await emit(',');
    await emit(`{"experiment":{"mode":"${exp.mode}","value":${exp.value}},"requests":[`);
    const windowStart = clock.text();
    // Closed loop at concurrency N: N streams, each sending its next request when its last one
    // ends, so requests overlap as perf_analyzer's do. Every other load is sent one at a time.
    const streams = Array.from({ length: exp.mode === 'concurrency' ? Math.max(1, exp.value) : 1 }, () => clock.copy());
    for (let q = 0; q < exp.requests; q++) {
      if (q > 0) await emit(',');
      const words = typeof o.promptWords === 'function' ? o.promptWords(q) : o.promptWords;
      // The stream free first sends next: send times never go back.
      const stream = streams.reduce((best, c, i) => (before(c, streams[best]!) ? i : best), 0);
      const send = streams[stream]!.copy();
      const text = prompt(words, r);
      const failed = o.failEvery !== undefined && (q + 1) % o.failEvery === 0;
      const stamps: string[] = [];
      const outputs: string[] = [];
      const t = send.copy();
      if (!failed) {
        const jitter = (): number => (o.centeredJitter ? r() - 0.5 : r()) * o.jitterNs;
        t.advance(Math.round(o.ttftBaseNs + o.ttftPerWordNs * words + (o.ttftPerWord2Ns ?? 0) * words * words + jitter()));
        for (let k = 0; k < o.responses; k++) {
          if (k > 0) t.advance(Math.round(o.gapNs + (o.gapPerWordNs ?? 0) * words + (o.gapPerResponseNs ?? 0) * k + jitter()) + (o.stall?.request === q && o.stall.response === k ? o.stall.ns : 0));
          stamps.push(t.text());
          outputs.push(output(o.flavor, WORDS[(q + k) % WORDS.length]! + ' '));
        }
        if (o.emptyFinal) {
          t.advance(Math.round(50_000 + r() * o.jitterNs));
          stamps.push(t.text());
          outputs.push(output(o.flavor, null));
        }
      }
      let req = `{"timestamp":${send.text()}`;
      if (modern) req += `,"request_inputs":${requestInputs(o.flavor, text, o.responses)}`;
      req += `,"response_timestamps":[${stamps.join(',')}]`;
      if (modern) req += `,"response_outputs":[${outputs.join(',')}]`;
      req += '}';
      await emit(req);
      // This stream's next request starts when this one ends (plus client overhead).
      const next = t.copy();
      next.advance(100_000 + Math.round(r() * 10_000));
      streams[stream] = next;
    }
    const last = streams.reduce((a, c) => (before(a, c) ? c : a));
    clock.sec = last.sec;
    clock.nsec = last.nsec;
    await emit(`],"window_boundaries":[${windowStart},${clock.text()}]}`);
  }
  await emit(`],"version":"${o.version ?? '2.41.0'}"`);
  if (modern) {
    const openai = o.flavor === 'openai';
    await emit(`,"service_kind":"${openai ? 'openai' : 'triton'}","endpoint":"${openai ? 'v1/chat/completions' : ''}"`);
  }
  await emit('}');
  await flush();
  out.end();
  await once(out, 'finish');
  return written;
}
