/**
 * A KServe v2 gRPC client on @grpc/grpc-js: unary health and metadata calls, and bidirectional
 * ModelStreamInfer streams whose responses are stamped the moment grpc-js hands them to us,
 * before protobuf decoding (the stamp is taken in the deserializer).
 */
import * as grpc from '@grpc/grpc-js';
import { ServerError } from '../errors.js';
import { inferenceService, type Plain } from '../proto/codec.js';
import { decodeStreamResponseFast, type StreamResponse } from './decode.js';
import { type Clock, turnStamper } from '../records/clock.js';

type Unary = Exclude<keyof typeof inferenceService, 'ModelStreamInfer'>;

export interface StreamEvents {
  /** A response arrived at `stampNs` (clock offset); `message` is decoded. */
  response(stampNs: number, message: StreamResponse): void;
  /** The stream ended: null when cleanly, else why. */
  end(error: Error | null): void;
}

export interface InferStream {
  /** Writes one ModelInferRequest, already encoded (codec.encodeRequest). */
  send(request: Buffer): void;
  /** Half-close: no more requests. */
  close(): void;
  cancel(): void;
}

interface Stamped {
  stampNs: number;
  bytes: Buffer;
}

export class TritonClient {
  private readonly client: grpc.Client;

  constructor(
    readonly target: string,
    private readonly clock: Clock,
    /** 'turn': one stamp per event-loop turn (default); 'message': each message when grpc-js hands it over. */
    private readonly stampMode: 'turn' | 'message' = (process.env.PALENS_STAMP as 'turn' | 'message' | undefined) ?? 'turn',
  ) {
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 << 20,
      'grpc.max_send_message_length': 64 << 20,
      // Retries buffer every message and channelz books every call: time a measurement should not carry.
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
    });
  }

  unary(name: Unary, request: Plain, timeoutMs = 10_000): Promise<Plain> {
    const m = inferenceService[name];
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        m.path,
        m.requestSerialize as (v: Plain) => Buffer,
        m.responseDeserialize as (b: Buffer) => Plain,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          if (err) reject(new ServerError(`${name}: ${err.details || err.message}`, this.target, err));
          else resolve(res as Plain);
        },
      );
    });
  }

  /**
   * The arrival stamp of a response: the time the first response of this event-loop turn reached
   * JS (records/clock.ts turnStamper). Stamping each one only when its turn in the queue comes would
   * add 5 ms and more when 128 streams answer at once; bench/driver.ts measures both ways against
   * the mock's truth log.
   */
  private readonly turnStamp = turnStamper(() => this.clock.nowNs());
  private lastStamp = -1;
  private inRead = 0;
  /** The most responses that shared one stamp (reached JS in one read). */
  maxPerRead = 0;

  private stamp(): number {
    const s = this.turnStamp();
    if (s !== this.lastStamp) {
      this.lastStamp = s;
      this.inRead = 0;
    }
    if (++this.inRead > this.maxPerRead) this.maxPerRead = this.inRead;
    return s;
  }

  openStream(events: StreamEvents): InferStream {
    const call = this.client.makeBidiStreamRequest(
      inferenceService.ModelStreamInfer.path,
      // Requests come encoded, so that the send stamp is taken after the encoding, just before the write.
      (bytes: Buffer): Buffer => bytes,
      // Stamp first, decode after.
      (bytes: Buffer): Stamped => ({ stampNs: this.stampMode === 'turn' ? this.stamp() : this.clock.nowNs(), bytes }),
    );
    let ended = false;
    const end = (e: Error | null): void => {
      if (ended) return;
      ended = true;
      events.end(e);
    };
    call.on('data', (s: Stamped) => events.response(s.stampNs, decodeStreamResponseFast(s.bytes)));
    call.on('error', (e: grpc.ServiceError) => end(e.code === grpc.status.CANCELLED ? null : e));
    call.on('end', () => end(null));
    return {
      send: (request) => {
        if (!ended) call.write(request);
      },
      close: () => call.end(),
      cancel: () => call.cancel(),
    };
  }

  close(): void {
    this.client.close();
  }
}
