import { writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { analyzeFiles, type Analysis } from '../analysis.js';
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
    .option('keep-empty-responses', {
      type: 'boolean',
      default: false,
      describe: 'keep empty responses (decoupled models\' empty finals) in every metric, as naive scripts do',
    })
    .example('$0 analyze profile_export.json', 'report TTFT and token-to-token latency per experiment')
    .example('$0 analyze export.json.gz -f json -o analysis.json', 'machine-readable output (schemas/analysis.schema.json)')
    .example('$0 analyze export.json -p 50,90,99,99.9 --experiment 0', 'chosen percentiles, first load level only')
    .example('$0 analyze export.json -f csv | column -s, -t', 'one row per experiment × metric');
}

export interface AnalyzeCliOptions {
  files: string[];
  format: Format;
  out: string | undefined;
  experiment: number | 'all';
  percentiles: number[];
  keepEmptyResponses: boolean;
  threads: number;
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
  if (issues.length > 0) return issues;
  return {
    files,
    format: raw.format as Format,
    out: raw.out === undefined ? undefined : String(raw.out),
    experiment,
    percentiles,
    keepEmptyResponses: Boolean(raw['keep-empty-responses']),
    threads,
    color: raw.color === undefined ? undefined : Boolean(raw.color),
  };
}

export async function analyzeCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const opts = resolveAnalyzeOptions(raw);
  if (Array.isArray(opts)) throw new UsageError(opts.join('; '));
  const progress = await byteProgress(io);
  let analysis: Analysis;
  try {
    analysis = await analyzeFiles(opts.files, {
      experiment: opts.experiment,
      percentiles: opts.percentiles,
      keepEmptyResponses: opts.keepEmptyResponses,
      threads: opts.threads,
      onProgress: (file, read, total) => progress.update(file, read, total),
    });
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
  if (toFile) {
    try {
      await writeFile(opts.out!, text);
    } catch (e) {
      throw new IoError(`cannot write the report (${(e as Error).message})`, opts.out!, e);
    }
    io.stderr.write(`palens: wrote ${opts.out}\n`);
  } else io.stdout.write(text);
  return EXIT.ok;
}
