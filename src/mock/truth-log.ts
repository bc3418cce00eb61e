/**
 * A mock's truth log on disk: every entry the mock records (when a request arrived, when each
 * response left), one JSON line each with its times also as exact ns since the epoch. Lines are
 * formatted and written in batches, 100 ms after the first unwritten entry, off the emission path:
 * a JSON.stringify and a file write between two responses would delay the next one's bytes. An
 * entry may still change until it is written (the gRPC mock stamps a batch of responses once the
 * batch has been handed to HTTP/2). Both mocks (mock/server.ts, mock/openai/server.ts) write theirs here.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock } from '../records/clock.js';

export class TruthLogFile<T extends { emittedNs: number; arrivedNs: number }> {
  private readonly out: WriteStream | null;
  private written = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    file: string | undefined,
    /** The mock's in-memory truth, appended to by the mock; this writes what is new. */
    private readonly entries: T[],
    private readonly clock: Clock,
  ) {
    this.out = file === undefined ? null : createWriteStream(file);
  }

  /** An entry was appended: it will be written with the next batch. */
  added(): void {
    if (this.out !== null && this.timer === null) this.timer = setTimeout(() => this.flush(), 100);
  }

  private flush(): void {
    this.timer = null;
    if (this.out === null || this.written === this.entries.length) return;
    const lines: string[] = [];
    for (; this.written < this.entries.length; this.written++) {
      const e = this.entries[this.written]!;
      lines.push(JSON.stringify({ ...e, emitted_epoch_ns: this.clock.epochNs(e.emittedNs), arrived_epoch_ns: this.clock.epochNs(e.arrivedNs) }) + '\n');
    }
    this.out.write(lines.join(''));
  }

  /** Writes what is left and closes the file. */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.flush();
    const out = this.out;
    if (out !== null) await new Promise<void>((resolve) => out.end(resolve));
  }
}
