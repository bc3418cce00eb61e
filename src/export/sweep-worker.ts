/** A pool worker: reads sweep files one at a time and sends back each file's SweepSink state. */
import { parentPort } from 'node:worker_threads';
import { PalensError } from '../errors.js';
import { SweepSink } from '../sweep/sweep.js';
import { sweepFile, type SweepJobOptions } from './sweep-job.js';

const port = parentPort!;

port.on('message', async (job: { id: number; file: string; options: SweepJobOptions }) => {
  try {
    const sink = new SweepSink(job.options.metrics);
    const result = await sweepFile(job.file, sink, job.options);
    const state = sink.snapshot();
    const transfer = new Set<ArrayBuffer>([state.lengths.buffer as ArrayBuffer, state.ttfts.buffer as ArrayBuffer]);
    for (const g of state.groups) {
      for (const s of Object.values(g.acc.samples)) {
        transfer.add(s.stage.buffer as ArrayBuffer);
        for (const b of s.buckets) for (const a of [b.dense, b.low, b.full]) if (a !== null) transfer.add(a.buffer as ArrayBuffer);
      }
    }
    port.postMessage({ id: job.id, kind: 'done', result, state }, [...transfer]);
  } catch (e) {
    if (e instanceof PalensError) {
      port.postMessage({
        id: job.id,
        kind: 'palens-error',
        error: { name: e.name, code: e.code, message: e.message, file: e.file, pointer: e.pointer, byteOffset: e.byteOffset, hint: e.hint },
      });
    } else port.postMessage({ id: job.id, kind: 'crash', message: (e as Error)?.stack ?? String(e) });
  }
});
