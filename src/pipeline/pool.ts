/**
 * Sweeps over many files use every core: a small pool of worker threads, each reading whole
 * files into its own accumulators (export/sweep-worker.ts), which are merged once at the end.
 * The main thread only hands out files, so it takes no core from the workers. Read results are
 * reported in file order, and every statistic is order-independent, so the output does not
 * depend on which worker read which file.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, IoError, type PalensError, UsageError } from '../errors.js';
import type { SweepState } from '../sweep/sweep.js';
import type { ReadResult } from '../export/reader.js';
import type { SweepJobOptions } from './sweep-job.js';

type Message =
  | { kind: 'state'; state: SweepState | null }
  | { id: number; kind: 'done'; result: ReadResult }
  | { id: number; kind: 'palens-error'; error: Record<string, unknown> }
  | { id: number; kind: 'crash'; message: string };

/**
 * Reads `files` on `threads` workers; calls `onFile` with each read result in file order, then
 * `onState` with each worker's accumulated state. Throws the first file's error.
 */
export async function sweepInPool(
  files: readonly string[],
  options: SweepJobOptions,
  threads: number,
  onFile: (index: number, result: ReadResult) => void,
  onState: (state: SweepState) => void,
): Promise<void> {
  const n = Math.max(1, Math.min(threads, files.length, availableParallelism()));
  const workers = Array.from({ length: n }, () => new Worker(new URL('./sweep-worker.js', import.meta.url)));
  const outcomes = new Map<number, ReadResult | PalensError | Error>();
  let next = 0;
  let delivered = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const deliver = (): void => {
        while (outcomes.has(delivered)) {
          const o = outcomes.get(delivered)!;
          outcomes.delete(delivered);
          if (o instanceof Error) {
            reject(o);
            return;
          }
          onFile(delivered, o);
          delivered++;
        }
        if (delivered === files.length) resolve();
      };
      const feed = (w: Worker): void => {
        if (next < files.length) {
          const id = next++;
          w.postMessage({ kind: 'file', id, file: files[id], options });
        }
      };
      for (const w of workers) {
        w.on('message', (m: Message) => {
          if (m.kind === 'state') return;
          if (m.kind === 'done') outcomes.set(m.id, m.result);
          else if (m.kind === 'palens-error') outcomes.set(m.id, rebuild(m.error));
          else outcomes.set(m.id, new Error(`sweep worker: ${m.message}`));
          feed(w);
          deliver();
        });
        w.on('error', reject);
        feed(w);
      }
      if (files.length === 0) resolve();
    });
    for (const w of workers) {
      const state = await new Promise<SweepState | null>((resolve, reject) => {
        w.on('message', (m: Message) => {
          if (m.kind === 'state') resolve(m.state);
        });
        w.on('error', reject);
        w.postMessage({ kind: 'finish' });
      });
      if (state !== null) onState(state);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function rebuild(e: Record<string, unknown>): PalensError {
  const where = {
    ...(typeof e.file === 'string' ? { file: e.file } : {}),
    ...(typeof e.pointer === 'string' ? { pointer: e.pointer } : {}),
    ...(typeof e.byteOffset === 'number' ? { byteOffset: e.byteOffset } : {}),
  };
  const hint = typeof e.hint === 'string' ? e.hint : undefined;
  if (e.name === 'IoError') return new IoError(String(e.message), where.file ?? '');
  if (e.name === 'UsageError') return new UsageError(String(e.message), hint);
  return new InputError(e.code as 'PALENS_INPUT_SYNTAX', String(e.message), where, hint);
}
