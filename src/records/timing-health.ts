/**
 * When a capture's own timing health (its sidecar's `end.timing_health`, driver/timing-health.ts)
 * makes its numbers suspect: one rule, for the capture's own report and for \`palens analyze\` of
 * its export.
 */
import type { TimingHealth } from './capture-record.js';

/** Event-loop delay (or schedule lag) p99 above which a capture's timings are suspect: the client was a bottleneck. */
export const LOOP_DELAY_P99_WARN_NS = 1_000_000;

/** Warnings a user should see about a capture's own timing, or none. */
export function timingWarnings(h: Partial<TimingHealth>): string[] {
  const out: string[] = [];
  const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;
  if (h.event_loop_delay_ns != null && h.event_loop_delay_ns.p99 > LOOP_DELAY_P99_WARN_NS) {
    out.push(
      `the client was busy: event-loop delay p99 ${ms(h.event_loop_delay_ns.p99)} (max ${ms(h.event_loop_delay_ns.max)}) — responses may be stamped late by that much; fewer streams, or a quieter machine, give truer times`,
    );
  }
  if (h.schedule_lag_ns != null && h.schedule_lag_ns.p99 > LOOP_DELAY_P99_WARN_NS) {
    out.push(`requests left late: schedule lag p99 ${ms(h.schedule_lag_ns.p99)} (max ${ms(h.schedule_lag_ns.max)}) behind their intended send times`);
  }
  return out;
}
