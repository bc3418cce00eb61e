/**
 * What the capture loop needs of a server protocol, and no more: check the server and build the
 * request source (preflight), turn a request plan into bytes, open lanes (streams) that carry
 * requests out and responses back, each response stamped when it reached JS. Triton's KServe gRPC
 * (driver/triton-transport.ts) is one; an OpenAI SSE client is another.
 */
import type { Plain } from '../proto/codec.js';
import type { StreamResponse } from './decode.js';
import type { ModelInfo, RequestPlan, RequestSource } from './presets.js';

/** A response as a transport hands it over: id, error text ('' when none), whether it is the last, its outputs. */
export interface TransportResponse extends StreamResponse {
  /**
   * `raw[i]` is one BYTES element's bytes as they are, without the 4-byte length prefix of
   * Triton's encoding (the OpenAI transport hands over an event's raw text this way: no copy to
   * add a prefix the capture strips again).
   */
  unprefixed?: boolean;
  /**
   * Whether the response carries no output, when the transport has already decided it by the rule
   * the export parser applies to the written response (export/outputs.ts outputsAreEmpty); absent,
   * the capture applies that rule to the outputs itself.
   */
  empty?: boolean;
}

export interface LaneEvents {
  /** A response arrived at `stampNs` (capture clock). `r` is read during the call only: a transport may reuse it. */
  response(stampNs: number, r: TransportResponse): void;
  /** The lane ended: null when cleanly, else why; its requests still in flight have failed. */
  end(error: Error | null): void;
  /**
   * For a transport that knows when a request's bytes are written (the OpenAI client: at once on a
   * kept-alive socket, inside `send`; once connected on a new one, later): request `id`'s bytes
   * are written right after `stampNs`, and that is its send stamp, instead of the capture's stamp
   * taken after the turn's sends.
   */
  leaving?(id: string, stampNs: number): void;
}

/** One stream: requests go out in order, responses come back tagged with their request's id. */
export interface Lane {
  send(request: Buffer): void;
  /** No more requests (half-close). */
  close(): void;
  /** Abandon the stream and whatever is in flight on it. */
  cancel(): void;
}

export interface Preflight {
  server: Plain;
  model: ModelInfo;
  source: RequestSource;
}

export interface Transport {
  readonly target: string;
  /** Checks the server and the model before anything is sent; fails fast with what is wrong. */
  preflight(model: string, makeSource: (model: ModelInfo) => Promise<RequestSource>): Promise<Preflight>;
  /** The request's bytes, encoded ahead of the send. */
  encode(model: ModelInfo, plan: RequestPlan, id: string): Buffer;
  /** The request's inputs as the export writes them. */
  requestInputs(plan: RequestPlan): Record<string, string | number | boolean>;
  openLane(events: LaneEvents): Lane;
  /** The export's service_kind and endpoint (perf_analyzer's); Triton's ("triton", "") when absent. */
  readonly exportKind?: { serviceKind: string; endpoint: string };
  /**
   * A request given up on (timed out, or cancelled at the end of a capture): stop it on the wire, so
   * that the server sees the cancellation and frees its slot, and nothing goes on reading its
   * answer. Called before `requestExtras`; late responses to it are ignored either way. A transport
   * whose requests share one stream (Triton's gRPC lanes) has no per-request cancel and leaves it out.
   */
  abandon?(id: string): void;
  /**
   * What the sidecar adds to a finished request's line (e.g. OpenAI token counts); asked once, when
   * it ends, with the prompt's length in tokens as palens built or counted it (-1 when unknown).
   */
  requestExtras?(id: string, promptTokens: number): Record<string, unknown> | null;
  /** The most responses stamped in one read, for the timing health. */
  maxResponsesPerRead?(): number;
  /** What the wire did that no record shows (OpenAI: events after a stream's [DONE]), for the capture's warnings. */
  notes?(): string[];
  close(): void;
}
