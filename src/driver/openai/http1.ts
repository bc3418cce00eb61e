/**
 * The streaming side of an HTTP/1.1 client, on net.Socket: writes one POST, reads the response
 * (driver/openai/http1-response.ts parses it), and hands every body byte to the caller the moment
 * its read reaches JS, as slices of that read (chunked coding removed; no copy, no stream object,
 * no event per read).
 *
 * Why not node:http or undici: an SSE stream of one token per event is one socket read per event,
 * and at 32 streams × 50 events that read path is most of a capture's CPU. Measured on this machine
 * (32 streams against `palens mock --api openai`, CPU per event, client process only): node:http's
 * IncomingMessage stream 18.7–19.4 µs, undici 6/7's lowest-level dispatch handler 21–27 µs, a bare
 * socket that only counts bytes 11.5–12.8 µs with 'data' events and 8.7–9.7 µs with `onread`
 * (used here). What this file adds to the bare socket is a loop over the bytes of a read.
 * `GET /v1/models` (once, before the capture) stays on node:http.
 *
 * A connection is kept for the next request only when its response ended cleanly by its framing,
 * with nothing after it, and said neither `Connection: close` nor HTTP/1.0 without keep-alive; an
 * idle connection that the server closes is dropped.
 */
import net from 'node:net';
import { type ResponseHead, ResponseParser } from './http1-response.js';

export type { ResponseHead };

export interface Http1Handler {
  /** Right before the request's bytes are written to a connected socket; `stampNs` on the caller's clock. */
  leaving(stampNs: number): void;
  /** The response head (after any 1xx). */
  head(h: ResponseHead): void;
  /**
   * Body bytes `buf[from, to)`, from a read stamped `stampNs`. `sameRead` is true for a second or later
   * piece of one read (chunked framing split it). The buffer is reused for the next read: copy what is kept.
   */
  body(buf: Buffer, from: number, to: number, stampNs: number, sameRead: boolean): void;
  /** The body ended by its framing (or by the close, for a body framed by it). */
  end(): void;
  /** The connection failed or the response was malformed, before the body's end. */
  error(message: string, code: string | undefined): void;
}

export interface Http1Request {
  /** Stops the request: its socket is destroyed (the server sees the client go away); no handler call follows. */
  abort(): void;
}

/** One socket, and the request on it. */
class Connection {
  readonly socket: net.Socket;
  handler: Http1Handler | null = null;
  private parser: ResponseParser | null = null;

  constructor(readonly pool: Http1Pool) {
    // `onread`: each read lands in the pool's one buffer and comes to onData directly — no Buffer
    // and no stream 'data' event per read (1.5–2.4 µs of CPU per read beside 5–10 µs for
    // socket.on('data'), same machine and run). What is kept of a read is copied.
    this.socket = net.connect({
      host: pool.host,
      port: pool.port,
      onread: {
        buffer: pool.readBuffer,
        callback: (n: number, b: Uint8Array): boolean => {
          this.onData(b as Buffer, n);
          return true;
        },
      },
    });
    this.socket.setNoDelay(true);
    this.socket.on('end', () => this.onClose(null));
    this.socket.on('close', () => this.onClose(null));
    this.socket.on('error', (e: Error) => this.onClose(e));
  }

  /** Writes `bytes` (the whole request) at once, or once the socket has connected; stamps right before. */
  start(handler: Http1Handler, bytes: Buffer): void {
    this.handler = handler;
    this.parser = new ResponseParser(handler);
    const write = (): void => {
      if (this.handler !== handler) return;
      handler.leaving(this.pool.now());
      this.socket.write(bytes);
    };
    if (this.socket.connecting) this.socket.once('connect', write);
    else write();
  }

  private onData(b: Buffer, n: number): void {
    const stamp = this.pool.stamp();
    const h = this.handler;
    const p = this.parser;
    if (h === null || p === null) {
      // Bytes with no request waiting: the connection is out of step; never reuse it.
      this.drop();
      return;
    }
    const at = p.feed(b, 0, n, stamp);
    if (this.handler !== h) return; // aborted from a handler call
    if (p.error !== null) return this.fail(p.error, undefined);
    // Put back for the next request only when nothing followed the response in its read (bytes
    // after it: the server is out of step), and before the handler hears of the end, so a request
    // it sends at once may take this connection.
    if (p.done) this.complete(at === n && p.keepAlive);
  }

