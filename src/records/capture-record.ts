/**
 * What a live capture knows beyond an export's request: how each request ended, when it was meant
 * to go, how long its prompt was, and what each response said. A capture emits these records to its
 * sinks (export writer, sidecar writer, live metrics), which take the RequestRecord part alike.
 *
 * Times are whole ns from the capture clock's anchor (records/clock.ts), so that what the export
 * writes (anchor + offset, exactly) and what live metrics see are the same integers. As with every
 * source, the record object and its arrays are reused for the next request.
 */
import type { ExperimentInfo, RequestRecord } from './record.js';

/** How a request the capture sent ended. */
export type CaptureStatus = 'ok' | 'server_error' | 'timeout' | 'cancelled' | 'client_error';

export interface CaptureRecord extends RequestRecord {
  status: CaptureStatus;
  /** The request id sent to the server. */
  id: string;
  /** Warm-up requests are left out of the export and of the metrics; the sidecar keeps them. */
  warmup: boolean;
  /** The server's or the client's text when the request failed. */
  error: string | null;
  /** Intended send time (open loop), ns from the anchor; NaN in a closed loop. */
  intendedNs: number;
  /** Prompt length in tokens by the capture's tokenizer, or -1. */
  promptTokens: number;
  /** The request's inputs as perf_analyzer writes them (one-element tensors as scalars). */
  requestInputs: Record<string, string | number | boolean>;
  /** Per response, its outputs as text (output name → text; {} for an empty response). */
  responseOutputs: Record<string, string>[];
  /** What the transport adds for the sidecar (OpenAI: token counts per response and usage), or null. */
  extras: Record<string, unknown> | null;
}

/** A request written to the connection (or about to be), before anything is known of its end. */
export interface SentRequest {
  experiment: number;
  id: string;
  warmup: boolean;
  intendedNs: number;
  promptTokens: number;
  promptWords: number;
}

export interface LoadLevelInfo {
  index: number;
  mode: 'concurrency' | 'request_rate';
  value: number;
}

export interface CaptureExperimentEnd extends ExperimentInfo {
  /** Window boundaries, ns from the anchor. */
  windowBoundariesNs: number[];
  /** true/false when windows were judged, null with a fixed request count. */
  stable: boolean | null;
}

export interface TimingHealth {
  event_loop_delay_ns: { p50: number; p99: number; max: number } | null;
  schedule_lag_ns: { p50: number; p99: number; max: number } | null;
  max_responses_per_read: number;
  /** The capture process's CPU (user, system) and the wall time over the capture, from its first request to its end, ns. */
  client_cpu_ns?: { user: number; system: number; wall: number };
}

export interface CaptureEnd {
  interrupted: boolean;
  stoppedReason: string | null;
  timingHealth: TimingHealth;
  totals: { sent: number; ok: number; failed: number; in_flight: number };
}

/**
 * Receives a capture as it happens. `sent` comes before the request's bytes can leave; `record`
 * when it has ended in whatever way; `end` once, last (unless the process is killed).
 */
export interface CaptureSink {
  experimentStart(level: LoadLevelInfo): void;
  sent(s: SentRequest): void;
  record(r: CaptureRecord): void;
  experimentEnd(info: CaptureExperimentEnd): void;
  end(e: CaptureEnd): void;
}
