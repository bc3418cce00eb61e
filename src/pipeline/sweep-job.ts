/**
 * One file of a sweep: read it into a SweepSink with the file's own length measure. Runs in the
 * main thread or in a pool worker (export/sweep-worker.ts); both call this.
 */
import type { MetricOptions } from '../metrics/experiment.js';
import { loadTokenizer, type TokenCounter } from '../prompts/tokenizer.js';
import { type LengthBy, measure } from '../sweep/length.js';
import { SweepSink } from '../sweep/sweep.js';
import type { ReadResult } from '../export/reader.js';
import { captureEndNote, joinStatuses, readSidecar, sidecarLengths } from '../export/sidecar.js';
import { detectFormat } from '../formats/detect.js';
import { readRecords } from '../formats/source.js';
import type { AiperfPhase } from '../records/record.js';

export interface SweepJobOptions {
  by: LengthBy;
  bucket: number | null;
  tokenizer: string | null;
  metrics: MetricOptions;
  /** AIPerf's benchmark phase to read. @default 'profiling' */
  phase?: AiperfPhase;
}

const tokenizers = new Map<string, Promise<TokenCounter>>();

/** Loads a tokenizer once per thread. */
export function tokenizerFor(path: string): Promise<TokenCounter> {
  let t = tokenizers.get(path);
  if (t === undefined) {
    t = loadTokenizer(path);
    tokenizers.set(path, t);
  }
  return t;
}

export async function sweepFile(file: string, sink: SweepSink, o: SweepJobOptions): Promise<ReadResult> {
  const tokenizer = o.by === 'tokens' && o.tokenizer !== null ? await tokenizerFor(o.tokenizer) : null;
  const sidecar = await readSidecar(file);
  const format = await detectFormat(file);
  // Peer tools' files carry their own prompt lengths; perf_analyzer exports need a sidecar.
  const meta = o.by === 'meta' && format === 'perf_analyzer' ? sidecarLengths(sidecar, file) : null;
  sink.useMeasure(
    measure(o.by, {
      bucket: o.bucket,
      meta,
      ...(tokenizer === null ? {} : { countTokens: (text: string) => tokenizer.count(text) }),
    }),
  );
  const joined = joinStatuses(sidecar, sink);
  const result = await readRecords(file, joined, { failFast: true, ...(o.phase === undefined ? {} : { phase: o.phase }) }, format);
  const cut = captureEndNote(sidecar, joined.finish());
  return cut === null ? result : { ...result, source: { ...result.source, notes: [cut, ...(result.source.notes ?? [])] } };
}
