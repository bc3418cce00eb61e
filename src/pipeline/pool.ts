/**
 * Sweeps over many files use every core: a small pool of worker threads, each reading whole
 * files into its own accumulators (pipeline/sweep-worker.ts), which are merged once at the end.
 * The main thread only hands out files, so it takes no core from the workers. Read results are
 * reported in file order, and every statistic is order-independent, so the output does not
 * depend on which worker read which file. Errors arrive as thrown (pipeline/worker-protocol.ts).
 */
import { availableParallelism } from 'node:os';
import type { ReadResult } from '../export/reader.js';
import type { SweepState } from '../sweep/sweep.js';
import type { SweepJobOptions } from './sweep-job.js';
import type { SweepJob } from './sweep-worker.js';
import { WorkerClient } from './worker-protocol.js';

/**
 * Reads `files` on `threads` workers; calls `onFile` with each read result in file order, then
 * `onState` with each worker's accumulated state. Throws the first file's error (in file order).
 */
export async function sweepInPool(
  files: readonly string[],
  options: SweepJobOptions,
  threads: number,
  onFile: (index: number, result: ReadResult) => void,
  onState: (state: SweepState) => void,
): Promise<void> {
  const n = Math.max(1, Math.min(threads, files.length, availableParallelism()));
  const url = new URL('./sweep-worker.js', import.meta.url);
  const workers = Array.from({ length: n }, () => new WorkerClient<SweepJob, ReadResult | SweepState | null>(url));
  const outcomes = new Map<number, { ok: true; result: ReadResult } | { ok: false; error: unknown }>();
  let next = 0;
  let delivered = 0;
  let failed = false;
  // Deliver what is ready in file order; stop handing out files after the first error.
  const deliver = (): void => {
    while (outcomes.has(delivered)) {
      const o = outcomes.get(delivered)!;
      outcomes.delete(delivered);
      if (!o.ok) throw o.error;
      onFile(delivered, o.result);
      delivered++;
    }
  };
  try {
    await Promise.all(
      workers.map(async (w) => {
        while (!failed && next < files.length) {
          const id = next++;
          try {
            outcomes.set(id, { ok: true, result: (await w.run({ kind: 'file', file: files[id]!, options })) as ReadResult });
          } catch (error) {
            outcomes.set(id, { ok: false, error });
          }
          try {
            deliver();
          } catch (e) {
            failed = true;
            throw e;
          }
        }
      }),
    );
    for (const w of workers) {
      const state = (await w.run({ kind: 'finish', options })) as SweepState | null;
      if (state !== null) onState(state);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
