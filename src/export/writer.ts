/**
 * Writes a perf_analyzer-format profile export request by request (synchronous writes, so that what
 * was captured is on disk at every moment), and its palens sidecar. The export is valid JSON as soon as
 * `close` has run, whether the capture finished or was interrupted.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { IoError } from '../errors.js';
import { sidecarPath } from './sidecar.js';

export interface WrittenRequest {
  /** Send time, ns since the epoch (decimal). */
  timestamp: string;
  requestInputs: Record<string, string | number | boolean>;
  /** Arrival time of each response, ns since the epoch (decimal). */
  responseTimestamps: string[];
  /** Per response: output name → value; {} for an empty response. */
  responseOutputs: Record<string, string>[];
}

export class ExportWriter {
  private fd: number;
  private experiments = 0;
  private requests = 0;
  private inExperiment = false;
  private closed = false;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (e) {
      throw new IoError(`cannot be written (${(e as Error).message})`, file, e);
    }
    this.write('{"experiments":[');
  }

  private write(text: string): void {
    writeSync(this.fd, text);
  }

  beginExperiment(mode: 'concurrency' | 'request_rate', value: number): void {
    if (this.inExperiment) throw new Error('ExportWriter: experiment already open');
    this.write(`${this.experiments > 0 ? ',' : ''}{"experiment":{"mode":"${mode}","value":${mode === 'concurrency' ? Math.round(value) : Number(value)}},"requests":[`);
    this.experiments++;
    this.requests = 0;
    this.inExperiment = true;
  }

  request(r: WrittenRequest): void {
    const outputs = r.responseOutputs.map((o) => JSON.stringify(o)).join(',');
    this.write(
      `${this.requests > 0 ? ',' : ''}{"timestamp":${r.timestamp},"request_inputs":${JSON.stringify(r.requestInputs)},"response_timestamps":[${r.responseTimestamps.join(',')}],"response_outputs":[${outputs}]}`,
    );
    this.requests++;
  }

  /** Closes the experiment with its window boundaries (ns since the epoch, decimal). */
  endExperiment(windowBoundaries: readonly string[]): void {
    if (!this.inExperiment) return;
    this.write(`],"window_boundaries":[${windowBoundaries.join(',')}]}`);
    this.inExperiment = false;
  }

  /** Ends the document; safe to call twice. */
  close(version: string): void {
    if (this.closed) return;
    if (this.inExperiment) this.endExperiment([]);
    this.write(`],"version":${JSON.stringify(version)},"service_kind":"triton","endpoint":""}`);
    closeSync(this.fd);
    this.closed = true;
  }
}

export async function writeSidecar(exportFile: string, sidecar: object): Promise<string> {
  const file = sidecarPath(exportFile);
  try {
    await writeFile(file, JSON.stringify(sidecar, null, 1) + '\n');
  } catch (e) {
    throw new IoError(`cannot be written (${(e as Error).message})`, file, e);
  }
  return file;
}
