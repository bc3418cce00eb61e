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
import { hasSidecar, readSidecarHeader, readSidecarLengths } from '../export/sidecar.js';
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
  // How the files were run and measured, before their numbers: pooled unlike runs make a sawtooth, not a curve.
  const warnings: string[] = await runWarnings(files, formats, by, options.lengthBy === undefined, hasMeta);
  const take = (result: ReadResult): void => {
    inputs.push(inputSummary(result));
    if (!result.source.hasResponseOutputs && result.requests > 0) {
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
    options: { percentiles, keep_empty_responses: options.keepEmptyResponses, detect_empty_finals: metrics.detectEmptyFinals, experiment: 'all', phase: options.phase ?? 'profiling' },
    inputs,
    experiments: [],
    sweep,
    warnings: [...warnings, ...sweepWarnings],
    ...(options.figures ? { figures: { experiments: [], sweep: groupFigures(sink.figureGroups()) } } : {}),
  };
}

/** Files named briefly in a warning: the first three, then how many more. */
const some = (files: readonly string[]): string => `${files.slice(0, 3).join(', ')}${files.length > 3 ? `, … (${files.length} files)` : ''}`;

/**
 * What makes a sweep's files unlike one another, as warnings: captures run with a different model,
 * max_tokens, backend or API (their sidecars say so; compare refuses the same), prompt lengths in
 * different units under --length-by meta, and a measure chosen for want of a sidecar in some files.
 */
async function runWarnings(files: readonly string[], formats: readonly string[], by: LengthBy, chosen: boolean, hasMeta: (f: string, i: number) => boolean): Promise<string[]> {
  const warnings: string[] = [];
  const headers = await Promise.all(files.map((f, i) => (formats[i] === 'perf_analyzer' ? readSidecarHeader(f) : Promise.resolve(null))));
  for (const key of ['model', 'max_tokens', 'backend', 'api'] as const) {
    const byValue = new Map<string, string[]>();
    headers.forEach((h, i) => {
      const v = h?.config?.[key];
      if (v === undefined || v === null) return;
      const list = byValue.get(String(v)) ?? [];
      list.push(files[i]!);
      byValue.set(String(v), list);
    });
    if (byValue.size > 1) {
      const groups = [...byValue.entries()].map(([v, fs]) => `${key} ${v}: ${some(fs)}`).join('; ');
      warnings.push(`sweep: the files were not run alike (${groups}); their requests are pooled per prompt length: sweep each kind alone`);
    }
  }
  if (by === 'meta') {
    const units = new Map<string, string[]>();
    headers.forEach((h, i) => {
      const unit = formats[i] === 'perf_analyzer' ? h?.promptUnit : 'tokens';
      if (unit === null || unit === undefined) return;
      units.set(unit, [...(units.get(unit) ?? []), files[i]!]);
    });
    if (units.size > 1) warnings.push(`sweep: the files' recorded prompt lengths are in different units (${[...units.entries()].map(([u, fs]) => `${u}: ${some(fs)}`).join('; ')}) and share one axis: --length-by words (or tokens with --tokenizer) measures every file alike`);
  }
  if (chosen && by !== 'meta') {
    const without = files.filter((f, i) => !hasMeta(f, i));
    const withMeta = files.length - without.length;
    if (withMeta > 0) warnings.push(`sweep: length by ${by}, since ${some(without)} ${without.length === 1 ? 'has' : 'have'} no sidecar; the prompt lengths the other ${withMeta} file${withMeta === 1 ? '' : 's'} recorded are not used (--length-by meta uses them, and needs them in every file)`);
  }
  return warnings;
}
