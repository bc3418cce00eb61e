/**
 * One analysis: read export files, validate them, and summarise each experiment. This is the
 * pipeline `palens analyze` runs: export/reader → RequestRecord stream → metrics/.
 */
import { UsageError } from '../errors.js';
import type { Truncation } from '../export/profile-parser.js';
import { CHUNK_BYTES, inspectExport, type ReadResult } from '../export/reader.js';
import { captureEndNote, joinStatuses, readSidecar, type Sidecar } from '../export/sidecar.js';
import type { TimingHealth } from '../records/capture-record.js';
import { promptTokensWarning } from '../records/prompt-token-check.js';
import { timingWarnings } from '../records/timing-health.js';
import { readSplit, SPLIT_MIN_BYTES } from './split.js';
import { ExperimentSet } from '../metrics/experiment-set.js';
import type { ExperimentSummary, MetricOptions } from '../metrics/experiment.js';
import type { ExperimentFigures } from '../metrics/figures.js';
import type { Timeline } from '../metrics/timeline.js';
import { ANALYSIS_SCHEMA_VERSION, type Analysis, type FileExperiment, type InputSummary } from '../report/analysis.js';
import { VERSION } from '../version.js';
import { detectFormat } from '../formats/detect.js';
import { readRecords } from '../formats/source.js';
import type { AiperfPhase } from '../records/record.js';

export { ANALYSIS_SCHEMA_VERSION } from '../report/analysis.js';
export type { Analysis, FileExperiment, InputSummary } from '../report/analysis.js';

export interface AnalyzeOptions extends MetricOptions {
  /** Only this experiment index, or every experiment. @default 'all' */
  experiment: number | 'all';
  /** Threads for one large plain file (1 or 2). @default 2 */
  threads?: number;
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
  /** Also extract the samples' shapes for a report that draws (`--html`). @default false */
  figures?: boolean;
  /** AIPerf's benchmark phase to read (formats/aiperf.ts). @default 'profiling' */
  phase?: AiperfPhase;
}

export async function analyzeFiles(files: readonly string[], options: AnalyzeOptions): Promise<Analysis> {
  const inputs: InputSummary[] = [];
  const experiments: FileExperiment[] = [];
  const warnings: string[] = [];
  const figures: ExperimentFigures[] = [];
  const timelines: (Timeline | null)[] = [];
  const wanted = (index: number): boolean => options.experiment === 'all' || options.experiment === index;
  for (const file of files) {
    const { set, result, sidecar, inFlight } = await readOne(file, options, wanted);
    if (options.experiment !== 'all' && options.experiment >= result.experiments) {
      throw new UsageError(
        `--experiment ${options.experiment}: ${file} has ${result.experiments} experiment${result.experiments === 1 ? '' : 's'} (0–${result.experiments - 1})`,
      );
    }
    const input = inputSummary(result);
    if (sidecar?.promptTokensCheck) input.prompt_tokens_check = sidecar.promptTokensCheck;
    inputs.push(input);
    // First of the file's warnings: every number below it describes only part of the file.
    if (result.truncated) warnings.push(truncatedWarning(file, result.truncated));
    // A palens capture that did not end in order: one warning, whatever its experiments say.
    const cut = captureEndNote(sidecar, inFlight);
    if (cut !== null) warnings.push(`${file}: ${cut}`);
    // A palens capture whose client was a bottleneck says so in its sidecar: its numbers carry that.
    const health = sidecar?.end?.timing_health;
    if (health !== undefined && health !== null) warnings.push(...timingWarnings(health as Partial<TimingHealth>).map((w) => `${file}: capture: ${w}`));
    for (const e of set.summaries()) {
      experiments.push({ file, ...e });
      warnings.push(...experimentWarnings(file, e, options, result.source.serviceKind));
    }
    if (options.figures) {
      figures.push(...set.figures());
      timelines.push(...set.timelines());
    }
    // A file without requests has no outputs to miss.
    if (!result.source.hasResponseOutputs && result.requests > 0) warnings.push(noOutputsWarning(file, options));
    for (const note of result.source.notes ?? []) warnings.push(`${file}: ${note}`);
    const phase = phaseWarning(file, result, options.phase);
    if (phase !== null) warnings.push(phase);
    const promptTokens = promptTokensWarning(file, input.prompt_tokens_check, input.endpoint);
    if (promptTokens !== null) warnings.push(promptTokens);
  }
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    tool: { name: 'palens', version: VERSION },
    options: {
      percentiles: [...options.percentiles],
      keep_empty_responses: options.keepEmptyResponses,
      detect_empty_finals: options.detectEmptyFinals !== false,
      experiment: options.experiment,
      phase: options.phase ?? 'profiling',
    },
    inputs,
    experiments,
    warnings,
    ...(options.figures ? { figures: { experiments: figures, sweep: null, timelines } } : {}),
  };
}

/** The metric options of an analysis: requests over time are kept when a report draws. */
function metricOptions(options: AnalyzeOptions): AnalyzeOptions {
  return options.figures ? { ...options, timeline: true } : options;
}

