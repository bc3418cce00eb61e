/**
 * palens mock --api openai: an OpenAI-compatible server (GET /v1/models, streaming POST
 * /v1/chat/completions and /v1/completions) whose tokens come by the gRPC mock's latency law
 * (mock/latency.ts), with what real servers do on the wire: a role-only first chunk (chat), several
 * tokens per event (`tokensPerChunk`, fixed or a range) with vLLM's continuous usage when asked, a
 * finish chunk, the usage-only chunk, `[DONE]`; and faults: HTTP 429 / 500 answers, an error event
 * mid-stream, a stall, dropped connections. Every event it writes is logged with the time its
 * bytes were handed to the socket (the truth a capture is checked against).
 *
 * It shares no code with the driver's OpenAI client: its HTTP is mock/openai/http.ts on node:net,
 * its events are written here as text; only the latency law and the scheduler are the gRPC mock's.
 */
import { type Clock, MonotonicClock } from '../../records/clock.js';
import { seeded } from '../../records/random.js';
import { type LatencyLaw, LatencyModel } from '../latency.js';
import { PreciseScheduler, type Scheduled } from '../scheduler.js';
import { TruthLogFile } from '../truth-log.js';
import { type HttpExchange, type HttpRequest, listenHttp } from './http.js';

export interface OpenAIMockFaults {
  /** Fraction of requests that get an error event in place of their first token. */
  errorRate: number;
  /** Fraction answered `429 Too Many Requests` at once. */
  rate429: number;
  /** Fraction answered `500 Internal Server Error` at once. */
  rate500: number;
  /** A stall of this many ms halfway through a request's stream… */
  stallMs: number;
  /** …for this fraction of requests. */
  stallRate: number;
  /** After this many events in all, every open connection is dropped, once (0 = never). */
  dropConnectionAfter: number;
}

export interface OpenAIMockOptions {
  port: number;
  law: LatencyLaw;
  /** Tokens per content event: a fixed count, or [min, max] drawn uniformly per event (seeded). @default 1 */
  tokensPerChunk?: number | [number, number];
  /** Model names /v1/models lists and requests may name. @default ['palens-mock'] */
  models?: string[];
  faults?: Partial<OpenAIMockFaults>;
  countTokens?: (text: string) => number;
  truthLog?: string;
  clock?: Clock;
}

/** One event the mock wrote. */
export interface OpenAITruthEntry {
  /** The request's x-palens-request-id header, else the mock's own id. */
  id: string;
  model: string;
  /** Position of the event in its stream (0 = the first event, the role chunk for chat). */
  index: number;
  /** `closed`: the client closed the connection before the stream ended (a timeout or cancel); `emittedNs` is when the mock saw it. */
  kind: 'role' | 'content' | 'finish' | 'usage' | 'done' | 'error' | 'http_error' | 'closed';
  /** Tokens in the event (content events only). */
  tokens: number;
  /** ns since the clock's anchor, right after the event's bytes were handed to the socket. */
  emittedNs: number;
  arrivedNs: number;
  promptTokens: number;
  error: string | null;
}

export interface RunningOpenAIMock {
  port: number;
  /** http://127.0.0.1:PORT */
  target: string;
  models: string[];
  truth: OpenAITruthEntry[];
  clock: Clock;
  active(): number;
  close(): Promise<void>;
}

const WORDS = 'the model streams one token at a time while the client measures how long each one takes to arrive'.split(' ');

interface Body {
  model?: unknown;
  messages?: unknown;
  prompt?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown; continuous_usage_stats?: unknown } | null;
}

