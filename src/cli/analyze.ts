import { existsSync } from 'node:fs';
import { analyzeFiles, type Analysis } from '../pipeline/analysis.js';
import type { LengthBy } from '../sweep/length.js';
import type { AiperfPhase } from '../records/record.js';
import { expandExports } from './files.js';
import { EXIT, IoError, UsageError } from '../errors.js';
import { csvPieces } from '../report/csv.js';
import { jsonPieces } from '../report/json.js';
import { tablePieces } from '../report/table.js';
import { colorLevel, makeChalk } from './color.js';
import type { CliIo } from './io.js';
import { parseSlo, type Slo } from '../metrics/slo.js';
import { writeFileAtomically, writePieces } from './output.js';
import { byteProgress } from './progress.js';

import type { Format } from './options.js';
import { printable } from '../printable.js';

export interface AnalyzeCliOptions {
  files: string[];
  format: Format;
  out: string | undefined;
  experiment: number | 'all';
  percentiles: number[];
  keepEmptyResponses: boolean;
  detectEmptyFinals: boolean;
  threads: number;
  sweep: boolean;
  lengthBy: LengthBy | undefined;
  tokenizer: string | undefined;
  bucket: number | undefined;
  html: string | undefined;
  color: boolean | undefined;
  slo: Slo | undefined;
  sloTarget: number | undefined;
  phase: AiperfPhase;
}

/** Converts and checks raw options; returns every problem at once. */
export function resolveAnalyzeOptions(raw: Record<string, unknown>): AnalyzeCliOptions | string[] {
  const issues: string[] = [];
  const files = (raw.files as unknown[] | undefined)?.map(String) ?? [];
  if (files.length === 0) issues.push('name at least one export file');
  let experiment: number | 'all' = 'all';
  const e = String(raw.experiment ?? 'all');
  if (e !== 'all') {
    if (/^\d+$/.test(e)) experiment = Number(e);
    else issues.push(`--experiment: expected a non-negative integer or "all", got "${e}"`);
  }
  const percentiles: number[] = [];
  for (const part of String(raw.percentiles).split(',')) {
    const t = part.trim();
    const p = Number(t);
    if (t === '' || !Number.isFinite(p) || p < 0 || p > 100) issues.push(`--percentiles: "${t}" is not a number in [0, 100]`);
    else if (!percentiles.includes(p)) percentiles.push(p);
  }
  percentiles.sort((a, b) => a - b);
  const threads = Number(raw.threads ?? 2);
  if (threads !== 1 && threads !== 2) issues.push(`--threads: expected 1 or 2, got ${String(raw.threads)}`);
  const sweep = Boolean(raw.sweep);
  const bucket = raw.bucket === undefined ? undefined : Number(raw.bucket);
  if (bucket !== undefined && !(Number.isInteger(bucket) && bucket > 0)) issues.push(`--bucket: expected a positive integer, got ${String(raw.bucket)}`);
  for (const flag of ['length-by', 'tokenizer', 'bucket'] as const) {
    if (!sweep && raw[flag] !== undefined) issues.push(`--${flag} goes with --sweep`);
  }
  if (sweep && raw.experiment !== undefined && String(raw.experiment) !== 'all') issues.push('--experiment does not go with --sweep (a sweep pools every experiment)');
  if (raw['length-by'] === 'tokens' && raw.tokenizer === undefined) issues.push('--length-by tokens needs --tokenizer PATH');
  let slo: Slo | undefined;
  if (raw.slo !== undefined) {
    try {
      slo = parseSlo(String(raw.slo));
    } catch (e) {
      issues.push((e as Error).message);
    }
  }
  const sloTarget = raw['slo-target'] === undefined ? undefined : Number(raw['slo-target']);
  if (sloTarget !== undefined && !(sloTarget > 0 && sloTarget <= 1)) issues.push(`--slo-target: expected a fraction in (0, 1], got ${String(raw['slo-target'])}`);
  if (sloTarget !== undefined && (!sweep || raw.slo === undefined)) issues.push('--slo-target goes with --sweep and --slo');
  if (issues.length > 0) return issues;
  return {
    files,
    format: raw.format as Format,
    out: raw.out === undefined ? undefined : String(raw.out),
    experiment,
    percentiles,
    keepEmptyResponses: Boolean(raw['keep-empty-responses']),
    detectEmptyFinals: raw['detect-empty-finals'] !== false,
    threads,
    sweep,
    lengthBy: raw['length-by'] as LengthBy | undefined,
    tokenizer: raw.tokenizer === undefined ? undefined : String(raw.tokenizer),
    bucket,
    html: raw.html === undefined ? undefined : String(raw.html),
    color: raw.color === undefined ? undefined : Boolean(raw.color),
    slo,
    sloTarget,
    phase: (raw.phase as AiperfPhase | undefined) ?? 'profiling',
  };
}

