/**
 * Reading one large export on two cores. The file is cut at a request boundary near its middle;
 * this thread parses the head while a worker parses the tail, each into its own accumulators,
 * and the two are merged: experiment indexes shift by where the head stopped, times by the
 * exact difference of the two time bases. Durations, the bulk of the data, need no shift.
 *
 * The cut is found by the bytes `},{"timestamp":` (perf_analyzer writes "timestamp" first in
 * every request); a string cannot hold them, since its quotes are escaped. The head's parser
 * confirms the cut: it must end exactly between two requests, else palens falls back to reading
 * the whole file in one thread. bench/analyze.ts measures the gain.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { ExperimentSet, type ExperimentSetState } from '../metrics/experiment-set.js';
import type { MetricOptions } from '../metrics/experiment.js';
import { MAX_SPAN_NS } from '../records/time.js';
import type { ExportParseResult, ParseResult, Truncation } from '../export/profile-parser.js';
import { ProfileParser } from '../export/profile-parser.js';
import { readPlain } from '../export/reader.js';
import type { TailJob } from './split-worker.js';
import { WorkerClient } from './worker-protocol.js';

/** Files smaller than this are read in one thread: a worker's start-up would cost more than it saves. */
export const SPLIT_MIN_BYTES = 48 << 20;

/**
 * Every metric option, by name: the compiler refuses a MetricOptions field missing here, so the
 * tail's accumulators always count as the head's do (a forgotten --slo once halved goodput).
 */
const METRIC_OPTIONS: { [K in keyof Required<MetricOptions>]: true } = { keepEmptyResponses: true, detectEmptyFinals: true, percentiles: true, stageValues: true, slo: true, timeline: true };

/** The metric options alone: `metrics` may be a whole AnalyzeOptions, whose onProgress callback cannot cross to a worker. */
export function metricOptionsOnly(metrics: MetricOptions): MetricOptions {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(METRIC_OPTIONS) as (keyof MetricOptions)[]) if (metrics[key] !== undefined) out[key] = metrics[key];
  return out as unknown as MetricOptions;
}
const CUT = Buffer.from('},{"timestamp":');
const SEARCH_BYTES = 16 << 20;

/** The byte offset just after a request object near the middle of the file, or null. */
export function findCut(file: string, size: number): number | null {
  const fd = openSync(file, 'r');
  try {
    const from = Math.floor(size / 2);
    const buf = Buffer.allocUnsafe(Math.min(SEARCH_BYTES, size - from));
    const n = readSync(fd, buf, 0, buf.length, from);
    const at = buf.subarray(0, n).indexOf(CUT);
    return at < 0 ? null : from + at + 1;
  } finally {
    closeSync(fd);
  }
}

export interface SplitRead {
  set: ExperimentSet;
  result: ParseResult;
}

/** What the tail's worker sends back. */
export interface TailDone {
  result: ExportParseResult;
  experiments: ExperimentSetState[];
}

/**
 * Reads `file` (plain JSON, `size` bytes) on two threads. Returns null when no clean cut exists
 * (the caller then reads it in one thread). Throws the first InputError in file order; any other
 * error of the worker (I/O) as it was thrown there (pipeline/worker-protocol.ts).
 */
export async function readSplit(
  file: string,
  size: number,
  metrics: MetricOptions,
  wanted: (index: number) => boolean,
  chunkBytes: number,
  onProgress?: (read: number, total: number) => void,
  acceptTruncated = false,
): Promise<SplitRead | null> {
  const cut = findCut(file, size);
  if (cut === null) return null;
  let tailRead = 0;
  let headRead = 0;
  const worker = new WorkerClient<TailJob, TailDone>(new URL('./split-worker.js', import.meta.url));
  const job: TailJob = { file, from: cut, size, chunkBytes, acceptTruncated, metrics: metricOptionsOnly(metrics) };
  const tail = worker.run(job, (read) => {
    tailRead = read;
    onProgress?.(headRead + tailRead, size);
  });
  tail.catch(() => undefined);

  try {
    const set = new ExperimentSet(metrics, wanted);
    const parser = new ProfileParser(set, { file, failFast: true });
    await readPlain(
      file,
      parser,
      chunkBytes,
      size,
      (read) => {
        headRead = read;
        onProgress?.(headRead + tailRead, size);
      },
      0,
      cut,
    );
    const head = parser.headResult();
    if (!head.clean) return null;
    let t: TailDone;
    try {
      t = await tail;
    } catch (e) {
      // A problem in the tail is reported by one thread reading the whole file: it then has the
      // file's own pointer, and is the file's first problem (the span of times, say, can only be
      // judged from the start). Invalid files are rare; reading them twice is the price of saying
      // exactly what one thread says.
      if (e instanceof InputError) return null;
      throw e;
    }

    set.setPartial(head.experiment);
    const headBase = head.source.timeBaseNs;
    const tailBase = t.result.source.timeBaseNs;
    const shiftBig = headBase !== null && tailBase !== null ? BigInt(tailBase) - BigInt(headBase) : 0n;
    if (!spanFits(head.spanNs, t.result.spanNs, shiftBig)) return null;
    const shift = Number(shiftBig);
    set.merge(t.experiments, head.experiment.index, shift);
    const result: ParseResult = {
      ...t.result,
      source: {
        ...t.result.source,
        hasRequestInputs: head.source.hasRequestInputs || t.result.source.hasRequestInputs,
        hasResponseOutputs: head.source.hasResponseOutputs || t.result.source.hasResponseOutputs,
        timeBaseNs: headBase ?? tailBase,
      },
      bytes: size,
      truncated: shiftTruncation(t.result.truncated, head.experiment.index, head.experiment.requests),
      experiments: head.experiment.index + t.result.experiments,
      spanNs: { lo: Math.min(head.spanNs.lo, t.result.spanNs.lo + shift), hi: Math.max(head.spanNs.hi, t.result.spanNs.hi + shift) },
      requests: head.requests + t.result.requests,
    };
    return { set, result };
  } finally {
    await worker.terminate();
  }
}

/** Whether head and tail together (the tail's offsets shifted to the head's base) span at most MAX_SPAN_NS, exactly. */
function spanFits(head: { lo: number; hi: number }, tail: { lo: number; hi: number }, shift: bigint): boolean {
  const tailLo = BigInt(tail.lo) + shift;
  const tailHi = BigInt(tail.hi) + shift;
  const lo = BigInt(head.lo) < tailLo ? BigInt(head.lo) : tailLo;
  const hi = BigInt(head.hi) > tailHi ? BigInt(head.hi) : tailHi;
  return hi - lo <= BigInt(MAX_SPAN_NS);
}

/** The tail numbers experiments and requests from the cut; give a truncation the file's numbering. */
function shiftTruncation(t: Truncation | null, headExperiment: number, headRequests: number): Truncation | null {
  if (t === null) return null;
  return { ...t, experiment: headExperiment + t.experiment, request: t.experiment === 0 ? headRequests + t.request : t.request };
}
