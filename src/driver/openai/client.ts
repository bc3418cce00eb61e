/**
 * An HTTP/1.1 client for OpenAI-compatible servers: the model list (`GET /v1/models`, node:http) and
 * streaming POSTs on kept-alive sockets of its own (driver/openai/http1.ts) whose body is read as
 * server-sent events. Each read of the body is stamped the moment it reaches JS, before any parsing,
 * and handed to the byte-level SSE reader with that stamp.
 *
 * How a stream ends is decided here, from what the wire said: `ok` after `[DONE]` (or a clean end
 * of the body after a finish_reason, for servers that send no `[DONE]`), an HTTP status other than
 * 200 with the server's message, an error event, a connection reset or a body cut short.
 */
import http from 'node:http';
import { ServerError } from '../../errors.js';
import { type Clock, turnStamper } from '../../records/clock.js';
import { type Chunk, errorText, newChunk, readChunk } from './chunk.js';
import { Http1Pool, PostBytes } from './http1.js';
import { type SseEvent, SseReader } from './sse.js';

export interface StreamOutcome {
  status: 'ok' | 'server_error' | 'client_error';
  /** HTTP status of the response (0 when none came). */
  httpStatus: number;
  error: string | null;
}

export interface StreamHandler {
  /** An event arrived; `chunk` is what it says. Both objects are reused after the call returns. */
  event(ev: SseEvent, chunk: Chunk): void;
  /** The stream ended, once, unless it was aborted. */
  end(outcome: StreamOutcome): void;
  /** The request's bytes are handed to a connected socket now (`stampNs`, on the client's clock), right before the write. */
  leaving?(stampNs: number): void;
}

export interface OpenStream {
  /** Stops the request (timeout, cancel): the handler's `end` is not called. */
  abort(): void;
}

export interface ClientOptions {
  /** Extra request headers (an API key …); never printed. */
  headers: Record<string, string>;
}

/** How long a body may go on after `[DONE]` before its socket is closed. */
const AFTER_DONE_MS = 5_000;

/** Longest error body kept from a failed response. */
const MAX_ERROR_BODY = 64 << 10;

export class OpenAIClient {
  readonly base: URL;
  /** For GET /v1/models only (once, before the capture). */
  private readonly agent: http.Agent;
  /** The streaming POSTs (driver/openai/http1.ts: why not node:http). */
  private readonly pool: Http1Pool;
  /** Each path's request head, made once. */
  private readonly posts = new Map<string, PostBytes>();
  private readonly headers: Record<string, string>;