export async function analyzeCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const opts = resolveAnalyzeOptions(raw);
  if (Array.isArray(opts)) throw new UsageError(opts.join('; '));
  const progress = await byteProgress(io);
  let analysis: Analysis;
  // Named means wanted: a tokenizer that is not there is an error even where sidecars make it unused.
  if (opts.tokenizer !== undefined && !existsSync(opts.tokenizer)) throw new IoError('no such tokenizer file or folder', opts.tokenizer);
  const files = await expandExports(opts.files, opts.sweep ? 'analyze --sweep' : 'analyze');
  try {
    if (opts.sweep) {
      const { analyzeSweep } = await import('../pipeline/sweep-analysis.js');
      analysis = await analyzeSweep(files, {
        percentiles: opts.percentiles,
        keepEmptyResponses: opts.keepEmptyResponses,
        detectEmptyFinals: opts.detectEmptyFinals,
        threads: opts.threads,
        figures: opts.html !== undefined,
        ...(opts.lengthBy === undefined ? {} : { lengthBy: opts.lengthBy }),
        ...(opts.tokenizer === undefined ? {} : { tokenizer: opts.tokenizer }),
        ...(opts.bucket === undefined ? {} : { bucket: opts.bucket }),
        ...(opts.slo === undefined ? {} : { slo: opts.slo }),
        ...(opts.sloTarget === undefined ? {} : { sloTarget: opts.sloTarget }),
        phase: opts.phase,
      });
    } else {
      analysis = await analyzeFiles(files, {
        experiment: opts.experiment,
        percentiles: opts.percentiles,
        keepEmptyResponses: opts.keepEmptyResponses,
        detectEmptyFinals: opts.detectEmptyFinals,
        threads: opts.threads,
        figures: opts.html !== undefined,
        ...(opts.slo === undefined ? {} : { slo: opts.slo }),
        phase: opts.phase,
        onProgress: (file, read, total) => progress.update(file, read, total),
      });
    }
  } finally {
    progress.stop();
  }
  const toFile = opts.out !== undefined;
  // The report is made and written a piece (an experiment) at a time: never held whole.
  const pieces: Iterable<string> =
    opts.format === 'json'
      ? jsonPieces(analysis)
      : opts.format === 'csv'
        ? csvPieces(analysis)
        : tablePieces(analysis, makeChalk(colorLevel(opts.color, io.env, toFile ? false : io.stdoutIsTTY)), toFile ? Infinity : (io.stdoutColumns ?? Infinity));
  if (opts.html !== undefined) {
    const { renderHtml } = await import('../report/html.js');
    const { hasSidecar } = await import('../export/sidecar.js');
    const captures = new Set(analysis.inputs.map((i) => i.file).filter(hasSidecar));
    await writeFileAtomically(opts.html, renderHtml(analysis, { captures }), 'the HTML report');
    io.stderr.write(`palens: wrote ${printable(opts.html)}\n`);
  }
  if (toFile) {
    await writeFileAtomically(opts.out!, pieces, 'the report');
    io.stderr.write(`palens: wrote ${printable(opts.out!)}\n`);
  } else await writePieces(io.stdout, pieces);
  // A sweep of no length measured nothing: the output says how many requests had no length; the exit says it failed.
  if (analysis.sweep && analysis.sweep.points.length === 0) {
    io.stderr.write(`palens: invalid input: no request has a known prompt length (length by ${analysis.sweep.length_by}): nothing was swept\n`);
    return EXIT.invalid;
  }
  return EXIT.ok;
}