  private complete(reusable: boolean): void {
    const h = this.handler;
    this.handler = null;
    this.parser = null;
    if (reusable) this.pool.release(this);
    else this.drop();
    h?.end();
  }

  private fail(message: string, code: string | undefined): void {
    const h = this.handler;
    this.handler = null;
    this.parser = null;
    this.drop();
    h?.error(message, code);
  }

  private onClose(e: Error | null): void {
    const h = this.handler;
    const p = this.parser;
    this.pool.forget(this);
    if (h === null || p === null) return;
    if (e === null && p.closed()) return this.complete(false);
    const code = (e as { code?: string } | null)?.code;
    if (e !== null) return this.fail(e.message, code);
    // A clean close (FIN) where the response had not ended: 'EOF', told apart from a reset.
    this.fail(p.untouched ? 'the server closed the connection before a response' : 'the server closed the connection in the middle of the response', 'EOF');
  }

  /** Forgets the connection and destroys its socket. */
  private drop(): void {
    this.pool.forget(this);
    this.socket.destroy();
  }

  /** Stops the request (abort): destroys the socket without telling the handler. */
  abort(): void {
    this.handler = null;
    this.parser = null;
    this.drop();
  }
}

export interface Http1PoolOptions {
  /** Stamps each read as it reaches JS (ns). */
  stamp: () => number;
  /** The clock, read right before each request's write (ns). */
  now: () => number;
}

/**
 * Connections to one host:port. A request takes an idle kept-alive connection or opens a new one
 * (no cap: a request never waits for a socket, which would count as the server's time).
 */
export class Http1Pool {
  readonly stamp: () => number;
  readonly now: () => number;
  /** Every connection's reads land here in turn (each is handled before the next read). */
  readonly readBuffer = Buffer.allocUnsafe(64 << 10);
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    o: Http1PoolOptions,
  ) {
    this.stamp = o.stamp;
    this.now = o.now;
  }

  /** Sends `bytes` (a complete request: head and body). */
  request(bytes: Buffer, handler: Http1Handler): Http1Request {
    if (this.closed) throw new Error('Http1Pool: closed');
    let c = this.idle.pop();
    if (c === undefined) {
      c = new Connection(this);
      this.all.add(c);
    }
    c.start(handler, bytes);
    const conn = c;
    return {
      abort: () => {
        if (conn.handler === handler) conn.abort();
      },
    };
  }

  /** @internal A connection whose response ended cleanly and may carry the next request. */
  release(c: Connection): void {
    if (this.closed) {
      this.forget(c);
      c.socket.destroy();
      return;
    }
    this.idle.push(c);
  }

  /** @internal A connection that is gone or going. */
  forget(c: Connection): void {
    this.all.delete(c);
    const k = this.idle.indexOf(c);
    if (k >= 0) this.idle.splice(k, 1);
  }

  /** Connections open now (in use or idle). */
  get size(): number {
    return this.all.size;
  }

  close(): void {
    this.closed = true;
    for (const c of [...this.all]) c.abort();
    this.idle.length = 0;
  }
}

/**
 * The bytes of POSTs to one path with one set of header fields: the head's fixed part is made once,
 * each request adds its own fields (a request id), Content-Length and the body.
 */
export class PostBytes {
  private readonly prefix: Buffer;

  constructor(path: string, host: string, headers: Readonly<Record<string, string>>) {
    let head = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    this.prefix = Buffer.from(head, 'latin1');
  }

  of(body: Buffer, headers: Readonly<Record<string, string>> = {}): Buffer {
    let tail = '';
    for (const name in headers) tail += `${name}: ${headers[name]}\r\n`;
    tail += `content-length: ${body.length}\r\n\r\n`;
    const tailLen = Buffer.byteLength(tail, 'latin1');
    const out = Buffer.allocUnsafe(this.prefix.length + tailLen + body.length);
    this.prefix.copy(out, 0);
    out.write(tail, this.prefix.length, 'latin1');
    body.copy(out, this.prefix.length + tailLen);
    return out;
  }
}
