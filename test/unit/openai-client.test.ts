import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import { type StreamOutcome, OpenAIClient, baseUrl } from '../../src/driver/openai/client.js';
import { EventLog } from '../../src/driver/openai/event-log.js';
import { type Endpoint, ENDPOINT_PATH, parseExtraBody, parseHeaders, payload } from '../../src/driver/openai/request.js';
import { attributeTokens } from '../../src/driver/openai/tokens.js';
import { DEFAULT_LAW } from '../../src/mock/latency.js';
import { type OpenAIMockFaults, type RunningOpenAIMock, startOpenAIMock } from '../../src/mock/openai/server.js';
import { MonotonicClock } from '../../src/records/clock.js';

const clock = new MonotonicClock();
const law = { ...DEFAULT_LAW, prefillBaseMs: 2, prefillPerTokenUs: 0, decodeGapMs: 1 };

async function run(mock: RunningOpenAIMock, endpoint: Endpoint, o: { usage?: 'final' | 'continuous'; maxTokens?: number; id: string; model?: string }): Promise<{ out: StreamOutcome; log: EventLog }> {
  const client = new OpenAIClient(mock.target, clock, { headers: { 'x-palens-request-id': o.id } });
  const log = new EventLog();
  const body = Buffer.from(payload({ endpoint, model: o.model ?? 'palens-mock', maxTokens: o.maxTokens ?? 12, ignoreEos: false, usage: o.usage ?? 'continuous', extraBody: {} }, 'one two three four'));
  const out = await new Promise<StreamOutcome>((resolve) => client.stream(ENDPOINT_PATH[endpoint], body, { event: (ev, c) => log.add(ev, c), end: resolve }));
  client.close();
  return { out, log };
}

describe('the OpenAI client against palens mock --api openai', () => {
  let mock: RunningOpenAIMock;
  beforeAll(async () => {
    mock = await startOpenAIMock({ port: 0, law, tokensPerChunk: [2, 3] });
  });
  afterAll(() => mock.close());

  test('/v1/models lists the mock model', async () => {
    const client = new OpenAIClient(`${mock.target}/v1`, clock, { headers: {} });
    expect((await client.models()).ids).toEqual(['palens-mock']);
    client.close();
  });

  test.each<[Endpoint]>([['chat'], ['completions']])('%s with continuous usage: every token once, per event as the server sent them', async (endpoint) => {
    const id = `cont-${endpoint}`;
    const { out, log } = await run(mock, endpoint, { id });
    expect(out).toEqual({ status: 'ok', httpStatus: 200, error: null });
    const truth = mock.truth.filter((t) => t.id === id);
    const a = attributeTokens(log, null);
    expect(a.source).toBe('usage');
    expect(a.tokens).toBe(12);
    expect(log.completionTokens).toBe(12);
    // The events the client saw are the events the mock wrote, in order; tokens only on content events.
    expect(log.count).toBe(truth.length);
    expect(a.perEvent).toEqual(truth.map((t) => t.tokens));
    const kinds = truth.map((t) => t.kind);
    expect(kinds.slice(-3)).toEqual(['finish', 'usage', 'done']);
    if (endpoint === 'chat') expect(kinds[0]).toBe('role');
    for (let k = 0; k < log.count; k++) expect(log.isContent(k)).toBe(truth[k]!.kind === 'content');
  });

  test('without continuous usage: one token per content event, or a tokenizer re-encoding the text', async () => {
    const id = 'final-usage';
    const { out, log } = await run(mock, 'chat', { id, usage: 'final' });
    expect(out.status).toBe('ok');
    const truth = mock.truth.filter((t) => t.id === id);
    const events = attributeTokens(log, null);
    expect(events.source).toBe('events');
    expect(events.tokens).toBe(truth.filter((t) => t.kind === 'content').length);
    // The mock's tokens are words: a word counter is an exact tokenizer for it.
    const words = (t: string): number => t.split(/\s+/).filter(Boolean).length;
    const tok = attributeTokens(log, words);
    expect(tok.source).toBe('tokenizer');
    expect(tok.perEvent).toEqual(truth.map((t) => t.tokens));
    expect(log.completionTokens).toBe(12);
  });

  test('an unknown model: HTTP 404 with the server message', async () => {
    const { out } = await run(mock, 'chat', { id: 'unknown', model: 'nope' });
    expect(out).toEqual({ status: 'server_error', httpStatus: 404, error: 'HTTP 404 Not Found: The model `nope` does not exist. (NotFoundError, 404)' });
  });
});

describe('the send stamp', () => {
  test('each request is stamped right before its own write: at once on a kept-alive socket, once connected on a new one; before the server reads it', async () => {
    const mock = await startOpenAIMock({ port: 0, law, clock });
    const client = new OpenAIClient(mock.target, clock, { headers: {} });
    try {
      for (const round of ['new sockets', 'kept-alive sockets']) {
        const leaving = new Map<string, number>();
        const called = new Map<string, [number, number]>();
        const done: Promise<StreamOutcome>[] = [];
        const ids = Array.from({ length: 6 }, (_, k) => `${round}-${k}`);
        for (const id of ids) {
          const body = Buffer.from(payload({ endpoint: 'chat', model: 'palens-mock', maxTokens: 2, ignoreEos: false, usage: 'final', extraBody: {} }, 'one two'));
          const before = clock.nowNs();
          done.push(new Promise((resolve) => client.stream(ENDPOINT_PATH.chat, body, { event: () => undefined, end: resolve, leaving: (ns) => leaving.set(id, ns) }, { 'x-palens-request-id': id })));
          called.set(id, [before, clock.nowNs()]);
        }
        expect((await Promise.all(done)).map((o) => o.status)).toEqual(ids.map(() => 'ok'));
        for (const id of ids) {
          // Same process, same clock: the stamp comes after the call began, and before the mock read the request.
          const arrived = mock.truth.find((t) => t.id === id)!.arrivedNs;
          const [before, after] = called.get(id)!;
          expect(leaving.get(id)).toBeGreaterThanOrEqual(before);
          expect(leaving.get(id)).toBeLessThanOrEqual(arrived);
          // A kept-alive socket is written inside the call; a new one only once it has connected, after the call.
          if (round === 'kept-alive sockets') expect(leaving.get(id)).toBeLessThanOrEqual(after);
          else expect(leaving.get(id)).toBeGreaterThan(after);
        }
      }
    } finally {
      client.close();
      await mock.close();
    }
  });
});

