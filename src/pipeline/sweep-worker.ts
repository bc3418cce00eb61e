/**
 * A pool worker: reads sweep files one at a time into one SweepSink of its own, reports each
 * file's read result, and sends the sink's state once, when asked to finish. Every statistic is
 * independent of the order values arrive in (metrics/samples.ts), so which worker read which
 * file does not change the result. Messages and errors: pipeline/worker-protocol.ts.
 */
import type { ReadResult } from '../export/reader.js';
import { stateBuffers } from '../metrics/experiment.js';
import { SweepSink, type SweepState } from '../sweep/sweep.js';
import { sweepFile, type SweepJobOptions } from './sweep-job.js';
import { serveJobs } from './worker-protocol.js';

export type SweepJob = { kind: 'file'; file: string; options: SweepJobOptions } | { kind: 'finish'; options: SweepJobOptions };

let sink: SweepSink | null = null;

serveJobs<SweepJob, ReadResult | SweepState | null>(async (job) => {
  if (job.kind === 'finish') {
    const state = sink?.snapshot() ?? null;
    const transfer = state === null ? [] : [state.lengths.buffer as ArrayBuffer, state.ttfts.buffer as ArrayBuffer, ...stateBuffers(state.groups.map((g) => g.acc))];
    return { value: state, transfer: [...new Set(transfer)] };
  }
  sink ??= new SweepSink(job.options.metrics);
  return { value: await sweepFile(job.file, sink, job.options) };
});
