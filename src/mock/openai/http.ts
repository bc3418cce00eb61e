/**
 * The OpenAI mock's HTTP/1.1, written on node:net by hand: request heads and Content-Length bodies
 * parsed from the socket's bytes, responses written as raw bytes with chunked transfer encoding.
 * The driver's client (driver/openai/http1*.ts) is written apart — it parses responses, this parses
 * requests, and they share no code — so a framing bug in one is not mirrored in the other; the
 * adversarial Python server and the real servers of test/real check the client independently.
 */
import net from 'node:net';

export interface HttpRequest {
  method: string;
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
  /** When the request's first byte reached JS (mock clock). */
  arrivedNs: number;
}

export interface HttpExchange {
  readonly socket: net.Socket;
  /** Status line and headers, then (for a stream) chunks, then `end`. */
  head(status: number, reason: string, headers: Record<string, string>): void;
  /** One chunk of a chunked body; returns false when the socket is gone. */
  chunk(bytes: Buffer | string): boolean;
  /** Ends a chunked body. */
  end(): void;
  /** A whole response with a body of known length. */
  send(status: number, reason: string, contentType: string, body: string): void;
  readonly closed: boolean;
}

export type HttpHandler = (req: HttpRequest, ex: HttpExchange) => void;

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 << 10;

export interface HttpListener {
  port: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export function listenHttp(port: number, handler: HttpHandler, nowNs: () => number): Promise<HttpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf: Buffer = Buffer.alloc(0);
    let arrived = -1;
    // Requests on one connection are answered in order; a new one is read only when the last has ended.
    let busy = false;
    const pump = (): void => {
      while (!busy) {
        const at = buf.indexOf(HEAD_END);
        if (at < 0) {
          if (buf.length > MAX_HEAD) socket.destroy();
          return;
        }
        const lines = buf.toString('latin1', 0, at).split('\r\n');
        const [method = '', path = ''] = (lines[0] ?? '').split(' ');
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const c = line.indexOf(':');
          if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (!Number.isInteger(length) || length < 0 || headers['transfer-encoding'] !== undefined) {
          socket.end('HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        if (buf.length < at + 4 + length) return;
        const body = Buffer.from(buf.subarray(at + 4, at + 4 + length));
        buf = buf.subarray(at + 4 + length);
        const req: HttpRequest = { method, path, headers, body, arrivedNs: arrived };
        arrived = buf.length > 0 ? nowNs() : -1;
        busy = true;
        handler(req, exchange(socket, () => {
          busy = false;
          setImmediate(pump);
        }));
      }
    };
    // A request is handled after the poll phase that read it (setImmediate), not in its read:
    // when many clients send at once (a capture's streams in lock-step), every connection's read is
    // stamped before any handler runs. Handled in the read, each arrival would be stamped after
    // the handlers of the connections read before it (tens of µs each: parse, head, first event),
    // late by up to milliseconds at 32 connections, and the mock's TTFT short by as much.
    let queued = false;
    const handle = (): void => {
      queued = false;
      pump();
    };
    socket.on('data', (b: Buffer) => {
      if (arrived < 0) arrived = nowNs();
      buf = buf.length === 0 ? b : Buffer.concat([buf, b]);
      if (!queued) {
        queued = true;
        setImmediate(handle);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        sockets,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function exchange(socket: net.Socket, finished: () => void): HttpExchange {
  let ended = false;
  const gone = (): boolean => socket.destroyed || !socket.writable;
  return {
    socket,
    get closed() {
      return ended || gone();
    },
    head(status, reason, headers) {
      if (gone()) return;
      let text = `HTTP/1.1 ${status} ${reason}\r\n`;
      for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
      socket.write(text + 'Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n');
    },
    chunk(bytes) {
      if (gone()) return false;
      const len = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
      if (len === 0) return true;
      // One write per chunk, so that an event leaves in one segment (noDelay) as servers send it.
      if (typeof bytes === 'string') socket.write(`${len.toString(16)}\r\n${bytes}\r\n`);
      else socket.write(Buffer.concat([Buffer.from(`${len.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]));
      return true;
    },
    end() {
      if (ended) return;
      ended = true;
      if (!gone()) socket.write('0\r\n\r\n');
      finished();
    },
    send(status, reason, contentType, body) {
      if (ended) return;
      ended = true;
      if (!gone()) socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`);
      finished();
    },
  };
}