describe('statuses from injected faults', () => {
  const withFaults = async (faults: Partial<OpenAIMockFaults>, fn: (mock: RunningOpenAIMock) => Promise<void>): Promise<void> => {
    const mock = await startOpenAIMock({ port: 0, law, faults });
    try {
      await fn(mock);
    } finally {
      await mock.close();
    }
  };

  test('HTTP 429 and 500', async () => {
    await withFaults({ rate429: 1 }, async (mock) => {
      expect((await run(mock, 'chat', { id: 'a' })).out).toEqual({ status: 'server_error', httpStatus: 429, error: 'HTTP 429 Too Many Requests: mock: injected rate limit (RateLimitError, 429)' });
    });
    await withFaults({ rate500: 1 }, async (mock) => {
      expect((await run(mock, 'completions', { id: 'b' })).out).toMatchObject({ status: 'server_error', httpStatus: 500 });
    });
  });

  test('an error event mid-stream', async () => {
    await withFaults({ errorRate: 1 }, async (mock) => {
      const { out, log } = await run(mock, 'chat', { id: 'e' });
      expect(out).toEqual({ status: 'server_error', httpStatus: 200, error: 'mock: injected error (InternalServerError, 500)' });
      expect(log.kindOf(log.count - 1)).toBe('error');
    });
  });

  test('a connection reset mid-stream', async () => {
    await withFaults({ dropConnectionAfter: 3 }, async (mock) => {
      const { out, log } = await run(mock, 'chat', { id: 'r', maxTokens: 40 });
      expect(out.status).toBe('client_error');
      expect(out.error).toMatch(/^connection (reset|closed) by the server after \d+ events|^the stream ended after \d+ events without \[DONE\]/);
      expect(log.count).toBeLessThanOrEqual(3);
    });
  });

  test('an event stream whose line never ends: the request fails at 16 MiB, the socket is closed', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
        const piece = `100000\r\n${'x'.repeat(1 << 20)}\r\n`;
        const more = (): void => {
          while (!socket.destroyed && socket.write(piece));
          if (!socket.destroyed) socket.once('drain', more);
        };
        socket.write('6\r\ndata: \r\n');
        more();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new OpenAIClient(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, clock, { headers: {} });
    const out = await new Promise<StreamOutcome>((resolve) => client.stream(ENDPOINT_PATH.chat, Buffer.from('{}'), { event: () => undefined, end: resolve }));
    expect(out).toEqual({ status: 'client_error', httpStatus: 200, error: 'a line of the event stream is longer than 16777216 bytes (after 0 events)' });
    client.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('a server that is not there', async () => {
    const mock = await startOpenAIMock({ port: 0, law });
    const target = mock.target;
    await mock.close();
    const client = new OpenAIClient(target, clock, { headers: {} });
    await expect(client.models()).rejects.toThrow(/cannot reach an OpenAI-compatible server/);
    client.close();
  });
});

describe('request bodies and options', () => {
  test('chat and completions bodies stream with usage; extra body merged, stream kept', () => {
    const o = { model: 'm', maxTokens: 40, ignoreEos: true, usage: 'continuous' as const, extraBody: parseExtraBody('{"temperature":0,"stream_options":{"x":1}}') };
    expect(JSON.parse(payload({ ...o, endpoint: 'chat' }, 'hi'))).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 40,
      ignore_eos: true,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true, x: 1 },
    });
    expect(JSON.parse(payload({ ...o, endpoint: 'completions', usage: 'final', ignoreEos: false, extraBody: {} }, 'hi'))).toEqual({ model: 'm', prompt: 'hi', max_tokens: 40, stream: true, stream_options: { include_usage: true } });
    expect(() => parseExtraBody('{"stream":false}')).toThrow(/does not go with a streaming capture/);
    expect(() => parseExtraBody('[1]')).toThrow(/expected a JSON object/);
  });

  test('headers: values from the environment, never in messages', () => {
    expect(parseHeaders(['Authorization: Bearer $KEY', 'X-A:b'], { KEY: 'secret' })).toEqual({ Authorization: 'Bearer secret', 'X-A': 'b' });
    expect(parseHeaders(['Authorization: env:KEY', 'X-B: ${KEY}-x'], { KEY: 'secret' })).toEqual({ Authorization: 'secret', 'X-B': 'secret-x' });
    expect(() => parseHeaders(['Authorization: $MISSING'], {})).toThrow(/the environment has no MISSING/);
    expect(() => parseHeaders(['bad header'], {})).toThrow(/expected NAME:VALUE/);
    try {
      parseHeaders(['bad header'], {});
    } catch (e) {
      expect((e as Error).message).not.toContain('header bad');
    }
  });

  test('base URLs', () => {
    expect(baseUrl('127.0.0.1:8000').href).toBe('http://127.0.0.1:8000/');
    expect(baseUrl('http://h:1/v1').href).toBe('http://h:1/');
    expect(baseUrl('http://h:1/proxy/v1/').href).toBe('http://h:1/proxy/');
  });
});
