/**
 * Which responses of a request count as tokens: the one rule, for every source and sink — the
 * metrics of `palens analyze` (metrics/experiment.ts), sweeps, `palens compare` (compare/sink.ts)
 * and a capture's live analysis (driver/, which calls `UsedResponses.select` on its records).
 *
 * 1. A request whose `status` is set and is not 'ok' (timed out, cancelled, errored, in flight)
 *    has no used response: it is a failed request and enters no latency statistic (`isFailedStatus`).
 * 2. When the source knows each response's output (`responseEmpty`, perf_analyzer 2024+ exports and
 *    palens captures), a response that carried nothing is empty and not used, unless the user keeps
 *    empty responses (`--keep-empty-responses`, the seed's formula).
 * 3. When it does not (perf_analyzer before 2024, e.g. 2.41, writes no `response_outputs`), every
 *    response is used, and the last one of a request with two or more is a *candidate empty final*:
 *    decoupled models send an empty final response 10–90 µs after the last token. Whether the
 *    candidates are empty finals is decided per experiment, from timing, once the experiment has
 *    been read (`decideEmptyFinals`, rule and evidence in docs/METRICS.md "Empty finals without
 *    outputs"). Records stream, so sinks keep both hypotheses until then (metrics/experiment.ts).
 */
import type { RequestRecord, RequestStatus } from '../records/record.js';
import type { ExactSample } from './samples.js';

export interface ResponsePolicy {
  /** Keep empty responses (flagged, or recognised finals) in every metric. */
  keepEmptyResponses: boolean;
  /** Recognise empty finals from timing in sources without outputs. @default true */
  detectEmptyFinals?: boolean;
}

/** True for a status that makes a request failed: anything but unknown (null) or 'ok'. */
export function isFailedStatus(status: RequestStatus | null): boolean {
  return status !== null && status !== 'ok';
}

/**
 * The used responses of one request, in arrival order. One instance is reused for every request
 * (no allocation per request); `ns` is the record's own array when every response is used.
 */
export class UsedResponses {
  /** Arrival times of the used responses (first `count` entries), ns from the time base. */
  ns: Float64Array = new Float64Array(0);
  count = 0;
  /** Responses the source flagged empty (used or not). */
  empty = 0;
  /** True when the last used response is a candidate empty final (rule 3), to be decided per experiment. */
  lastIsCandidate = false;
  private buf = new Float64Array(0);

  /** Selects the used responses of `r` (rules 2 and 3; callers check rule 1 first). */
  select(r: RequestRecord, policy: ResponsePolicy): this {
    const flags = r.responseEmpty;
    const n = r.responseCount;
    this.empty = 0;
    if (flags === null) {
      this.ns = r.responseNs;
      this.count = n;
      this.lastIsCandidate = n >= 2 && !policy.keepEmptyResponses && policy.detectEmptyFinals !== false;
      return this;
    }
    this.lastIsCandidate = false;
    for (let k = 0; k < n; k++) this.empty += flags[k]!;
    if (this.empty === 0 || policy.keepEmptyResponses) {
      this.ns = r.responseNs;
      this.count = n;
      return this;
    }
    if (this.buf.length < n) this.buf = new Float64Array(Math.max(n, 64, this.buf.length * 2));
    let used = 0;
    for (let k = 0; k < n; k++) if (flags[k] === 0) this.buf[used++] = r.responseNs[k]!;
    this.ns = this.buf;
    this.count = used;
    return this;
  }
}

/** What the timing of an experiment's candidate finals says (`empty_finals` in the analysis JSON). */
export interface EmptyFinalDecision {
  /** True when the candidates are empty finals: left out of every metric unless kept. */
  recognised: boolean;
  /** Requests with a candidate final (no outputs, two or more responses). */
  candidates: number;
  /** Of those, requests whose last gap is at most `threshold_ns`. */
  within_threshold: number;
  /** min(5 ms, ⌊median other gap / 3⌋), or null when there is no other gap. */
  threshold_ns: number | null;
  /** The largest last gap within the threshold (what the headline quotes), or null. */
  largest_within_ns: number | null;
  /** Median of the gaps that are not last gaps (lower median), or null. */
  median_other_gap_ns: number | null;
}

