/**
 * The one message protocol between palens's main thread and its workers (the tail of a split file,
 * the sweep pool), and the one error serializer.
 *
 * The main thread sends jobs `{ id, job }`; a worker answers each with any number of
 * `progress` messages and then exactly one `done` or `error`. Errors cross the thread boundary as
 * plain data (structured clone keeps neither the class nor its fields), so `toWire` / `fromWire`
 * carry a PalensError's class, code, file, JSON pointer, byte offset and hint: an I/O error in a
 * worker reaches cli/main.ts as the same IoError, with the same exit code and message, as if it
 * had been thrown in the main thread. Anything that is not a PalensError stays an internal error
 * (a palens bug) and keeps the worker's stack for --debug.
 */
import { type MessagePort, parentPort, Worker } from 'node:worker_threads';
import { type ErrorCode, type ErrorLocation, InputError, IoError, PalensError, ServerError, UsageError } from '../errors.js';

/** An error as plain data. */
export interface WireError {
  name: string;
  message: string;
  code?: ErrorCode;
  file?: string;
  pointer?: string;
  byteOffset?: number;
  hint?: string;
  stack?: string;
  /** InputError.earlier: the problems a validating scan had collected. */
  earlier?: { problems: unknown[]; count: number };
}

export type Reply<T> =
  | { id: number; kind: 'progress'; read: number }
  | { id: number; kind: 'done'; value: T }
  | { id: number; kind: 'error'; error: WireError };

export function toWire(e: unknown): WireError {
  if (e instanceof PalensError) {
    const w: WireError = { name: e.name, message: e.message, code: e.code };
    if (e.file !== undefined) w.file = e.file;
    if (e.pointer !== undefined) w.pointer = e.pointer;
    if (e.byteOffset !== undefined) w.byteOffset = e.byteOffset;
    if (e.hint !== undefined) w.hint = e.hint;
    if (e.stack !== undefined) w.stack = e.stack;
    if (e instanceof InputError && e.earlier !== undefined) w.earlier = e.earlier;
    return w;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: 'Error', message: err.message, ...(err.stack === undefined ? {} : { stack: err.stack }) };
}

/** The error `toWire` described, as its own class again. */
export function fromWire(w: WireError): Error {
  const where: ErrorLocation = {
    ...(w.file === undefined ? {} : { file: w.file }),
    ...(w.pointer === undefined ? {} : { pointer: w.pointer }),
    ...(w.byteOffset === undefined ? {} : { byteOffset: w.byteOffset }),
  };
  let e: Error;
  if (w.name === 'InputError' && w.code?.startsWith('PALENS_INPUT_')) {
    const input = new InputError(w.code as Extract<ErrorCode, `PALENS_INPUT_${string}`>, w.message, where, w.hint);
    input.earlier = w.earlier;
    e = input;
  } else if (w.name === 'IoError') e = new IoError(w.message, w.file ?? '');
  else if (w.name === 'UsageError') e = new UsageError(w.message, w.hint);
  else if (w.name === 'ServerError') e = new ServerError(w.message, w.file ?? '', undefined, w.hint);
  else if (w.code !== undefined) e = new PalensError(w.code, 2, w.message, where, w.hint);
  else e = new Error(`worker: ${w.message}`);
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}

/** A worker running jobs one at a time for the main thread. */
export class WorkerClient<J, T> {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: T) => void; reject: (e: Error) => void; onProgress: ((read: number) => void) | undefined }>();

  constructor(url: URL, workerData?: unknown) {
    this.worker = new Worker(url, workerData === undefined ? {} : { workerData });
    this.worker.on('message', (m: Reply<T>) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      if (m.kind === 'progress') p.onProgress?.(m.read);
      else {
        this.pending.delete(m.id);
        if (m.kind === 'done') p.resolve(m.value);
        else p.reject(fromWire(m.error));
      }
    });
    const failAll = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`worker exited (${code}) with a job unfinished`)));
  }

  /** Runs one job; rejects with the worker's error, rebuilt by fromWire. */
  run(job: J, onProgress?: (read: number) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, job });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The value a job handler returns, with the buffers to transfer rather than copy. */
export interface JobResult<T> {
  value: T;
  transfer?: ArrayBuffer[];
}

/**
 * The worker side: runs `handle` for each job, in arrival order, one at a time, and answers with
 * its value or its error.
 */
export function serveJobs<J, T>(handle: (job: J, progress: (read: number) => void) => Promise<JobResult<T>>, port: MessagePort = parentPort!): void {
  let queue = Promise.resolve();
  port.on('message', ({ id, job }: { id: number; job: J }) => {
    queue = queue.then(async () => {
      try {
        const { value, transfer } = await handle(job, (read) => port.postMessage({ id, kind: 'progress', read } satisfies Reply<T>));
        port.postMessage({ id, kind: 'done', value } satisfies Reply<T>, transfer ?? []);
      } catch (e) {
        port.postMessage({ id, kind: 'error', error: toWire(e) } satisfies Reply<T>);
      }
    });
  });
}
