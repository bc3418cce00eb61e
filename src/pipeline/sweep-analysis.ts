/**
 * `palens analyze --sweep`: every request of every file, grouped by prompt length, read on worker
 * threads when there are several files. Loaded only for sweeps (the tokenizer and the pool cost
 * start-up time a plain analysis does not need).
 */
import { ANALYSIS_SCHEMA_VERSION, type Analysis, type InputSummary, inputSummary, noOutputsWarning, phaseWarning } from './analysis.js';
import type { AiperfPhase } from '../records/record.js';
import { UsageError } from '../errors.js';
import { sweepInPool } from './pool.js';
import type { ReadResult } from '../export/reader.js';
import { hasSidecar, readSidecarLengths } from '../export/sidecar.js';
import { sweepFile, tokenizerFor } from './sweep-job.js';
import type { MetricOptions } from '../metrics/experiment.js';
import { groupFigures } from '../metrics/figures.js';
import type { LengthBy } from '../sweep/length.js';
import { type SweepSummary, SweepSink, summarizeSweep } from '../sweep/sweep.js';
import { VERSION } from '../version.js';
import { detectFormat } from '../formats/detect.js';

export interface SweepOptions extends MetricOptions {
  /** How to measure prompt length; by default meta when every file has a sidecar, else tokens with a tokenizer, else words. */
  lengthBy?: LengthBy;
  /** A local tokenizer.json, or a folder holding one. */
  tokenizer?: string;
  /** Round lengths to the nearest multiple of this. */
  bucket?: number;
  /** Worker threads for many files. @default 2 */
  threads?: number;
  /** Also extract the samples' shapes for a report that draws (`--html`). @default false */
  figures?: boolean;
  /** --slo-target: the goodput fraction a prompt length must reach (sweep/slo-capacity.ts). @default 0.9 */
  sloTarget?: number;
  /** AIPerf's benchmark phase to read (formats/aiperf.ts). @default 'profiling' */
  phase?: AiperfPhase;
}

/** Always reported for sweep points, whatever --percentiles says: the sweep table shows them. */
const SWEEP_PERCENTILES = [50, 90, 99];

/** `palens analyze --sweep`: every request of every file, grouped by prompt length. */
export async function analyzeSweep(files: readonly string[], options: SweepOptions): Promise<Analysis> {
  if (files.length === 0) throw new UsageError('--sweep: no files to analyse');
  // A peer tool's file knows its prompts' lengths as a sidecar does.
  const formats = await Promise.all(files.map(detectFormat));
  const hasMeta = (f: string, i: number): boolean => formats[i] !== 'perf_analyzer' || hasSidecar(f);
  const by: LengthBy = options.lengthBy ?? (files.every(hasMeta) ? 'meta' : options.tokenizer !== undefined ? 'tokens' : 'words');
  if (by === 'tokens' && options.tokenizer === undefined) throw new UsageError('--length-by tokens needs --tokenizer PATH (a local tokenizer.json)');
  if (by === 'meta') {
    const missing = files.filter((f, i) => !hasMeta(f, i));
    if (missing.length > 0) throw new UsageError(`--length-by meta: no palens sidecar (FILE.palens.json) for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`);
  }
  const tokenizer = by === 'tokens' ? await tokenizerFor(options.tokenizer!) : null;
  const percentiles = [...new Set([...options.percentiles, ...SWEEP_PERCENTILES])].sort((a, b) => a - b);
  const metrics = { keepEmptyResponses: options.keepEmptyResponses, detectEmptyFinals: options.detectEmptyFinals !== false, percentiles, ...(options.slo === undefined ? {} : { slo: options.slo }) };
  const jobOptions = { by, bucket: options.bucket ?? null, tokenizer: tokenizer?.path ?? null, metrics, ...(options.phase === undefined ? {} : { phase: options.phase }) };

  const sink = new SweepSink(metrics);
  const inputs: InputSummary[] = [];
  const warnings: string[] = [];
  const take = (result: ReadResult): void => {
    inputs.push(inputSummary(result));
    if (!result.source.hasResponseOutputs) {
      warnings.push(noOutputsWarning(result.file, metrics));
    }
    for (const note of result.source.notes ?? []) warnings.push(`${result.file}: ${note}`);
    const phase = phaseWarning(result.file, result, options.phase);
    if (phase !== null) warnings.push(phase);
  };
  if ((options.threads ?? 2) > 1 && files.length > 1) {
    await sweepInPool(
      files,
      jobOptions,
      options.threads ?? 2,
      (_i, result) => take(result),
      (state) => sink.merge(state),
    );
  } else {
    for (const file of files) take(await sweepFile(file, sink, jobOptions));
  }
  let unit: SweepSummary['unit'] = by === 'meta' ? 'tokens' : by;
  if (by === 'meta' && formats[0] === 'perf_analyzer') unit = (await readSidecarLengths(files[0]!)).unit;
  const { sweep, warnings: sweepWarnings } = summarizeSweep(sink, { by, unit, bucket: options.bucket ?? null, tokenizer: tokenizer?.path ?? null, ...(options.sloTarget === undefined ? {} : { sloTarget: options.sloTarget }) });
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    tool: { name: 'palens', version: VERSION },
    options: { percentiles, keep_empty_responses: options.keepEmptyResponses, detect_empty_finals: metrics.detectEmptyFinals, experiment: 'all' },
    inputs,
    experiments: [],
    sweep,
    warnings: [...warnings, ...sweepWarnings],
    ...(options.figures ? { figures: { experiments: [], sweep: groupFigures(sink.figureGroups()) } } : {}),
  };
}
