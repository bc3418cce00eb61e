/**
 * A minimal gRPC server on Node's own HTTP/2 (cleartext, prior knowledge): length-prefixed
 * protobuf messages, `grpc-status` trailers. The mock uses it instead of @grpc/grpc-js so that it
 * shares no transport code with the driver it checks, and because it adds less of its own time to
 * every message: the mock's emission times should be the law's, not a framework's.
 */
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import { turnStamper } from '../records/clock.js';

export const STATUS = { OK: 0, CANCELLED: 1, INVALID_ARGUMENT: 3, NOT_FOUND: 5, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;

export interface Codec<Req, Res> {
  decode(bytes: Buffer): Req;
  encode(message: Res): Buffer;
}

export type UnaryHandler<Req, Res> = (request: Req) => Res;

/**
 * One bidirectional call: 'data' (message, arrivedNs) per request message, 'end' when the client
 * half-closes, 'close' when gone. arrivedNs is when the bytes that completed the message reached
 * JS, before any decoding, so a model's latency law counts from the request's arrival.
 */
export class DuplexCall<Req, Res> extends EventEmitter {
  destroyed = false;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    private readonly codec: Codec<Req, Res>,
  ) {
    super();
  }

  /** Encodes and writes a message; false when the call is gone. */
  write(message: Res): boolean {
    return this.writeFramed(this.encode(message));
  }

  /** A message encoded and framed ahead of time, so that writing it later costs no encoding. */
  encode(message: Res): Buffer {
    return frame(this.codec.encode(message));
  }

  /** Writes a frame from `encode`; false when the call is gone. */
  writeFramed(framed: Buffer): boolean {
    if (this.destroyed || this.stream.closed) return false;
    this.stream.write(framed);
    return true;
  }

  /** Ends the call with OK. */
  end(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.trailers = { 'grpc-status': String(STATUS.OK) };
    this.stream.end();
  }

  /** Ends the call with an error status. */
  fail(code: number, details: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.trailers = { 'grpc-status': String(code), 'grpc-message': encodeURIComponent(details) };
    this.stream.end();
  }

  trailers: Record<string, string> = { 'grpc-status': String(STATUS.OK) };
}

export interface Route {
  unary?: UnaryHandler<unknown, unknown>;
  duplex?: (call: DuplexCall<unknown, unknown>) => void;
  codec: Codec<unknown, unknown>;
}

function frame(message: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = 0;
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** Splits incoming bytes into gRPC messages. */
function deframer(onMessage: (m: Buffer, arrivedNs: number) => void, now: () => number): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    const arrivedNs = now();
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const len = pending.readUInt32BE(1);
      if (pending.length < 5 + len) break;
      onMessage(pending.subarray(5, 5 + len), arrivedNs);
      pending = pending.subarray(5 + len);
    }
  };
}

export interface RawGrpcServer {
  port: number;
  /** Closes every session at once (a dropped connection, as the client sees it). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function listen(port: number, routes: Record<string, Route>, clockNs: () => number): Promise<RawGrpcServer> {
  // Requests that reach JS in one event-loop turn came in the same socket read: all get the
  // turn's first stamp, not a later one for each request decoded before them.
  const now = turnStamper(clockNs);
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => undefined);
  });
  // Small frames must leave at once: no Nagle delay on the mock's side of the socket.
  server.on('connection', (socket: { setNoDelay(v: boolean): void }) => socket.setNoDelay(true));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const route = routes[String(headers[':path'])];
    if (route === undefined) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(STATUS.UNIMPLEMENTED), 'grpc-message': 'unknown method' }, { endStream: true });
      return;
    }
    let call: DuplexCall<unknown, unknown> | null = null;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(call?.trailers ?? unaryTrailers));
    let unaryTrailers: Record<string, string> = { 'grpc-status': String(STATUS.OK) };
    if (route.unary) {
      const unary = route.unary;
      stream.on(
        'data',
        deframer((m) => {
          try {
            stream.end(frame(route.codec.encode(unary(route.codec.decode(m)))));
          } catch (e) {
            unaryTrailers = { 'grpc-status': String(STATUS.NOT_FOUND), 'grpc-message': encodeURIComponent((e as Error).message) };
            stream.end();
          }
        }, now),
      );
      return;
    }
    call = new DuplexCall(stream, route.codec);
    const c = call;
    stream.on('data', deframer((m, arrivedNs) => c.emit('data', route.codec.decode(m), arrivedNs), now));
    stream.on('end', () => c.emit('end'));
    stream.on('close', () => {
      if (!c.destroyed) {
        c.destroyed = true;
        c.emit('cancelled');
      }
      c.emit('close');
    });
    route.duplex!(call);
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port: bound,
    dropAll() {
      for (const s of sessions) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
