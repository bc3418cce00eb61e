/**
 * A lane worker (`palens capture --workers N`): Triton gRPC streams in a thread of their own,
 * stamping on the main thread's clock (driver/thread-clock.ts). Messages: driver/lane-messages.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from '../pipeline/worker-protocol.js';
import { type InferStream, TritonClient } from './client.js';
import type { FromWorker, LaneWorkerData, ToWorker, WireResponse } from './lane-messages.js';
import { AnchoredHrClock } from './thread-clock.js';

const port = parentPort!;
const data = workerData as LaneWorkerData;
const client = new TritonClient(data.target, new AnchoredHrClock(data.anchor));
const lanes = new Map<number, InferStream>();
const post = (m: FromWorker): void => port.postMessage(m);

// Responses of one event-loop turn go back in one message: a message per response would cost the
// main thread a wake-up each, the very work the worker is there to take off it.
let batch: WireResponse[] = [];
const flush = (): void => {
  const out = batch;
  batch = [];
  post({ op: 'responses', batch: out, maxPerRead: client.maxPerRead });
};

port.on('message', (m: ToWorker) => {
  try {
    if (m.op === 'open') {
      const lane = m.lane;
      lanes.set(
        lane,
        client.openStream({
          response: (stampNs, r) => {
            // Own copies of the outputs: a view into grpc-js's buffer would clone the whole buffer.
            batch.push({ lane, stampNs, id: r.id, error: r.error, final: r.final, outputs: r.outputs, raw: r.raw.map((b) => new Uint8Array(b)) });
            if (batch.length === 1) setImmediate(flush);
          },
          end: (e) => {
            lanes.delete(lane);
            // Responses already stamped go first, so the main thread sees them before the end.
            if (batch.length > 0) flush();
            post({ op: 'end', lane, error: e === null ? null : e.message });
          },
        }),
      );
    } else if (m.op === 'send') lanes.get(m.lane)?.send(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
    else if (m.op === 'close') lanes.get(m.lane)?.close();
    else if (m.op === 'cancel') lanes.get(m.lane)?.cancel();
    else if (m.op === 'stop') {
      for (const lane of lanes.values()) lane.cancel();
      client.close();
      post({ op: 'stopped' });
    }
  } catch (e) {
    post({ op: 'failed', error: toWire(e) });
  }
});
