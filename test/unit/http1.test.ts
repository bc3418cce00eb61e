import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import { ResponseParser } from '../../src/driver/openai/http1-response.js';
import { Http1Pool, PostBytes } from '../../src/driver/openai/http1.js';

interface Parsed {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  done: boolean;
  keepAlive: boolean;
  error: string | null;
  /** Where feeding stopped in the last read, and the reads the body came in. */
  stoppedAt: number;
  bodyReads: number;
}

/** Feeds `reads` in turn (each stamped by its index) and reports what the parser made of them. */
function parse(reads: string[]): Parsed {
  const out: Parsed = { status: 0, statusText: '', headers: {}, body: '', done: false, keepAlive: true, error: null, stoppedAt: -1, bodyReads: 0 };
  let lastStamp = -1;
  const p = new ResponseParser({
    head: (h) => {
      out.status = h.status;
      out.statusText = h.statusText;
      out.headers = Object.fromEntries(h.headers);
    },
    body: (buf, from, to, stampNs, sameRead) => {
      out.body += buf.toString('latin1', from, to);
      // A further piece of one read is flagged as such, and only then.
      expect(sameRead).toBe(stampNs === lastStamp);
      if (!sameRead) out.bodyReads++;
      lastStamp = stampNs;
    },
  });
  reads.forEach((r, k) => {
    if (p.done || p.error !== null) return;
    // Each read in a larger buffer at an offset, as a reused read buffer is.
    const b = Buffer.alloc(r.length + 7, 0x5a);
    b.write(r, 3, 'latin1');
    out.stoppedAt = p.feed(b, 3, 3 + r.length, k) - 3;
  });
  out.done = p.done;
  out.keepAlive = p.keepAlive;
  out.error = p.error;
  return out;
}

/** Every way of cutting `text` into two reads, and into reads of one byte each. */
function everySplit(text: string): string[][] {
  const ways: string[][] = [[text], [...text]];
  for (let k = 1; k < text.length; k++) ways.push([text.slice(0, k), text.slice(k)]);
  return ways;
}

const SSE = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: [DONE]\n\n';
const chunked = (parts: string[], trailer = ''): string => parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('') + `0\r\n${trailer}\r\n`;

