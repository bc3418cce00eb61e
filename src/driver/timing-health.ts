/**
 * How far the client itself may have distorted a capture: the event loop's delay over the run
 * (node:perf_hooks monitorEventLoopDelay — a response that arrives while the loop is busy is
 * stamped late by up to that much), the open loop's schedule lag (actual − intended send), and the
 * most responses stamped in one read (they share one stamp, records/clock.ts turnStamper), and
 * the process's CPU over the capture (bench/openai.ts divides it by the responses read).
 */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { TimingHealth } from '../records/capture-record.js';

export { timingWarnings } from '../records/timing-health.js';

/** The monitor's sampling period, ms; its samples include it, and it is taken off. */
const RESOLUTION_MS = 1;


export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** p50 / p99 / max of whole-ns values (nearest rank). */
function percentiles(values: Float64Array, n: number): Percentiles | null {
  if (n === 0) return null;
  const sorted = values.slice(0, n).sort();
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  return { p50: rank(50), p99: rank(99), max: sorted[n - 1]! };
}

class Growable {
  values = new Float64Array(256);
  n = 0;
  add(v: number): void {
    if (this.n === this.values.length) {
      const g = new Float64Array(this.n * 2);
      g.set(this.values);
      this.values = g;
    }
    this.values[this.n++] = v;
  }
}

export class TimingMonitor {
  private histogram: IntervalHistogram | null = null;
  private cpuAtStart: NodeJS.CpuUsage | null = null;
  private wallAtStart = 0;
  private readonly lagAll = new Growable();
  private readonly lagByLevel = new Map<number, Growable>();

  start(): void {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.cpuAtStart = process.cpuUsage();
    this.wallAtStart = performance.now();
  }

  stop(): void {
    this.histogram?.disable();
  }

  /** One open-loop request's schedule lag, ns. */
  lag(level: number, ns: number): void {
    this.lagAll.add(ns);
    let g = this.lagByLevel.get(level);
    if (g === undefined) this.lagByLevel.set(level, (g = new Growable()));
    g.add(ns);
  }

  levelLag(level: number): Percentiles | null {
    const g = this.lagByLevel.get(level);
    return g === undefined ? null : percentiles(g.values, g.n);
  }

  health(source: { maxResponsesPerRead?(): number }): TimingHealth {
    const h = this.histogram;
    const off = RESOLUTION_MS * 1e6;
    const delay = (v: number): number => Math.max(0, Math.round(v - off));
    return {
      event_loop_delay_ns: h === null || h.count === 0 ? null : { p50: delay(h.percentile(50)), p99: delay(h.percentile(99)), max: delay(h.max) },
      schedule_lag_ns: percentiles(this.lagAll.values, this.lagAll.n),
      max_responses_per_read: source.maxResponsesPerRead?.() ?? 0,
      ...(this.cpuAtStart === null ? {} : { client_cpu_ns: this.cpu(this.cpuAtStart) }),
    };
  }

  /** CPU the whole process used since `start` (every thread: lane threads, GC and compiler helpers too), and the wall time. */
  private cpu(from: NodeJS.CpuUsage): { user: number; system: number; wall: number } {
    const d = process.cpuUsage(from);
    return { user: d.user * 1000, system: d.system * 1000, wall: Math.round((performance.now() - this.wallAtStart) * 1e6) };
  }
}