/** One file: on two threads when it is large and plain, else in this one. */
async function readOne(
  file: string,
  options: AnalyzeOptions,
  wanted: (index: number) => boolean,
): Promise<{ set: ExperimentSet; result: ReadResult; sidecar: Sidecar | null; inFlight: number }> {
  const progress = options.onProgress ? (read: number, total: number) => options.onProgress!(file, read, total) : undefined;
  const info = await inspectExport(file);
  // A palens capture's statuses join its records in this thread (captures are seldom large).
  const sidecar = await readSidecar(file);
  const format = await detectFormat(file);
  if (format === 'perf_analyzer' && sidecar === null && (options.threads ?? 2) > 1 && !info.compressed && info.size >= SPLIT_MIN_BYTES) {
    const split = await readSplit(file, info.size, metricOptions(options), wanted, CHUNK_BYTES, progress, true);
    if (split !== null) return { set: split.set, result: { ...split.result, file, fileBytes: info.size, compressed: false }, sidecar, inFlight: 0 };
  }
  // Without a sidecar each experiment is summarised at its end (a sidecar's requests in flight
  // come after every experiment's end: joined.finish()).
  const set = new ExperimentSet(metricOptions(options), wanted, { closeAtEnd: sidecar === null, figures: options.figures === true });
  const joined = joinStatuses(sidecar, set);
  const result = await readRecords(file, joined, { failFast: true, acceptTruncated: true, ...(progress ? { onProgress: progress } : {}), ...(options.phase === undefined ? {} : { phase: options.phase }) }, format);
  return { set, result, sidecar, inFlight: joined.finish() };
}

/** A phase other than the default chosen for a file that has no phases: every request was read. */
export function phaseWarning(file: string, r: ReadResult, phase: AiperfPhase | undefined): string | null {
  if (phase === undefined || phase === 'profiling' || r.source.format === 'aiperf') return null;
  return `${file}: --phase ${phase} applies to AIPerf files only; this ${r.source.format ?? 'perf_analyzer'} file has no phases, and every request in it is read`;
}

/**
 * The warning for a file that ends early: loud, since a capture cut short and a damaged copy look
 * alike, and the numbers describe only the requests before the cut.
 */
export function truncatedWarning(file: string, t: Truncation): string {
  const where = t.insideRequest
    ? `inside request ${t.request} of experiment ${t.experiment}`
    : t.request > 0
      ? `after request ${t.request - 1} of experiment ${t.experiment}`
      : `in experiment ${t.experiment}, before any request`;
  return `${file}: TRUNCATED: the file ends early (at byte ${t.byteOffset}, ${where}); only the complete requests before that point are analysed (a capture cut short, or a damaged copy; \`palens validate\` reports the file invalid)`;
}

/** The warning for an export without response_outputs: what palens can and cannot tell there. */
export function noOutputsWarning(file: string, options: MetricOptions): string {
  const how = options.keepEmptyResponses
    ? 'every response is counted (--keep-empty-responses)'
    : options.detectEmptyFinals === false
      ? 'every response is counted (--no-detect-empty-finals)'
      : 'empty finals are recognised from their timing alone, per experiment (docs/METRICS.md#empty-finals-without-outputs)';
  return `${file}: no response_outputs (perf_analyzer before 2024): ${how}`;
}

export function inputSummary(r: ReadResult): InputSummary {
  return {
    file: r.file,
    bytes: r.fileBytes,
    compressed: r.compressed,
    version: r.source.version,
    service_kind: r.source.serviceKind,
    endpoint: r.source.endpoint,
    experiments: r.experiments,
    requests: r.requests,
    has_request_inputs: r.source.hasRequestInputs,
    has_response_outputs: r.source.hasResponseOutputs,
    time_base_ns: r.source.timeBaseNs,
    ...(r.source.format === undefined || r.source.format === 'perf_analyzer' ? {} : { format: r.source.format }),
    truncated: Boolean(r.truncated),
  };
}

export function experimentWarnings(file: string, e: ExperimentSummary, options: MetricOptions, serviceKind: string | null = null): string[] {
  const out: string[] = [];
  const at = `${file} experiment ${e.index}`;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (e.requests.total === 0) out.push(`${at}: no requests`);
  if (e.requests.failed_no_response > 0) out.push(`${at}: ${plural(e.requests.failed_no_response, 'request')} without any response, counted as failed`);
  if (e.requests.failed_only_empty_responses > 0) {
    out.push(`${at}: ${plural(e.requests.failed_only_empty_responses, 'request')} with only empty responses, counted as failed`);
  }
  const flagged = e.responses.empty - (e.empty_finals?.recognised ? e.empty_finals.candidates : 0);
  if (flagged > 0) {
    out.push(
      options.keepEmptyResponses
        ? `${at}: ${plural(flagged, 'empty response')} kept in the metrics (--keep-empty-responses)`
        : `${at}: ${plural(flagged, 'empty response')} dropped (${serviceKind === 'openai' ? 'SSE events without content: the role, usage and [DONE] events' : "decoupled models' empty finals"}; --keep-empty-responses keeps them)`,
    );
  }
  // Requests in flight are told once per file, with why (export/sidecar.ts captureEndNote).
  for (const [status, n] of Object.entries(e.requests.failed_by_status)) if (status !== 'in_flight') out.push(`${at}: ${plural(n, 'request')} ${status.replace('_', ' ')}, counted as failed`);
  return out;
}