describe('HTTP/1.1 responses, cut into reads at every byte', () => {
  test.each<[string, string, Partial<Parsed>]>([
    ['chunked, one chunk per event', `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${chunked(['data: a\n\n', 'data: [DONE]\n\n'])}`, { status: 200, body: 'data: a\n\ndata: [DONE]\n\n' }],
    ['chunked, an event split across chunks, upper-case hex, extensions, trailers', `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1A;name=value\r\n${SSE.slice(0, 26)}\r\n${(SSE.length - 26).toString(16).toUpperCase()}\r\n${SSE.slice(26)}\r\n0\r\nx-trailer: 1\r\n\r\n`, { status: 200, body: SSE }],
    ['chunked with bare LF line ends', `HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n5\nhello\n0\n\n`, { status: 200, body: 'hello' }],
    ['Content-Length', `HTTP/1.1 404 Not Found\r\ncontent-length: 5\r\ncontent-type: application/json\r\n\r\n{"a":`, { status: 404, statusText: 'Not Found', body: '{"a":' }],
    ['Content-Length 0', 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', { status: 200, body: '' }],
    ['204 has no body', 'HTTP/1.1 204 No Content\r\n\r\n', { status: 204, body: '' }],
    ['a 100 Continue first', `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok`, { status: 200, body: 'ok' }],
    ['repeated fields joined, names lower-cased', 'HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n', { headers: { 'x-a': '1, 2', 'content-length': '0' } }],
    ['Connection: close ends reuse', 'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n', { keepAlive: false }],
    ['HTTP/1.0 without keep-alive ends reuse', 'HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n', { keepAlive: false }],
    ['HTTP/1.0 with keep-alive keeps it', 'HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n', { keepAlive: true }],
    ['blank lines before the status line are skipped', '\r\n\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', { status: 200, body: 'ok' }],
    ['a chunk size with leading zeros', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n00000000000000003\r\nabc\r\n0000\r\n\r\n', { status: 200, body: 'abc' }],
  ])('%s', (_name, wire, expected) => {
    for (const reads of everySplit(wire)) {
      const got = parse(reads);
      expect(got).toMatchObject({ done: true, error: null, ...expected });
      expect(got.stoppedAt).toBe(reads.at(-1)!.length);
    }
  });

  test('the body of one read comes as pieces flagged sameRead, of later reads as new reads', () => {
    const wire = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${chunked(['ab', 'cd', 'ef'])}`;
    expect(parse([wire]).bodyReads).toBe(1);
    const head = wire.indexOf('ab');
    expect(parse([wire.slice(0, head + 1), wire.slice(head + 1)]).bodyReads).toBe(2);
  });

  test('a body framed by the close: everything until the close, never reused', () => {
    const p = new ResponseParser({ head: () => undefined, body: () => undefined });
    const b = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: a\n\n', 'latin1');
    expect(p.feed(b, 0, b.length, 1)).toBe(b.length);
    expect(p.done).toBe(false);
    expect(p.keepAlive).toBe(false);
    expect(p.closed()).toBe(true);
    expect(p.done).toBe(true);
  });

  test('a close in the middle of a chunked or sized body cuts it short', () => {
    for (const wire of ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel', 'HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhel', 'HTTP/1.1 200 OK\r\ncontent-le']) {
      const p = new ResponseParser({ head: () => undefined, body: () => undefined });
      const b = Buffer.from(wire, 'latin1');
      p.feed(b, 0, b.length, 1);
      expect(p.closed()).toBe(false);
      expect(p.untouched).toBe(false);
    }
  });

  test('bytes after the end of a response are not read as its own', () => {
    const wire = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK';
    const got = parse([wire]);
    expect(got.done).toBe(true);
    expect(got.body).toBe('ok');
    expect(got.stoppedAt).toBe(wire.indexOf('okHTTP') + 2);
  });

  test.each<[string, string, RegExp]>([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /does not start with an HTTP\/1\.x status line \(it starts 'SSH-2\.0-OpenSSH'\)/],
    ['HTTP/2 preface', 'HTTP/2 200\r\n\r\n', /status line/],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /not NAME: VALUE \('broken'\)/],
    ['a bad Content-Length', 'HTTP/1.1 200 OK\r\ncontent-length: 1e3\r\n\r\n', /Content-Length '1e3' is not a length/],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /no hexadecimal size/],
    ['a negative chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n-5\r\n', /no hexadecimal size/],
    ['a chunk size too large', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n', /a chunk size is above 2\^48 bytes/],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabX', /not followed by CRLF \(byte 0x58\)/],
    ['control bytes in a message are quoted as they came (printed escaped by src/printable.ts)', 'HTTP/1.1 200 OK\r\n\u001b[31m\r\n\r\n', /'\u001b\[31m'/],
  ])('malformed: %s', (_name, wire, message) => {
    for (const reads of everySplit(wire)) {
      const got = parse(reads);
      expect(got.error).toMatch(message);
      expect(got.done).toBe(false);
      expect(got.keepAlive).toBe(false);
    }
  });

  test('a head longer than 64 KiB is refused, however it is cut', () => {
    const wire = `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(70_000)}\r\n\r\n`;
    expect(parse([wire]).error).toMatch(/longer than 65536 bytes/);
    expect(parse([wire.slice(0, 40_000), wire.slice(40_000)]).error).toMatch(/longer than 65536 bytes/);
  });
});

describe('the pool on real sockets', () => {
  let server: net.Server;
  let port = 0;
  /** What each connection received, in order; the server answers each request as `answer` says. */
  const connections: string[][] = [];
  let answer: (req: string, socket: net.Socket) => void = () => undefined;
  beforeAll(async () => {
    server = net.createServer((socket) => {
      const mine: string[] = [];
      connections.push(mine);
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString('latin1');
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
          if (buf.length < end + 4 + len) return;
          const req = buf.slice(0, end + 4 + len);
          buf = buf.slice(req.length);
          mine.push(req);
          answer(req, socket);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const send = (pool: Http1Pool, body: string): Promise<{ body: string; status: number; error: string | null; left: number }> =>
    new Promise((resolve) => {
      let text = '';
      let status = 0;
      let left = 0;
      const post = new PostBytes('/v1/x', `127.0.0.1:${port}`, { 'content-type': 'application/json' });
      pool.request(post.of(Buffer.from(body), { 'x-id': body }), {
        leaving: (ns) => (left = ns),
        head: (h) => (status = h.status),
        body: (b, from, to) => (text += b.toString('latin1', from, to)),
        end: () => resolve({ body: text, status, error: null, left }),
        error: (message, code) => resolve({ body: text, status, error: `${message} ${code ?? ''}`.trim(), left }),
      });
    });

  test('the request bytes: request line, host, fixed and own fields, length, body; a kept-alive socket carries the next', async () => {
    connections.length = 0;
    answer = (_req, s) => s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    let t = 0;
    const pool = new Http1Pool('127.0.0.1', port, { stamp: () => ++t, now: () => ++t });
    expect(await send(pool, '{"n":1}')).toMatchObject({ body: 'abc', status: 200, error: null });
    expect(await send(pool, '{"n":2}')).toMatchObject({ body: 'abc', status: 200, error: null });
    expect(connections.length).toBe(1);
    expect(connections[0]![0]).toBe(`POST /v1/x HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\nx-id: {"n":1}\r\ncontent-length: 7\r\n\r\n{"n":1}`);
    pool.close();
  });

  test('Connection: close, or a server that closes an idle socket: the next request opens a new one', async () => {
    connections.length = 0;
    answer = (_req, s) => {
      s.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok');
      s.end();
    };
    const pool = new Http1Pool('127.0.0.1', port, { stamp: () => 0, now: () => 0 });
    expect((await send(pool, 'a')).body).toBe('ok');
    expect((await send(pool, 'b')).body).toBe('ok');
    expect(connections.length).toBe(2);
    expect(pool.size).toBeLessThanOrEqual(1);
    pool.close();
  });

  test('a server that resets mid-body, or closes before answering', async () => {
    answer = (_req, s) => {
      s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nab');
      setTimeout(() => s.destroy(), 5);
    };
    const pool = new Http1Pool('127.0.0.1', port, { stamp: () => 0, now: () => 0 });
    const cut = await send(pool, 'a');
    expect(cut.error).toMatch(/in the middle of the response EOF|ECONNRESET/);
    expect(cut.body).toBe('ab');
    answer = (_req, s) => s.end();
    expect((await send(pool, 'b')).error).toBe('the server closed the connection before a response EOF');
    pool.close();
  });

  test('nothing listening: refused', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const pool = new Http1Pool('127.0.0.1', deadPort, { stamp: () => 0, now: () => 0 });
    const got = await new Promise<string>((resolve) =>
      pool.request(Buffer.from('GET / HTTP/1.1\r\n\r\n'), { leaving: () => undefined, head: () => undefined, body: () => undefined, end: () => resolve('ended'), error: (_m, code) => resolve(code ?? '') }),
    );
    expect(got).toBe('ECONNREFUSED');
    pool.close();
  });
});
