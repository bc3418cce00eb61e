import { writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { analyzeFiles, analyzeSweep, type Analysis } from '../analysis.js';
import { LENGTH_MEASURES, type LengthBy } from '../sweep/length.js';
import { renderHtml } from '../report/html.js';
import { expandFiles } from './files.js';
import { EXIT, IoError, UsageError } from '../errors.js';
import { DEFAULT_PERCENTILES } from '../metrics/distribution.js';
import { renderCsv } from '../report/csv.js';
import { renderJson } from '../report/json.js';
import { renderTable } from '../report/table.js';
import { colorLevel, makeChalk } from './color.js';
import type { CliIo } from './io.js';
import { byteProgress } from './progress.js';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function analyzeOptions(y: Argv): Argv {
  return y
    .positional('files', { type: 'string', array: true, describe: 'perf_analyzer --profile-export-file outputs (.json or .json.gz)' })
    .option('format', { alias: 'f', choices: FORMATS, default: 'table' as Format, describe: 'output format' })
    .option('out', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of stdout' })
    .option('experiment', { alias: 'e', type: 'string', default: 'all', describe: 'experiment (load level) index to report, or all' })
    .option('percentiles', { alias: 'p', type: 'string', default: DEFAULT_PERCENTILES.join(','), describe: 'comma-separated percentiles, each in [0, 100]' })
    .option('threads', {
      type: 'number',
      default: 2,
      describe: 'threads for one large uncompressed file (1 or 2): the file is cut between two requests near its middle',
    })
    .option('sweep', {
      type: 'boolean',
      default: false,
      describe: 'group every request of every file by prompt length; fit TTFT and token-to-token latency against it',
    })
    .option('length-by', { choices: LENGTH_MEASURES, describe: 'prompt length measure for --sweep (default: meta with sidecars, else tokens with --tokenizer, else words)' })
    .option('tokenizer', { type: 'string', describe: 'a local Hugging Face tokenizer.json, or a folder holding one (never downloaded)' })
    .option('bucket', { type: 'number', describe: 'round prompt lengths to the nearest multiple of N' })
    .option('html', { type: 'string', describe: 'also write a self-contained HTML report with charts to FILE' })
    .option('keep-empty-responses', {
      type: 'boolean',
      default: false,
      describe: 'keep empty responses (decoupled models\' empty finals) in every metric, as naive scripts do',
    })
    .example('$0 analyze profile_export.json', 'report TTFT and token-to-token latency per experiment')
    .example('$0 analyze export.json.gz -f json -o analysis.json', 'machine-readable output (schemas/analysis.schema.json)')
    .example('$0 analyze export.json -p 50,90,99,99.9 --experiment 0', 'chosen percentiles, first load level only')
    .example('$0 analyze export.json -f csv | column -s, -t', 'one row per experiment × metric')
    .example("$0 analyze --sweep 'results/*.json' --tokenizer ./tokenizer.json --html sweep.html", 'TTFT and token-to-token latency against prompt length, with fits and charts');
}

export interface AnalyzeCliOptions {
  files: string[];
  format: Format;
  out: string | undefined;
  experiment: number | 'all';
  percentiles: number[];
  keepEmptyResponses: boolean;
  threads: number;
  sweep: boolean;
  lengthBy: LengthBy | undefined;
  tokenizer: string | undefined;
  bucket: number | undefined;
  html: string | undefined;
  color: boolean | undefined;
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
  if (issues.length > 0) return issues;
  return {
    files,
    format: raw.format as Format,
    out: raw.out === undefined ? undefined : String(raw.out),
    experiment,
    percentiles,
    keepEmptyResponses: Boolean(raw['keep-empty-responses']),
    threads,
    sweep,
    lengthBy: raw['length-by'] as LengthBy | undefined,
    tokenizer: raw.tokenizer === undefined ? undefined : String(raw.tokenizer),
    bucket,
    html: raw.html === undefined ? undefined : String(raw.html),
    color: raw.color === undefined ? undefined : Boolean(raw.color),
  };
}

export async function analyzeCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const opts = resolveAnalyzeOptions(raw);
  if (Array.isArray(opts)) throw new UsageError(opts.join('; '));
  const progress = await byteProgress(io);
  let analysis: Analysis;
  try {
    if (opts.sweep) {
      const files = await expandFiles(opts.files, '--sweep');
      analysis = await analyzeSweep(files, {
        percentiles: opts.percentiles,
        keepEmptyResponses: opts.keepEmptyResponses,
        threads: opts.threads,
        ...(opts.lengthBy === undefined ? {} : { lengthBy: opts.lengthBy }),
        ...(opts.tokenizer === undefined ? {} : { tokenizer: opts.tokenizer }),
        ...(opts.bucket === undefined ? {} : { bucket: opts.bucket }),
      });
    } else {
      analysis = await analyzeFiles(opts.files, {
        experiment: opts.experiment,
        percentiles: opts.percentiles,
        keepEmptyResponses: opts.keepEmptyResponses,
        threads: opts.threads,
        onProgress: (file, read, total) => progress.update(file, read, total),
      });
    }
  } finally {
    progress.stop();
  }
  const toFile = opts.out !== undefined;
  const text =
    opts.format === 'json'
      ? renderJson(analysis)
      : opts.format === 'csv'
        ? renderCsv(analysis)
        : renderTable(analysis, makeChalk(colorLevel(opts.color, io.env, toFile ? false : io.stdoutIsTTY)));
  if (opts.html !== undefined) {
    await writeReport(opts.html, renderHtml(analysis));
    io.stderr.write(`palens: wrote ${opts.html}\n`);
  }
  if (toFile) {
    await writeReport(opts.out!, text);
    io.stderr.write(`palens: wrote ${opts.out}\n`);
  } else io.stdout.write(text);
  return EXIT.ok;
}

async function writeReport(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new IoError(`cannot write the report (${(e as Error).message})`, file, e);
  }
}
