/**
 * Writes a perf_analyzer-format profile export request by request, as a capture's record sink.
 * The file is a complete, valid export at every instant: each finished request is written, with
 * the closing brackets after it, in one synchronous, checked, positioned write over the previous
 * closing brackets. A SIGKILL between two writes leaves a valid export of every request that ended;
 * only a failed write (a full disk) can leave one cut short, which palens reads too.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
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

  /** Appends `text` (at `position` when given: positioned writes overwrite what follows). Returns the bytes written. */
  write(text: string, position: number | null = null): number {
    if (this.fd === null) throw new IoError('was already closed (a bug in palens)', this.file);
    const bytes = Buffer.from(text);
    let at = 0;
    try {
      while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, position === null ? null : position + at);
    } catch (e) {
      throw ioError(this.file, `could not be written after ${at} of ${bytes.length} bytes`, e);
    }
    return bytes.length;
  }

  /** Cuts the file to `length` bytes. */
  truncate(length: number): void {
    if (this.fd === null) return;
    try {
      ftruncateSync(this.fd, length);
    } catch (e) {
      throw ioError(this.file, 'could not be cut to length', e);
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
  /** Where the closing brackets start: the next write goes here. */
  private at = 0;
  /** Bytes in the file. */
  private size = 0;

  constructor(
    readonly file: string,
    private readonly epoch: EpochOf,
    /** perf_analyzer's service_kind and endpoint ("openai", "v1/chat/completions" for an OpenAI capture). */
    private readonly kind: { serviceKind: string; endpoint: string } = { serviceKind: 'triton', endpoint: '' },
  ) {
    this.out = new CheckedFile(file);
    this.put('{"experiments":[');
  }

  /** The closing brackets of the document as it stands. */
  private tail(inExperiment = this.inExperiment): string {
    return `${inExperiment ? '],"window_boundaries":[]}' : ''}],"version":${JSON.stringify(`palens ${VERSION}`)},"service_kind":${JSON.stringify(this.kind.serviceKind)},"endpoint":${JSON.stringify(this.kind.endpoint)}}`;
  }

  /** Writes `text` where the closing brackets were, and the closing brackets after it, in one write. */
  private put(text: string, inExperiment = this.inExperiment): void {
    let written: number;
    try {
      written = this.out.write(text + this.tail(inExperiment), this.at);
    } catch (e) {
      this.repair();
      throw e;
    }
    this.inExperiment = inExperiment;
    const end = this.at + written;
    if (end < this.size) this.out.truncate(end);
    this.size = end;
    this.at = end - Buffer.byteLength(this.tail());
  }

  /**
   * After a failed write (a full disk), the closing brackets go back where they were: those bytes
   * were on disk before, so rewriting them needs no new space, and the export stays valid.
   */
  private repair(): void {
    try {
      const tail = this.tail();
      this.out.write(tail, this.at);
      this.out.truncate(this.at + Buffer.byteLength(tail));
    } catch {
      // Cut short, then: palens reads an export cut short too.
    }
  }

  experimentStart(level: LoadLevelInfo): void {
    if (this.inExperiment) throw new Error('ExportWriter: experiment already open');
    const value = level.mode === 'concurrency' ? Math.round(level.value) : Number(level.value);
    const head = `${this.experiments > 0 ? ',' : ''}{"experiment":{"mode":"${level.mode}","value":${value}},"requests":[`;
    this.put(head, true);
    this.experiments++;
    this.requests = 0;
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
    this.put(
      `${this.requests > 0 ? ',' : ''}{"timestamp":${this.epoch(r.sendNs)},"request_inputs":${JSON.stringify(r.requestInputs)},"response_timestamps":[${stamps.join(',')}],"response_outputs":[${outputs.join(',')}]}`,
    );
    this.requests++;
  }

  experimentEnd(info: CaptureExperimentEnd): void {
    if (!this.inExperiment) return;
    this.put(`],"window_boundaries":[${info.windowBoundariesNs.map(this.epoch).join(',')}]}`, false);
  }

  end(_e?: CaptureEnd): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }

  /** Closes the file at once (the process is exiting); it is complete already. Never throws. */
  closeNow(): void {
    try {
      this.end();
    } catch {
      // Nothing left to write: the export on disk is as complete as the last write left it.
    }
  }
}
