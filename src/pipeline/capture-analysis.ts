/**
 * A capture analysed as it runs: a CaptureSink that feeds the measured requests to the same
 * metrics `palens analyze` uses (metrics/ExperimentSet), and builds the same Analysis object, so a
 * capture prints exactly what `palens analyze EXPORT` prints for the file it wrote — without
 * reading it back.
 *
 * The export parser measures time from the first timestamp in the file (the first measured request
 * written); this sink takes the same base, so every offset, and `start_offset_ns`, agrees to the ns.
 */
import type { ExperimentSummary, MetricOptions } from '../metrics/experiment.js';
import { ExperimentSet } from '../metrics/experiment-set.js';
import type { CaptureEnd, CaptureExperimentEnd, CaptureRecord, CaptureSink, TimingHealth } from '../records/capture-record.js';
import { timingWarnings } from '../records/timing-health.js';
import { PromptTokenTally, promptTokensWarning } from '../records/prompt-token-check.js';
import { blankRecord, type RequestRecord } from '../records/record.js';
import { ANALYSIS_SCHEMA_VERSION, type Analysis, type InputSummary } from '../report/analysis.js';
import { VERSION } from '../version.js';
import { endNote } from '../export/sidecar.js';
import { experimentWarnings } from './analysis.js';

export class LiveAnalysis implements CaptureSink {
  private readonly set: ExperimentSet;
  /** The record as the metrics see it: times from the export's base (a copy: the capture reuses its record). */
  private readonly r: RequestRecord = blankRecord();
  private base = NaN;
  private experiments = 0;
  private requests = 0;
  private health: TimingHealth | null = null;
  /** How the capture ended (its sidecar's end line), once it has. */
  private ended: CaptureEnd | null = null;
  /** The server's prompt counts against palens's, as `analyze` tallies them from the sidecar. */
  private readonly promptCheck = new PromptTokenTally();

  constructor(private readonly options: MetricOptions) {
    this.set = new ExperimentSet(options);
  }

  experimentStart(): void {
    this.experiments++;
  }

  sent(): void {}

  record(c: CaptureRecord): void {
    if (c.warmup) return;
    this.promptCheck.add(c.extras?.tokens);
    if (Number.isNaN(this.base)) this.base = c.sendNs;
    const r = this.r;
    const n = c.responseCount;
    if (n > r.responseNs.length) {
      r.responseNs = new Float64Array(n * 2);
      r.responseEmpty = new Uint8Array(n * 2);
    }
    for (let k = 0; k < n; k++) {
      r.responseNs[k] = c.responseNs[k]! - this.base;
      r.responseEmpty![k] = c.responseEmpty![k]!;
    }
    r.experiment = c.experiment;
    r.index = c.index;
    r.sendNs = c.sendNs - this.base;
    r.responseCount = n;
    r.promptWords = c.promptWords;
    r.promptChars = c.promptChars;
    r.promptText = c.promptText;
    r.status = c.status;
    r.outputTokens = c.outputTokens ?? -1;
    this.set.record(r);
    this.requests++;
  }

  experimentEnd(info: CaptureExperimentEnd): void {
    this.set.experimentEnd({ index: info.index, mode: info.mode, value: info.value, windows: info.windows, requests: info.requests });
  }

  end(e: CaptureEnd): void {
    this.health = e.timingHealth;
    this.ended = e;
  }

  summaries(): ExperimentSummary[] {
    return this.set.summaries();
  }

  /**
   * The analysis of the capture's export, as `palens analyze` builds it.
   * @param epochOf the export's ns since the epoch of a capture-clock offset (for time_base_ns)
   * @param kind the export's service_kind and endpoint (an OpenAI capture's are "openai" and its route)
   */
  analysis(file: string, bytes: number, epochOf: (offsetNs: number) => string, kind: { serviceKind: string; endpoint: string } = { serviceKind: 'triton', endpoint: '' }): Analysis {
    const input: InputSummary = {
      file,
      bytes,
      compressed: false,
      version: `palens ${VERSION}`,
      service_kind: kind.serviceKind,
      endpoint: kind.endpoint,
      experiments: this.experiments,
      requests: this.requests,
      has_request_inputs: this.requests > 0,
      has_response_outputs: this.requests > 0,
      time_base_ns: Number.isNaN(this.base) ? null : epochOf(this.base),
      truncated: false,
    };
    const check = this.promptCheck.result();
    if (check !== null) input.prompt_tokens_check = check;
    const experiments = this.summaries();
    const promptTokens = promptTokensWarning(file, check, kind.endpoint);
    const endText = this.ended === null ? null : endNote({ interrupted: this.ended.interrupted, stoppedReason: this.ended.stoppedReason }, false, this.ended.totals.in_flight);
    return {
      schemaVersion: ANALYSIS_SCHEMA_VERSION,
      tool: { name: 'palens', version: VERSION },
      options: {
        percentiles: [...this.options.percentiles],
        keep_empty_responses: this.options.keepEmptyResponses,
        detect_empty_finals: this.options.detectEmptyFinals !== false,
        experiment: 'all',
        // A capture has no phases; an analysis of its export reads it with the default.
        phase: 'profiling',
      },
      inputs: [input],
      experiments: experiments.map((e) => ({ file, ...e })),
      // In the order `palens analyze` gives them: how the capture ended (interrupted, stopped early), its
      // timing health (both from its sidecar's end line), then each experiment's.
      warnings: [
        ...(endText === null ? [] : [`${file}: ${endText}`]),
        ...(this.health === null ? [] : timingWarnings(this.health).map((w) => `${file}: capture: ${w}`)),
        ...experiments.flatMap((e) => experimentWarnings(file, e, this.options, input.service_kind)),
        ...(promptTokens === null ? [] : [promptTokens]),
      ],
    };
  }
}
