/**
 * The one object every renderer takes (report/table, csv, json, html) and the pipeline builds
 * (pipeline/analysis.ts, sweep-analysis.ts, a capture's live analysis): where the two meet. Its
 * JSON form is schemas/analysis.schema.json; changes are additive.
 */
import type { ExperimentSummary } from '../metrics/experiment.js';
import type { AnalysisFigures } from '../metrics/figures.js';
import type { AiperfPhase, FileFormat } from '../records/record.js';
import type { PromptTokensCheck } from '../records/prompt-token-check.js';
import type { SweepSummary } from '../sweep/sweep.js';

export const ANALYSIS_SCHEMA_VERSION = 1;

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
  /** Which tool wrote the file (formats/detect.ts); absent means a perf_analyzer-format export (a capture's). */
  format?: FileFormat;
  /** True when the file ends early (a capture cut short): only its complete requests were read. */
  truncated: boolean;
  /** An OpenAI capture (its sidecar's token reports): the server's usage.prompt_tokens against the length palens meant. */
  prompt_tokens_check?: PromptTokensCheck;
}

export interface FileExperiment extends ExperimentSummary {
  file: string;
}

export interface Analysis {
  schemaVersion: number;
  tool: { name: 'palens'; version: string };
  options: {
    percentiles: number[];
    keep_empty_responses: boolean;
    /** Empty finals recognised from timing in exports without outputs (metrics/used-responses.ts). */
    detect_empty_finals: boolean;
    experiment: number | 'all';
    /** AIPerf files' benchmark phase read (--phase); 'profiling' unless asked. */
    phase: AiperfPhase;
  };
  inputs: InputSummary[];
  experiments: FileExperiment[];
  /** Present for `analyze --sweep`: requests grouped by prompt length, and the fits. */
  sweep?: SweepSummary;
  warnings: string[];
  /** The samples' shapes, only when asked for (`--html`); not part of the JSON output. */
  figures?: AnalysisFigures;
}

