/**
 * `palens capture --workers N`: the Triton transport with its lanes spread over N worker threads.
 * The capture itself (pacer, flights, stability, the one export and sidecar writer) runs unchanged
 * in the main thread, so what it writes is exactly what one thread would write and windows are
 * judged over every lane together; the workers take the per-response work (HTTP/2, gRPC framing,
 * stamping, decoding) that bounds one event loop. Lane k lives in worker k mod N. Checks, preflight
 * and request encoding stay in the main thread (a TritonTransport of its own).
 *
 * Stamps: responses are stamped in the worker on the capture's clock (driver/thread-clock.ts), when
 * they reach its JS, so the hop to the main thread does not enter them. A request is stamped by the
 * capture after it has handed the bytes to the worker, before they can leave: a TTFT may be longer
 * by the hop (tens of µs; bench/driver measures), never shorter than the server's.
 */
import { Worker } from 'node:worker_threads';
import { fromWire } from '../pipeline/worker-protocol.js';
import type { Clock } from '../records/clock.js';
import type { FromWorker, LaneWorkerData, ToWorker } from './lane-messages.js';
import type { ModelInfo, RequestPlan, RequestSource } from './presets.js';
import { anchorOf } from './thread-clock.js';
import type { Lane, LaneEvents, Preflight, Transport } from './transport.js';
import { TritonTransport } from './triton-transport.js';

export class WorkerTransport implements Transport {
  private readonly local: TritonTransport;
  private readonly workers: Worker[];
  private readonly lanes = new Map<number, LaneEvents>();
  private nextLane = 0;
  private maxPerRead = 0;
  private failure: Error | null = null;

  constructor(
    readonly target: string,
    clock: Clock,
    count: number,
  ) {
    this.local = new TritonTransport(target, clock);
    const data: LaneWorkerData = { target, anchor: anchorOf(clock) };
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(new URL('./lane-worker.js', import.meta.url), { workerData: data });
      w.on('message', (m: FromWorker) => (m.op === 'stopped' ? this.stopped(w) : this.onMessage(m)));
      w.on('error', (e) => this.fail(e));
      // An idle worker must not keep the process alive once the capture is done.
      w.unref();
      return w;
    });
  }

  get threads(): number {
    return this.workers.length;
  }

  preflight(model: string, makeSource: (model: ModelInfo) => Promise<RequestSource>): Promise<Preflight> {
    return this.local.preflight(model, makeSource);
  }

  encode(model: ModelInfo, plan: RequestPlan, id: string): Buffer {
    return this.local.encode(model, plan, id);
  }

  requestInputs(plan: RequestPlan): Record<string, string | number | boolean> {
    return this.local.requestInputs(plan);
  }

  openLane(events: LaneEvents): Lane {
    const lane = this.nextLane++;
    const worker = this.workers[lane % this.workers.length]!;
    const post = (m: ToWorker): void => worker.postMessage(m);
    this.lanes.set(lane, events);
    post({ op: 'open', lane });
    if (this.failure !== null) queueMicrotask(() => this.endLane(lane, this.failure!.message));
    return {
      send: (bytes) => post({ op: 'send', lane, bytes }),
      close: () => post({ op: 'close', lane }),
      cancel: () => post({ op: 'cancel', lane }),
    };
  }

  maxResponsesPerRead(): number {
    return this.maxPerRead;
  }

  close(): void {
    for (const w of this.workers) {
      w.postMessage({ op: 'stop' } satisfies ToWorker);
    }
    this.local.close();
  }

  private onMessage(m: FromWorker): void {
    if (m.op === 'responses') {
      if (m.maxPerRead > this.maxPerRead) this.maxPerRead = m.maxPerRead;
      for (const r of m.batch) {
        this.lanes.get(r.lane)?.response(r.stampNs, {
          id: r.id,
          error: r.error,
          final: r.final,
          outputs: r.outputs,
          raw: r.raw.map((u) => Buffer.from(u.buffer, u.byteOffset, u.byteLength)),
        });
      }
    } else if (m.op === 'end') this.endLane(m.lane, m.error);
    else if (m.op === 'failed') this.fail(fromWire(m.error));
  }

  private stopped(w: Worker): void {
    void w.terminate();
  }

  private endLane(lane: number, error: string | null): void {
    const events = this.lanes.get(lane);
    if (events === undefined) return;
    this.lanes.delete(lane);
    events.end(error === null ? null : new Error(error));
  }

  /** A worker failed: every lane it may carry ends with the reason, and the capture records their requests as failed. */
  private fail(e: Error): void {
    this.failure ??= e;
    for (const lane of [...this.lanes.keys()]) this.endLane(lane, `lane worker failed: ${e.message}`);
  }
}
