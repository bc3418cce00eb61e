/**
 * Worker side of export/split.ts: parses the tail of a split file (from a request boundary to the
 * end) into per-experiment accumulators and sends them back as plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { ExperimentSet } from '../metrics/experiment-set.js';
import { type MetricOptions, stateBuffers } from '../metrics/experiment.js';
import { ProfileParser } from '../export/profile-parser.js';
import { readPlain } from '../export/reader.js';

export interface TailJob {
  file: string;
  from: number;
  size: number;
  chunkBytes: number;
  metrics: MetricOptions;
}

const job = workerData as TailJob;
const port = parentPort!;

try {
  const set = new ExperimentSet(job.metrics);
  const parser = new ProfileParser(set, { file: job.file, failFast: true, startInRequestsAt: job.from });
  await readPlain(job.file, parser, job.chunkBytes, job.size, (read) => port.postMessage({ kind: 'progress', read }), job.from);
  const result = parser.finish();
  const experiments = set.snapshot();
  port.postMessage({ kind: 'done', result, experiments }, stateBuffers(experiments.map((e) => e.acc)));
} catch (e) {
  if (e instanceof InputError) {
    port.postMessage({
      kind: 'input-error',
      error: { code: e.code, message: e.message, file: e.file, pointer: e.pointer, byteOffset: e.byteOffset, hint: e.hint },
    });
  } else {
    port.postMessage({ kind: 'crash', message: (e as Error)?.stack ?? String(e) });
  }
}
