/**
 * Precise emission times for the mock: a timer sleeps until a few milliseconds before the next
 * due time, then setImmediate turns come until it is reached, so responses leave within tens of
 * µs of their law instead of setTimeout's millisecond. Node's timers count whole milliseconds of
 * a loop clock and a sleeping process wakes late, so a timer can fire more than a millisecond
 * after its time: the spin starts SPIN_MS early. Only that last stretch spins, and I/O is served
 * between turns.
 */
import type { Clock } from '../records/clock.js';

const SPIN_MS = 2.5;

interface Entry {
  due: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export interface Scheduled {
  cancel(): void;
}

export class PreciseScheduler {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private spinning = false;

  /** True while due callbacks run (one batch per pump). */
  running = false;

  constructor(
    private readonly clock: Clock,
    /** Called after each batch of due callbacks, before control returns to the event loop. */
    private readonly afterBatch: () => void = () => undefined,
  ) {}

  /** Runs `fn` at clock offset `dueNs`. */
  at(dueNs: number, fn: () => void): Scheduled {
    const e: Entry = { due: dueNs, seq: this.seq++, run: fn, cancelled: false };
    this.push(e);
    if (this.heap[0] === e) this.arm();
    return { cancel: () => (e.cancelled = true) };
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.spinning) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const top = this.heap[0];
    if (top === undefined) return;
    const waitMs = (top.due - this.clock.nowNs()) / 1e6;
    if (waitMs > SPIN_MS + 0.5) this.timer = setTimeout(() => this.pump(), waitMs - SPIN_MS);
    else {
      this.spinning = true;
      setImmediate(() => this.pump());
    }
  }

  private pump(): void {
    this.timer = null;
    this.spinning = false;
    const now = this.clock.nowNs();
    this.running = true;
    try {
      while (this.heap.length > 0 && this.heap[0]!.due <= now) {
        const e = this.pop()!;
        if (!e.cancelled) e.run();
      }
    } finally {
      this.running = false;
      this.afterBatch();
    }
    this.arm();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
