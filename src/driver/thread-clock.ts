/**
 * The capture's clock, shared with worker threads. Every thread of a process reads the same
 * CLOCK_MONOTONIC through process.hrtime, so a worker that knows where the main thread's clock
 * reads 0 (in hrtime ns) stamps on exactly that clock: no offset between threads, no sync to
 * bound. The anchor is taken once, hrtime read between two readings of the main clock (both come
 * from uv_hrtime; the anchor is off by at most half that bracket, under a µs), and the epoch
 * conversion stays the main clock's.
 */
import type { Clock } from '../records/clock.js';

/** What a worker needs to stamp on the main thread's clock. */
export interface ClockAnchor {
  /** process.hrtime.bigint() at the main clock's 0, as a decimal string (bigints do not cross threads as such in every Node). */
  hrAtZero: string;
  /** ns since the Unix epoch at the main clock's 0 (clock.epochNs(0)). */
  epochAtZero: string;
  name: string;
}

export function anchorOf(clock: Clock): ClockAnchor {
  // hrtime read between two readings of the clock; the tightest of a few brackets, so that neither a
  // cold first call nor an interruption shifts the anchor by more than half a bracket.
  let best = { width: Infinity, hr: 0n, now: 0 };
  for (let i = 0; i < 16; i++) {
    const a = clock.nowNs();
    const hr = process.hrtime.bigint();
    const b = clock.nowNs();
    if (b - a < best.width) best = { width: b - a, hr, now: (a + b) / 2 };
  }
  return { hrAtZero: (best.hr - BigInt(Math.round(best.now))).toString(), epochAtZero: clock.epochNs(0), name: clock.name };
}

/** The main thread's clock, read from another thread. */
export class AnchoredHrClock implements Clock {
  readonly name: string;
  private readonly zero: bigint;
  private readonly epochZero: bigint;

  constructor(anchor: ClockAnchor) {
    this.zero = BigInt(anchor.hrAtZero);
    this.epochZero = BigInt(anchor.epochAtZero);
    this.name = anchor.name;
  }

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.zero);
  }

  epochNs(offsetNs: number): string {
    return (this.epochZero + BigInt(Math.round(offsetNs))).toString();
  }
}

/**
 * `--workers N|auto`: N lane threads beside the main thread (which paces, judges windows and writes
 * the files); auto: one per core but the main thread's. Without the option (0) the main thread's
 * event loop carries the streams too: the single-thread capture.
 */
export function parseWorkers(text: string, cores: number): number | string {
  if (text === 'auto') return Math.max(1, cores - 1);
  if (!/^\d+$/.test(text) || Number(text) < 1) return `--workers ${text}: expected a number ≥ 1, or auto (cores − 1)`;
  return Number(text);
}