  constructor(
    target: string,
    private readonly clock: Clock,
    o: ClientOptions,
  ) {
    this.base = baseUrl(target);
    // Sockets are kept for the next request (no TCP set-up in a TTFT); no cap, so a request never
    // waits in the agent's queue for a socket (that wait would count as the server's time).
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, noDelay: true } as http.AgentOptions);
    this.headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...o.headers };
    // 'read' (default): each body read stamped when it reaches JS. 'turn': the first read of an
    // event-loop turn stamps every read of that turn, as the gRPC client does; under load a turn can
    // read bytes that came after its first read, and stamp them early (bench/openai.ts measures both).
    const stamp = (process.env.PALENS_STAMP ?? 'read') === 'turn' ? turnStamper(() => clock.nowNs()) : () => clock.nowNs();
    this.pool = new Http1Pool(this.base.hostname.replace(/^\[|\]$/g, ''), Number(this.base.port || 80), { stamp, now: () => clock.nowNs() });
  }

  get target(): string {
    return this.base.origin;
  }

  /** The ids `GET /v1/models` lists. */
  async models(timeoutMs = 10_000): Promise<{ ids: string[]; body: unknown }> {
    const { status, body } = await this.get('v1/models', timeoutMs);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ServerError(`GET v1/models answered HTTP ${status} with a body that is not JSON${status === 200 ? '' : `: ${body.slice(0, 200)}`}`, this.target, undefined, 'is this an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp …)?');
    }
    if (status !== 200) throw new ServerError(`GET /v1/models: HTTP ${status}: ${errorText(json)}`, this.target, undefined, status === 401 || status === 403 ? 'give the key with --header "Authorization: Bearer $OPENAI_API_KEY"' : undefined);
    const data = (json as { data?: unknown } | null)?.data;
    const ids = Array.isArray(data) ? data.map((m) => String((m as { id?: unknown } | null)?.id ?? '')).filter((s) => s !== '') : [];
    return { ids, body: json };
  }

  private get(path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(path, this.base), { method: 'GET', agent: this.agent, headers: { ...this.headers, accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) => reject(new ServerError(`cannot reach an OpenAI-compatible server (${(e as Error).message})`, this.target, e, 'is the server running, and is this its HTTP address (e.g. http://127.0.0.1:8000)?')));
      req.end();
    });
  }

  /**
   * POSTs `body` to `path` and reads the answer as an event stream. The request is written at once
   * on a kept-alive socket, or once a new socket connects: `h.leaving` is told the moment right
   * before that write, so a send stamped there is never after the bytes leave and never early by a
   * TCP connect or by the writes of other requests.
   */
  stream(path: string, body: Buffer, h: StreamHandler, headers: Record<string, string> = {}): OpenStream {
    let finished = false;
    let afterDone: NodeJS.Timeout | null = null;
    const end = (o: StreamOutcome): void => {
      if (afterDone !== null) clearTimeout(afterDone);
      if (finished) return;
      finished = true;
      h.end(o);
    };
    const chunk = newChunk();
    let errorSeen: string | null = null;
    let done = false;
    let finishSeen = false;
    let events = 0;
    const reader = new SseReader((ev) => {
      events++;
      readChunk(ev, chunk);
      if (chunk.kind === 'done' && !done) {
        done = true;
        // The request is complete at [DONE]; a body whose end never follows would hold its socket
        // for the rest of the capture (one per request): it is closed after AFTER_DONE_MS.
        afterDone = setTimeout(() => {
          afterDone = null;
          if (finished) return;
          req.abort();
          end({ status: 'ok', httpStatus: 200, error: null });
        }, AFTER_DONE_MS);
        afterDone.unref();
      } else if (chunk.kind === 'error' && errorSeen === null) errorSeen = chunk.error;
      if (chunk.finishReason !== null) finishSeen = true;
      h.event(ev, chunk);
    });
    let post = this.posts.get(path);
    if (post === undefined) {
      const url = new URL(path, this.base);
      post = new PostBytes(url.pathname + url.search, this.base.host, this.headers);
      this.posts.set(path, post);
    }
    const bytes = post.of(body, headers);
    let status = 0;
    let statusText = '';
    let type = '';
    let isStream = false;
    // The body of an answer that is not an event stream: the server's message, kept up to MAX_ERROR_BODY.
    const parts: Buffer[] = [];
    let size = 0;
    // (The handlers run on later reads, after `req` is set.)
    const req = this.pool.request(bytes, {
      leaving: (stampNs) => h.leaving?.(stampNs),
      head: (r) => {
        status = r.status;
        statusText = r.statusText;
        type = r.headers.get('content-type') ?? '';
        isStream = status === 200 && type.startsWith('text/event-stream');
      },
      body: (buf, from, to, stampNs, sameRead) => {
        if (isStream) {
          reader.push(buf, stampNs, from, to, sameRead);
          if (reader.failed !== null) {
            req.abort();
            end({ status: 'client_error', httpStatus: status, error: `${reader.failed} (after ${events} events)` });
          }
        } else {
          if (size < MAX_ERROR_BODY) parts.push(Buffer.from(buf.subarray(from, to)));
          size += to - from;
        }
      },
      end: () => {
        if (!isStream) {
          const text = Buffer.concat(parts).toString('utf8').slice(0, MAX_ERROR_BODY);
          let message = text.trim();
          try {
            message = errorText(JSON.parse(text));
          } catch {
            // not JSON: the text as it is
          }
          if (status === 200) end({ status: 'client_error', httpStatus: status, error: `the server answered ${type || 'without a content type'}, not an event stream` });
          else end({ status: 'server_error', httpStatus: status, error: `HTTP ${status}${statusText ? ` ${statusText}` : ''}${message ? `: ${message}` : ''}` });
        } else if (errorSeen !== null) end({ status: 'server_error', httpStatus: status, error: errorSeen });
        else if (done || (finishSeen && !reader.pending)) end({ status: 'ok', httpStatus: status, error: null });
        else end({ status: 'client_error', httpStatus: status, error: `the stream ended after ${events} events without [DONE]${reader.pending ? ', in the middle of an event' : ''}` });
      },
      error: (message, code) => {
        const what = `connection ${describe(message, code)}`;
        if (status === 0) end({ status: 'client_error', httpStatus: 0, error: `${what} before a response` });
        else if (!isStream) end({ status: 'client_error', httpStatus: status, error: `${what} while reading HTTP ${status}` });
        else end({ status: 'client_error', httpStatus: status, error: `${what} after ${events} events` });
      },
    });
    return {
      abort: () => {
        finished = true;
        if (afterDone !== null) clearTimeout(afterDone);
        req.abort();
      },
    };
  }

  close(): void {
    this.pool.close();
    this.agent.destroy();
  }
}

function describe(message: string, code: string | undefined): string {
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset by the server';
  if (code === 'EOF') return 'closed by the server';
  if (code === 'ECONNREFUSED') return 'refused';
  return `failed (${code ?? message})`;
}

/** http://host:port, with or without a trailing /v1 (the paths add it). */
export function baseUrl(target: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `http://${target}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ServerError(`'${target}' is not an address (expected http://HOST:PORT)`, target);
  }
  if (url.protocol !== 'http:') throw new ServerError(`${url.protocol.replace(':', '')} is not supported (plain http:// only)`, target);
  url.pathname = url.pathname.replace(/\/v1\/?$/, '/').replace(/\/?$/, '/');
  return url;
}
