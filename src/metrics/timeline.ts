/**
 * Requests over the time of a run, for the report's latency-over-time chart (warm-up, drift,
 * stalls): each kept request's send time, time to first token and latency. Memory is bounded:
 * every `stride`-th completed request in the order read is kept, the stride doubling (every other
 * kept request dropped) whenever CAP are held; and the TOP requests of largest time to first token
 * and of largest latency are kept whatever the stride, so thinning never hides a stall.
 * Kept only when a report draws (MetricOptions.timeline).
 */

/** Requests kept in order (stride-thinned). */
export const TIMELINE_CAP = 2000;
/** Requests of largest value kept per metric, whatever the stride. */
const TOP = 16;

/**
 * One request: send time (ns from the source's time base), time to first token, latency, and
 * latency without its last response (ns; what counts when that response is an empty final).
 */
export type TimelinePoint = readonly [send: number, ttft: number, latency: number, latencyWithoutFinal: number];

export interface TimelineState {
  stride: number;
  /** Completed requests seen (the stride counts them). */
  seen: number;
  kept: TimelinePoint[];
  topTtft: TimelinePoint[];
  topLatency: TimelinePoint[];
}

/** Keeps the `TOP` largest by `at`, ascending. */
function pushTop(list: TimelinePoint[], p: TimelinePoint, at: 1 | 2): void {
  if (list.length === TOP && p[at] <= list[0]![at]) return;
  let i = list.findIndex((q) => q[at] > p[at]);
  if (i < 0) i = list.length;
  list.splice(i, 0, p);
  if (list.length > TOP) list.shift();
}

export class RequestTimeline {
  private stride = 1;
  private seen = 0;
  private kept: TimelinePoint[] = [];
  private readonly topTtft: TimelinePoint[] = [];
  private readonly topLatency: TimelinePoint[] = [];

  add(send: number, ttft: number, latency: number, latencyWithoutFinal: number): void {
    const p: TimelinePoint = [send, ttft, latency, latencyWithoutFinal];
    if (this.seen++ % this.stride === 0) {
      this.kept.push(p);
      if (this.kept.length >= TIMELINE_CAP) this.halve();
    }
    pushTop(this.topTtft, p, 1);
    pushTop(this.topLatency, p, 2);
  }

  private halve(): void {
    this.kept = this.kept.filter((_, i) => i % 2 === 0);
    this.stride *= 2;
  }

  snapshot(): TimelineState {
    return { stride: this.stride, seen: this.seen, kept: [...this.kept], topTtft: [...this.topTtft], topLatency: [...this.topLatency] };
  }

  /** Adds another part's requests, its times `timeShift` ns after this one's base; both thinned to the coarser stride. */
  merge(s: TimelineState, timeShift: number): void {
    const shift = (p: TimelinePoint): TimelinePoint => [p[0] + timeShift, p[1], p[2], p[3]];
    let theirs = s.kept.map(shift);
    let stride = s.stride;
    while (this.stride < stride) this.halve();
    while (stride < this.stride) {
      theirs = theirs.filter((_, i) => i % 2 === 0);
      stride *= 2;
    }
    this.kept.push(...theirs);
    this.seen += s.seen;
    while (this.kept.length >= TIMELINE_CAP) this.halve();
    for (const p of s.topTtft) pushTop(this.topTtft, shift(p), 1);
    for (const p of s.topLatency) pushTop(this.topLatency, shift(p), 2);
  }

  /**
   * The kept requests and the largest ones, each once, in send order, as [send, ttft, latency]
   * (latency without the last response when `dropFinal`); and how many requests they stand for.
   */
  points(dropFinal: boolean): Timeline {
    const all = new Map<string, TimelinePoint>();
    for (const p of [...this.kept, ...this.topTtft, ...this.topLatency]) all.set(p.join(), p);
    const points = [...all.values()].sort((a, b) => a[0] - b[0]).map((p): [number, number, number] => [p[0], p[1], dropFinal ? p[3] : p[2]]);
    return { points, requests: this.seen, stride: this.stride };
  }
}

/** What the report draws: requests in send order ([send ns, ttft ns, latency ns]); every `stride`-th of `requests`, plus the largest. */
export interface Timeline {
  points: [number, number, number][];
  requests: number;
  stride: number;
}