export async function startOpenAIMock(o: OpenAIMockOptions): Promise<RunningOpenAIMock> {
  const clock = o.clock ?? new MonotonicClock();
  const latency = new LatencyModel(o.law);
  const faults: OpenAIMockFaults = { errorRate: 0, rate429: 0, rate500: 0, stallMs: 0, stallRate: 0.1, dropConnectionAfter: 0, ...o.faults };
  const random = seeded(o.law.seed + 11);
  const perChunk = o.tokensPerChunk ?? 1;
  const chunkTokens = (): number => (typeof perChunk === 'number' ? perChunk : perChunk[0] + Math.floor(random() * (perChunk[1] - perChunk[0] + 1)));
  const models = o.models ?? ['palens-mock'];
  const countTokens = o.countTokens ?? ((t: string) => t.split(/\s+/).filter(Boolean).length);
  const truth: OpenAITruthEntry[] = [];
  const scheduler = new PreciseScheduler(clock);
  let active = 0;
  let serial = 0;
  let emittedEvents = 0;
  let dropped = false;
  let dropAll = (): void => undefined;
  /** Connections the mock itself dropped (a fault): their close is not the client's. */
  const droppedByMock = new WeakSet<object>();

  const truthFile = new TruthLogFile(o.truthLog, truth, clock);
  const record = (e: Omit<OpenAITruthEntry, 'emittedNs'>): void => {
    truth.push({ ...e, emittedNs: clock.nowNs() });
    truthFile.added();
  };

  const json = (ex: HttpExchange, status: number, reason: string, body: unknown): void => ex.send(status, reason, 'application/json', JSON.stringify(body));
  const fail = (ex: HttpExchange, status: number, reason: string, message: string, type: string): void => json(ex, status, reason, { error: { message, type, code: status } });

  const handle = (req: HttpRequest, ex: HttpExchange): void => {
    const path = req.path.split('?')[0]!;
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      return json(ex, 200, 'OK', { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'palens' })) });
    }
    const chat = path === '/v1/chat/completions';
    if (req.method !== 'POST' || (!chat && path !== '/v1/completions')) return fail(ex, 404, 'Not Found', `no route ${req.method} ${path}`, 'NotFoundError');
    let body: Body;
    try {
      body = JSON.parse(req.body.toString('utf8')) as Body;
    } catch (e) {
      return fail(ex, 400, 'Bad Request', `the body is not JSON: ${(e as Error).message}`, 'BadRequestError');
    }
    const model = String(body.model ?? '');
    if (!models.includes(model)) return fail(ex, 404, 'Not Found', `The model \`${model}\` does not exist.`, 'NotFoundError');
    const prompt = chat ? messagesText(body.messages) : typeof body.prompt === 'string' ? body.prompt : null;
    if (prompt === null) return fail(ex, 400, 'Bad Request', chat ? 'messages: expected a list of messages' : 'prompt: expected a string', 'BadRequestError');
    if (body.stream !== true) return fail(ex, 400, 'Bad Request', 'palens mock streams only: set "stream": true', 'BadRequestError');
    const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? 16);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) return fail(ex, 400, 'Bad Request', `max_tokens must be a positive integer, got ${String(body.max_tokens)}`, 'BadRequestError');
    const includeUsage = body.stream_options?.include_usage === true;
    const continuous = body.stream_options?.continuous_usage_stats === true;
    const id = req.headers['x-palens-request-id'] ?? `mock-${serial++}`;
    const started = req.arrivedNs;
    const promptTokens = countTokens(prompt);
    const base = `{"id":"${chat ? 'chatcmpl' : 'cmpl'}-${serial}","object":"${chat ? 'chat.completion.chunk' : 'text_completion'}","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(model)},"choices":`;
    const usage = (completion: number): string => `{"prompt_tokens":${promptTokens},"completion_tokens":${completion},"total_tokens":${promptTokens + completion}}`;
    const choice = (text: string | null, finish: string | null, role: boolean): string =>
      chat
        ? `[{"index":0,"delta":${role ? '{"role":"assistant","content":""}' : text === null ? '{}' : `{"content":${JSON.stringify(text)}}`},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]`
        : `[{"index":0,"text":${JSON.stringify(text ?? '')},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]`;
    const event = (choices: string, completion: number | null): string => `data: ${base}${choices},"usage":${completion === null ? 'null' : usage(completion)}}\n\n`;

    const r = random();
    if (r < faults.rate429) {
      record({ id, model, index: 0, kind: 'http_error', tokens: 0, arrivedNs: started, promptTokens, error: 'HTTP 429' });
      return fail(ex, 429, 'Too Many Requests', 'mock: injected rate limit', 'RateLimitError');
    }
    if (r < faults.rate429 + faults.rate500) {
      record({ id, model, index: 0, kind: 'http_error', tokens: 0, arrivedNs: started, promptTokens, error: 'HTTP 500' });
      return fail(ex, 500, 'Internal Server Error', 'mock: injected server error', 'InternalServerError');
    }
    active++;
    ex.head(200, 'OK', { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    const timers = new Set<Scheduled>();
    let finished = false;
    // The close listener is this request's only: removed when the stream ends, since a keep-alive
    // socket carries many requests and would otherwise collect one listener per request.
    const onClose = (): void => {
      if (!finished) {
        finished = true;
        active--;
        for (const t of timers) t.cancel();
        if (!droppedByMock.has(ex.socket)) record({ id, model, index: index++, kind: 'closed', tokens: 0, arrivedNs: started, promptTokens, error: 'the client closed the connection' });
      }
    };
    const done = (): void => {
      if (finished) return;
      finished = true;
      active--;
      for (const t of timers) t.cancel();
      ex.socket.off('close', onClose);
      ex.end();
    };
    ex.socket.once('close', onClose);
    let index = 0;
    /** Writes one event and logs it; false when the connection is gone. */
    const emit = (text: string, kind: OpenAITruthEntry['kind'], tokens: number, error: string | null = null): boolean => {
      if (!ex.chunk(text)) return false;
      record({ id, model, index: index++, kind, tokens, arrivedNs: started, promptTokens, error });
      emittedEvents++;
      if (faults.dropConnectionAfter > 0 && emittedEvents >= faults.dropConnectionAfter && !dropped) {
        dropped = true;
        dropAll();
        return false;
      }
      return true;
    };
    const at = (dueNs: number, fn: () => void): void => {
      const t = scheduler.at(started + dueNs, () => {
        timers.delete(t);
        if (!finished) fn();
      });
      timers.add(t);
    };

    // The role chunk leaves at once: a client that takes it for the first token gets a TTFT of ~0.
    if (chat && !emit(event(choice(null, null, true), continuous ? 0 : null), 'role', 0)) return done();
    let due = latency.ttftNs(promptTokens);
    if (faults.errorRate > 0 && random() < faults.errorRate) {
      at(due, () => {
        emit(`data: {"error":{"message":"mock: injected error","type":"InternalServerError","code":500}}\n\n`, 'error', 0, 'mock: injected error');
        done();
      });
      return;
    }
    const stallAt = faults.stallMs > 0 && random() < faults.stallRate ? Math.floor(maxTokens / 2) : -1;
    // Plan the content events: how many tokens each carries, and when its last token is decoded.
    let sent = 0;
    const next = (): void => {
      const n = Math.min(chunkTokens(), maxTokens - sent);
      const words: string[] = [];
      for (let j = 0; j < n; j++) words.push((sent + j === 0 ? '' : ' ') + WORDS[(sent + j + promptTokens) % WORDS.length]!);
      const tokensBefore = sent;
      // The first event's first token is at TTFT; each further token one decode gap later.
      for (let j = tokensBefore === 0 ? 1 : 0; j < n; j++) due += latency.gapNs(promptTokens + tokensBefore + j, active) + (tokensBefore + j === stallAt ? faults.stallMs * 1e6 : 0);
      sent += n;
      const last = sent >= maxTokens;
      at(due, () => {
        if (!emit(event(choice(words.join(''), null, false), continuous ? sent : null), 'content', n)) return done();
        if (!last) return next();
        // The finish chunk (no text), then usage and [DONE], as vLLM sends them.
        if (!emit(event(choice(chat ? null : '', 'length', false), continuous ? sent : null), 'finish', 0)) return done();
        if (includeUsage && !emit(`data: ${base}[],"usage":${usage(sent)}}\n\n`, 'usage', 0)) return done();
        emit('data: [DONE]\n\n', 'done', 0);
        done();
      });
    };
    next();
  };

  const listener = await listenHttp(o.port, handle, () => clock.nowNs());
  dropAll = () => {
    for (const s of listener.sockets) {
      droppedByMock.add(s);
      s.destroy();
    }
  };
  return {
    port: listener.port,
    target: `http://127.0.0.1:${listener.port}`,
    models,
    truth,
    clock,
    active: () => active,
    async close() {
      scheduler.stop();
      await listener.close();
      await truthFile.close();
    },
  };
}

/** The text of chat messages (string contents and text parts), joined by newlines; null when malformed. */
function messagesText(messages: unknown): string | null {
  if (!Array.isArray(messages) || messages.length === 0) return null;
  const parts: string[] = [];
  for (const m of messages) {
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof content === 'string') {
      parts.push(content);
    } else if (Array.isArray(content)) {
      for (const p of content) {
        const text = (p as { text?: unknown } | null)?.text;
        if (typeof text === 'string') parts.push(text);
      }
    } else {
      return null;
    }
  }
  return parts.join('\n');
}
