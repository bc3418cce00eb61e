/**
 * Writes a capture's sidecar (`EXPORT.palens.jsonl`, docs/SIDECAR.md) as the capture happens: one
 * JSON object per line, appended, never rewritten. Lines of one event-loop turn go out in one
 * checked write; `flush` forces them out at once (the capture calls it before a request's bytes
 * can leave, so a request the server may have seen always has its `sent` line on disk).
 */
import type { CaptureEnd, CaptureExperimentEnd, CaptureRecord, CaptureSink, LoadLevelInfo, SentRequest } from '../records/capture-record.js';
import { VERSION } from '../version.js';
import { sidecarPath } from './sidecar.js';
import { CheckedFile, type EpochOf } from './writer.js';

export const SIDECAR_SCHEMA_VERSION = 2;

export interface SidecarHeader {
  export: string;
  clock: string;
  config: Record<string, unknown>;
  server: unknown;
  model: unknown;
  prompt: { unit: 'tokens' | 'words'; tokenizer: string | null };
}

const orNull = (n: number): number | null => (n >= 0 ? n : null);

export class SidecarWriter implements CaptureSink {
  readonly file: string;
  private readonly out: CheckedFile;
  private pending: string[] = [];
  private scheduled = false;
  private ended = false;
  private failure: unknown = null;

  /**
   * @param onFailure called when a deferred write fails (a full disk); the capture stops on it.
   */
  constructor(
    exportFile: string,
    private readonly epoch: EpochOf,
    header: SidecarHeader,
    private readonly onFailure: (e: unknown) => void,
  ) {
    this.file = sidecarPath(exportFile);
    this.out = new CheckedFile(this.file);
    this.line({ kind: 'header', schemaVersion: SIDECAR_SCHEMA_VERSION, tool: { name: 'palens', version: VERSION }, ...header });
    this.flush();
  }

  private line(o: object): void {
    this.pending.push(JSON.stringify(o) + '\n');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        try {
          this.flush();
        } catch (e) {
          this.onFailure(e);
        }
      });
    }
  }

  /** Writes every pending line now; throws an IoError when the write fails. */
  flush(): void {
    if (this.failure !== null) throw this.failure;
    if (this.pending.length === 0 || !this.out.open) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      this.out.write(text);
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  experimentStart(level: LoadLevelInfo): void {
    this.line({ kind: 'experiment', index: level.index, mode: level.mode, value: level.value });
  }

  sent(s: SentRequest): void {
    this.line({
      kind: 'sent',
      experiment: s.experiment,
      id: s.id,
      warmup: s.warmup,
      intended_send_ns: Number.isNaN(s.intendedNs) ? null : this.epoch(s.intendedNs),
      prompt_tokens: orNull(s.promptTokens),
      prompt_words: orNull(s.promptWords),
    });
  }

  record(r: CaptureRecord): void {
    this.line({
      kind: 'request',
      experiment: r.experiment,
      id: r.id,
      warmup: r.warmup,
      index: r.index,
      status: r.status,
      error: r.error,
      responses: r.responseCount,
      send_ns: this.epoch(r.sendNs),
      intended_send_ns: Number.isNaN(r.intendedNs) ? null : this.epoch(r.intendedNs),
      prompt_tokens: orNull(r.promptTokens),
      prompt_words: orNull(r.promptWords),
      ...r.extras,
    });
  }

  experimentEnd(info: CaptureExperimentEnd): void {
    this.line({ kind: 'experiment_end', index: info.index, requests: info.requests, windows: info.windowBoundariesNs.map(this.epoch), stable: info.stable });
    this.flush();
  }

  end(e: CaptureEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.line({ kind: 'end', interrupted: e.interrupted, stopped_reason: e.stoppedReason, timing_health: e.timingHealth, totals: e.totals });
    try {
      this.flush();
    } finally {
      this.out.close();
    }
  }

  /** The process is exiting: writes what is pending and a last `end` line, if the disk lets it; never throws. */
  closeNow(e: CaptureEnd): void {
    try {
      // After a failed write the file may end in part of a line: nothing more goes after it.
      if (this.failure !== null) this.out.close();
      else this.end(e);
    } catch {
      // A full disk: the lines already written stay, and requests without a `request` line read as in flight.
    }
  }
}
