/**
 * Writes a perf_analyzer-format profile export request by request, as a capture's record sink:
 * each finished request is one synchronous, checked write, so what was captured is on disk at every
 * moment (a SIGKILL leaves an export cut after its last complete request, which palens reads). The
 * export is valid JSON once `end` (or `closeNow`) has run, whether the capture finished or not.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { IoError } from '../errors.js';
import type { CaptureEnd, CaptureExperimentEnd, CaptureRecord, CaptureSink, LoadLevelInfo } from '../records/capture-record.js';
import { VERSION } from '../version.js';

/**
 * An append-only file whose every write is checked: a short write is continued, a failed one
 * (ENOSPC, EIO, EBADF) becomes one IoError naming the file and what happened — never a stack trace.
 */
export class CheckedFile {
  private fd: number | null;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (e) {
      throw ioError(file, 'cannot be written', e);
    }
  }

  get open(): boolean {
    return this.fd !== null;
  }

  write(text: string): void {
    if (this.fd === null) throw new IoError('was already closed (a bug in palens)', this.file);
    const bytes = Buffer.from(text);
    let at = 0;
    try {
      while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (e) {
      throw ioError(this.file, `could not be written after ${at} of ${bytes.length} bytes`, e);
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch (e) {
      throw ioError(this.file, 'could not be closed', e);
    }
  }
}

export function ioError(file: string, what: string, e: unknown): IoError {
  const code = (e as { code?: string }).code;
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EDQUOT' ? 'the disk quota is used up' : (e as Error).message;
  return new IoError(`${what}: ${why}`, file, e);
}

/** Epoch ns (exact decimal) of a whole-ns offset from the capture clock's anchor. */
export type EpochOf = (offsetNs: number) => string;

export class ExportWriter implements CaptureSink {
  private readonly out: CheckedFile;
  private experiments = 0;
  private requests = 0;
  private inExperiment = false;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly epoch: EpochOf,
    /** perf_analyzer's service_kind and endpoint ("openai", "v1/chat/completions" for an OpenAI capture). */
    private readonly kind: { serviceKind: string; endpoint: string } = { serviceKind: 'triton', endpoint: '' },
  ) {
    this.out = new CheckedFile(file);
    this.out.write('{"experiments":[');
  }

  experimentStart(level: LoadLevelInfo): void {
    if (this.inExperiment) throw new Error('ExportWriter: experiment already open');
    const value = level.mode === 'concurrency' ? Math.round(level.value) : Number(level.value);
    this.out.write(`${this.experiments > 0 ? ',' : ''}{"experiment":{"mode":"${level.mode}","value":${value}},"requests":[`);
    this.experiments++;
    this.requests = 0;
    this.inExperiment = true;
  }

  sent(): void {}

  record(r: CaptureRecord): void {
    if (r.warmup) return;
    const stamps: string[] = [];
    const outputs: string[] = [];
    for (let k = 0; k < r.responseCount; k++) {
      stamps.push(this.epoch(r.responseNs[k]!));
      outputs.push(JSON.stringify(r.responseOutputs[k]));
    }
    this.out.write(
      `${this.requests > 0 ? ',' : ''}{"timestamp":${this.epoch(r.sendNs)},"request_inputs":${JSON.stringify(r.requestInputs)},"response_timestamps":[${stamps.join(',')}],"response_outputs":[${outputs.join(',')}]}`,
    );
    this.requests++;
  }

  experimentEnd(info: CaptureExperimentEnd): void {
    if (!this.inExperiment) return;
    this.out.write(`],"window_boundaries":[${info.windowBoundariesNs.map(this.epoch).join(',')}]}`);
    this.inExperiment = false;
  }

  end(_e?: CaptureEnd): void {
    if (this.closed) return;
    this.closed = true;
    if (this.inExperiment) {
      this.out.write(`],"window_boundaries":[]}`);
      this.inExperiment = false;
    }
    this.out.write(`],"version":${JSON.stringify(`palens ${VERSION}`)},"service_kind":${JSON.stringify(this.kind.serviceKind)},"endpoint":${JSON.stringify(this.kind.endpoint)}}`);
    this.out.close();
  }

  /** Ends the document at once (the process is exiting); never throws. */
  closeNow(): void {
    try {
      this.end();
    } catch {
      // The disk may be full: what was written before stays, and palens reads an export cut short.
    }
  }
}
