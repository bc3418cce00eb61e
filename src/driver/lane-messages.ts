/**
 * Messages between a capture's main thread and its lane workers (`--workers N`). The main thread
 * paces, keeps the flight table, judges windows and writes the one export and sidecar; each worker
 * carries its share of the lanes (gRPC streams): it writes the requests it is handed, and stamps
 * and decodes the responses — the per-response work that bounds one event loop. Responses cross
 * back in one message per worker per event-loop turn, already stamped on the shared clock.
 */
import type { WireError } from '../pipeline/worker-protocol.js';
import type { ClockAnchor } from './thread-clock.js';

export interface LaneWorkerData {
  target: string;
  anchor: ClockAnchor;
}

export type ToWorker =
  | { op: 'open'; lane: number }
  | { op: 'send'; lane: number; bytes: Uint8Array }
  | { op: 'close'; lane: number }
  | { op: 'cancel'; lane: number }
  | { op: 'stop' };

/** A response as it crosses: lane, arrival stamp (ns on the capture clock), and the decoded response. */
export interface WireResponse {
  lane: number;
  stampNs: number;
  id: string;
  error: string;
  final: boolean;
  outputs: { name: string; datatype: string }[];
  raw: Uint8Array[];
}

export type FromWorker =
  | { op: 'responses'; batch: WireResponse[]; maxPerRead: number }
  | { op: 'end'; lane: number; error: string | null }
  | { op: 'failed'; error: WireError }
  | { op: 'stopped' };