/**
 * An empty final is sent with no model step after the last token: at most this long after it
 * (observed: 8–506 µs from the mock, 0.3–2.3 ms from a CPU-bound PyTriton server; docs/METRICS.md)...
 */
export const EMPTY_FINAL_ABSOLUTE_NS = 5_000_000;
/** ... and at most this fraction of the experiment's median gap between tokens (a decode step). */
export const EMPTY_FINAL_FRACTION = 1 / 3;
/** Share of candidate requests whose last gap must be that short. */
export const EMPTY_FINAL_SHARE = 0.9;
/** Fewer candidate requests than this cannot tell a pattern from chance; nothing is dropped. */
export const EMPTY_FINAL_MIN_REQUESTS = 5;

/**
 * Decides whether an experiment's candidate finals are empty finals, from the exact samples of its
 * last gaps (one per candidate request) and of every other gap between used responses. A real last
 * token arrives one decode step after the one before; an empty final comes without a step. So:
 * recognised when at least EMPTY_FINAL_MIN_REQUESTS candidates exist and at least EMPTY_FINAL_SHARE
 * of them have a last gap ≤ min(EMPTY_FINAL_ABSOLUTE_NS, EMPTY_FINAL_FRACTION × median other gap).
 * Mid-stream bursts (short gaps anywhere) make the last gap short in the same small share of
 * requests as any other gap, far from nearly all; a stream whose typical gap is short gets a
 * threshold shorter still.
 */
export function decideEmptyFinals(lastGaps: ExactSample, otherGaps: ExactSample): EmptyFinalDecision {
  const candidates = lastGaps.count;
  const none: EmptyFinalDecision = { recognised: false, candidates, within_threshold: 0, threshold_ns: null, largest_within_ns: null, median_other_gap_ns: null };
  if (candidates === 0 || otherGaps.count === 0) return none;
  const median = otherGaps.ranked([Math.floor((otherGaps.count - 1) / 2)])[0]!;
  const threshold = Math.min(EMPTY_FINAL_ABSOLUTE_NS, Math.floor(median * EMPTY_FINAL_FRACTION));
  // Integers: ≤ threshold is < threshold + 1.
  const within = lastGaps.countBelow([threshold + 1])[0]!;
  return {
    recognised: candidates >= EMPTY_FINAL_MIN_REQUESTS && within >= EMPTY_FINAL_SHARE * candidates,
    candidates,
    within_threshold: within,
    threshold_ns: threshold,
    largest_within_ns: within > 0 ? lastGaps.ranked([within - 1])[0]! : null,
    median_other_gap_ns: median,
  };
}

/** ns → "90 µs" (one decimal below 10 µs). */
function micros(ns: number): string {
  return `${(ns / 1e3).toFixed(ns < 10_000 ? 1 : 0)} µs`;
}

/** The decision in one line, for the headline of an experiment. */
export function describeEmptyFinals(d: EmptyFinalDecision, kept: boolean): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (d.recognised) {
    const what = kept ? 'recognised and kept (--keep-empty-responses)' : 'recognised and left out';
    return `${plural(d.candidates, 'empty final')} ${what}: last response ≤ ${micros(d.largest_within_ns!)} after the previous in ${d.within_threshold} of ${plural(d.candidates, 'request')}`;
  }
  if (d.threshold_ns === null) return `no empty finals recognised: no gaps between earlier responses to compare the last ones with; every response counted`;
  return (
    `no empty finals recognised: last response ≤ ${micros(d.threshold_ns)} after the previous in ${d.within_threshold} of ${plural(d.candidates, 'request')}` +
    ` (needs ${Math.round(EMPTY_FINAL_SHARE * 100)}% and at least ${EMPTY_FINAL_MIN_REQUESTS}); every response counted`
  );
}
