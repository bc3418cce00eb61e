/**
 * One analysis: read export files, validate them, and summarise each experiment. This is the
 * pipeline `palens analyze` runs: export/reader → RequestRecord stream → metrics/.
 */
import { UsageError } from './errors.js';
import { readExport, type ReadResult } from './export/reader.js';
import { ExperimentAccumulator, type ExperimentSummary, type MetricOptions } from './metrics/experiment.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from './records/record.js';
import { VERSION } from './version.js';

export const ANALYSIS_SCHEMA_VERSION = 1;

export interface AnalyzeOptions extends MetricOptions {
  /** Only this experiment index, or every experiment. @default 'all' */
  experiment: number | 'all';
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
}

export interface InputSummary {
  file: string;
  bytes: number;
  compressed: boolean;
  version: string | null;
  service_kind: string | null;
  endpoint: string | null;
  experiments: number;
  requests: number;
  has_request_inputs: boolean;
  has_response_outputs: boolean;
  /** Absolute time of offset 0, ns since the Unix epoch, exact, as a decimal string. */
  time_base_ns: string | null;
}

export interface FileExperiment extends ExperimentSummary {
  file: string;
}

export interface Analysis {
  schemaVersion: number;
  tool: { name: 'palens'; version: string };
  options: { percentiles: number[]; keep_empty_responses: boolean; experiment: number | 'all' };
  inputs: InputSummary[];
  experiments: FileExperiment[];
  warnings: string[];
}

class AnalysisSink implements RecordSink {
  private current: ExperimentAccumulator | null = null;
  readonly done: ExperimentSummary[] = [];

  constructor(private readonly options: AnalyzeOptions) {}

  private wanted(index: number): boolean {
    return this.options.experiment === 'all' || this.options.experiment === index;
  }

  record(r: RequestRecord): void {
    if (!this.wanted(r.experiment)) return;
    this.current ??= new ExperimentAccumulator(this.options);
    this.current.add(r);
  }

  experimentEnd(info: ExperimentInfo): void {
    if (this.wanted(info.index)) {
      const acc = this.current ?? new ExperimentAccumulator(this.options);
      this.done.push(acc.summary(info));
    }
    this.current = null;
  }
}

export async function analyzeFiles(files: readonly string[], options: AnalyzeOptions): Promise<Analysis> {
  const inputs: InputSummary[] = [];
  const experiments: FileExperiment[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const sink = new AnalysisSink(options);
    const result = await readExport(file, sink, {
      failFast: true,
      ...(options.onProgress ? { onProgress: (read: number, total: number) => options.onProgress!(file, read, total) } : {}),
    });
    if (options.experiment !== 'all' && options.experiment >= result.experiments) {
      throw new UsageError(
        `--experiment ${options.experiment}: ${file} has ${result.experiments} experiment${result.experiments === 1 ? '' : 's'} (0–${result.experiments - 1})`,
      );
    }
    inputs.push(inputSummary(result));
    for (const e of sink.done) {
      experiments.push({ file, ...e });
      warnings.push(...experimentWarnings(file, e, options));
    }
    if (!result.source.hasResponseOutputs) {
      warnings.push(
        `${file}: no response_outputs (perf_analyzer before 2024): empty final responses cannot be told apart and are counted as responses`,
      );
    }
  }
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    tool: { name: 'palens', version: VERSION },
    options: { percentiles: [...options.percentiles], keep_empty_responses: options.keepEmptyResponses, experiment: options.experiment },
    inputs,
    experiments,
    warnings,
  };
}

function inputSummary(r: ReadResult): InputSummary {
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
  };
}

function experimentWarnings(file: string, e: ExperimentSummary, options: MetricOptions): string[] {
  const out: string[] = [];
  const at = `${file} experiment ${e.index}`;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (e.requests.total === 0) out.push(`${at}: no requests`);
  if (e.requests.failed_no_response > 0) out.push(`${at}: ${plural(e.requests.failed_no_response, 'request')} without any response, counted as failed`);
  if (e.requests.failed_only_empty_responses > 0) {
    out.push(`${at}: ${plural(e.requests.failed_only_empty_responses, 'request')} with only empty responses, counted as failed`);
  }
  if (e.responses.empty > 0) {
    out.push(
      options.keepEmptyResponses
        ? `${at}: ${plural(e.responses.empty, 'empty response')} kept in the metrics (--keep-empty-responses)`
        : `${at}: ${plural(e.responses.empty, 'empty response')} dropped (decoupled models' empty finals; --keep-empty-responses keeps them)`,
    );
  }
  return out;
}
