/**
 * A pool worker: reads sweep files one at a time into one SweepSink of its own, reports each
 * file's read result, and sends the sink's state once, when asked to finish. Every statistic is
 * independent of the order values arrive in (metrics/samples.ts), so which worker read which
 * file does not change the result.
 */
import { parentPort } from 'node:worker_threads';
import { PalensError } from '../errors.js';
import { stateBuffers } from '../metrics/experiment.js';
import { SweepSink } from '../sweep/sweep.js';
import { sweepFile, type SweepJobOptions } from './sweep-job.js';

const port = parentPort!;
let sink: SweepSink | null = null;

type Job = { kind: 'file'; id: number; file: string; options: SweepJobOptions } | { kind: 'finish' };

port.on('message', async (job: Job) => {
  if (job.kind === 'finish') {
    const state = sink?.snapshot() ?? null;
    const transfer = state === null ? [] : [state.lengths.buffer as ArrayBuffer, state.ttfts.buffer as ArrayBuffer, ...stateBuffers(state.groups.map((g) => g.acc))];
    port.postMessage({ kind: 'state', state }, [...new Set(transfer)]);
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
