/**
 * Worker side of pipeline/split.ts: parses the tail of a split file (from a request boundary to the
 * end) into per-experiment accumulators and sends them back as plain data (pipeline/worker-protocol.ts).
 */
import { ProfileParser } from '../export/profile-parser.js';
import { readPlain } from '../export/reader.js';
import { ExperimentSet } from '../metrics/experiment-set.js';
import { type MetricOptions, stateBuffers } from '../metrics/experiment.js';
import type { TailDone } from './split.js';
import { serveJobs } from './worker-protocol.js';

export interface TailJob {
  file: string;
  from: number;
  size: number;
  chunkBytes: number;
  metrics: MetricOptions;
  /** Read a tail that ends early (analyze): see ParserOptions.acceptTruncated. */
  acceptTruncated?: boolean;
}

serveJobs<TailJob, TailDone>(async (job, progress) => {
  const set = new ExperimentSet(job.metrics);
  const parser = new ProfileParser(set, { file: job.file, failFast: true, fragmentAt: job.from, acceptTruncated: job.acceptTruncated === true });
  await readPlain(job.file, parser, job.chunkBytes, job.size, progress, job.from);
  const result = parser.finish();
  const experiments = set.snapshot();
  return { value: { result, experiments }, transfer: stateBuffers(experiments.map((e) => e.acc)) };
});
