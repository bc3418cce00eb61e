/**
 * A pool worker: reads sweep files one at a time into one SweepSink of its own, reports each
 * file's read result, and sends the sink's state once, when asked to finish. Every statistic is
 * independent of the order values arrive in (metrics/samples.ts), so which worker read which
 * file does not change the result.
 */
import { parentPort } from 'node:worker_threads';
import { PalensError } from '../errors.js';
import { SweepSink } from '../sweep/sweep.js';
import { sweepFile, type SweepJobOptions } from './sweep-job.js';

const port = parentPort!;
let sink: SweepSink | null = null;

type Job = { kind: 'file'; id: number; file: string; options: SweepJobOptions } | { kind: 'finish' };

port.on('message', async (job: Job) => {
  if (job.kind === 'finish') {
    const state = sink?.snapshot() ?? null;
    const transfer = new Set<ArrayBuffer>();
    if (state !== null) {
      transfer.add(state.lengths.buffer as ArrayBuffer);
      transfer.add(state.ttfts.buffer as ArrayBuffer);
      for (const g of state.groups) {
        for (const s of Object.values(g.acc.samples)) {
          transfer.add(s.stage.buffer as ArrayBuffer);
          transfer.add(s.floats.buffer as ArrayBuffer);
          for (const b of s.buckets) for (const a of [b.dense, b.low]) if (a !== null) transfer.add(a.buffer as ArrayBuffer);
        }
      }
    }
    port.postMessage({ kind: 'state', state }, [...transfer]);
    return;
  }
  try {
    sink ??= new SweepSink(job.options.metrics);
    const result = await sweepFile(job.file, sink, job.options);
    port.postMessage({ id: job.id, kind: 'done', result });
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
