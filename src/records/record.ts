/**
 * The one shape every source (an export file, a live capture) yields per request, and
 * every consumer (metrics, sweep grouping, the export writer) takes.
 *
 * Records are delivered one at a time and their arrays are reused by the source for the
 * next request: a consumer that keeps data must copy it before returning.
 */
export interface RequestRecord {
  /** Index of the experiment (load level) in its source. */
  experiment: number;
  /** Index of the request within its experiment. */
  index: number;
  /** Send time, ns from the source's time base (exact integer). */
  sendNs: number;
  /** Number of valid entries in `responseNs` (and `responseEmpty`). */
  responseCount: number;
  /** Arrival time of each response, ns from the time base, in arrival order. */
  responseNs: Float64Array;
  /**
   * 1 where a response carried no output (a decoupled model's empty final response:
   * `{}`, null, or empty text); null when the source has no response outputs.
   */
  responseEmpty: Uint8Array | null;
  /** Prompt length in whitespace-separated words, or -1 when the prompt is unknown. */
  promptWords: number;
  /** Prompt length in Unicode code points, or -1 when the prompt is unknown. */
  promptChars: number;
  /** The prompt text when the source carries it (for token counts), else null. */
  promptText: string | null;
  /**
   * How the request ended, when the source says (a palens capture and its sidecar, peer tools'
   * per-request records); null when the source does not say and the responses alone decide.
   * Anything but 'ok' is a failed request: its responses enter no latency statistic.
   */
  status: RequestStatus | null;
  /**
   * Peer tools' records (formats/) say more than an export. Absent means unknown.
   * Output tokens the source counted (server usage or its own tokenizer).
   */
  outputTokens?: number;
  /** Prompt tokens the source counted (AIPerf input_sequence_length, GuideLLM prompt_tokens, vLLM input_lens): `--length-by meta`. */
  promptTokens?: number;
  /**
   * Responses between the first and the last whose times the source did not keep (GuideLLM keeps
   * only the first and last token times): they count as responses, but metrics that need every gap
   * leave the request out.
   */
  untimedResponses?: number;
  /**
   * When the request ended, ns from the time base, where the source measures request latency to
   * something later than its last token (GuideLLM's request_end, vLLM's last chunk). Absent: the
   * last used response ends it.
   */
  endNs?: number;
}

/**
 * Final status of a request. 'in_flight': sent (the server may have seen it) but not finished
 * when the capture was cut short (SIGKILL, a second Ctrl-C, a full disk).
 */
export type RequestStatus = 'ok' | 'server_error' | 'timeout' | 'cancelled' | 'client_error' | 'in_flight';

/** How an experiment (one load level) was run, as the source describes it. */
export interface ExperimentInfo {
  index: number;
  /** 'concurrency' or 'request_rate' in perf_analyzer exports. */
  mode: string | null;
  value: number | null;
  /** Number of measurement windows (window_boundaries − 1), or null when absent. */
  windows: number | null;
  requests: number;
}

/** The file formats palens reads (formats/). */
export type FileFormat = 'perf_analyzer' | 'aiperf' | 'guidellm' | 'vllm';

/**
 * Which of AIPerf's benchmark phases a reading takes (`--phase`): the profiling phase (AIPerf's own
 * results; the default), the warm-up alone, or both, each phase its own experiment. Other formats
 * have no phases.
 */
export const AIPERF_PHASES = ['profiling', 'warmup', 'all'] as const;
export type AiperfPhase = (typeof AIPERF_PHASES)[number];

/** What a source says about itself once it has been read to the end. */
export interface SourceInfo {
  version: string | null;
  serviceKind: string | null;
  endpoint: string | null;
  /** True when requests carried response_outputs (perf_analyzer 2024 and later). */
  hasResponseOutputs: boolean;
  /** True when requests carried request_inputs (perf_analyzer 2024 and later). */
  hasRequestInputs: boolean;
  /** Absolute time of offset 0 in ns since the epoch, as an exact decimal string. */
  timeBaseNs: string | null;
  /** Which tool wrote the file (formats/detect.ts); absent for perf_analyzer exports. */
  format?: FileFormat;
  /** What the reader left out or could not know, for the report's warnings (e.g. AIPerf warm-up requests). */
  notes?: string[];
}

/** Receives a source's records as they are read. */
export interface RecordSink {
  record(r: RequestRecord): void;
  experimentEnd(info: ExperimentInfo): void;
}

/** A record with nothing in it yet, for a source to fill and reuse (its arrays grow as needed). */
export function blankRecord(): RequestRecord {
  return {
    experiment: 0,
    index: 0,
    sendNs: 0,
    responseCount: 0,
    responseNs: new Float64Array(64),
    responseEmpty: new Uint8Array(64),
    promptWords: -1,
    promptChars: -1,
    promptText: null,
    status: null,
  };
}
