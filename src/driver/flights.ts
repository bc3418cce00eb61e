/**
 * The requests in flight: which id is on which lane (stream), when each must be done by, and how
 * each ended. A request is finished exactly once; a late answer to a request that already timed
 * out or was cancelled finds nothing and is ignored.
 */

export type FinalStatus = 'ok' | 'server_error' | 'timeout' | 'cancelled' | 'client_error';

export interface Flight<T> {
  readonly id: string;
  readonly lane: number;
  /** ns on the capture's clock after which the request times out (Infinity until sent). */
  deadlineNs: number;
  status: FinalStatus | null;
  error: string | null;
  readonly data: T;
}

export class FlightTable<T> {
  private readonly byId = new Map<string, Flight<T>>();
  private readonly perLane: Uint32Array;

  constructor(readonly lanes: number) {
    this.perLane = new Uint32Array(lanes);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Takes off a request on a lane; its deadline is set once it is sent (`sent`). */
  open(id: string, lane: number, data: T): Flight<T> {
    if (this.byId.has(id)) throw new Error(`FlightTable: ${id} already in flight`);
    const f: Flight<T> = { id, lane, deadlineNs: Infinity, status: null, error: null, data };
    this.byId.set(id, f);
    this.perLane[lane]!++;
    return f;
  }

  /** The request was written at `sendNs`; it times out `timeoutNs` later. */
  sent(f: Flight<T>, sendNs: number, timeoutNs: number): void {
    f.deadlineNs = sendNs + timeoutNs;
  }

  get(id: string): Flight<T> | undefined {
    return this.byId.get(id);
  }

  /** Ends a request with its status; returns it, or null when it had already ended. */
  finish(f: Flight<T>, status: FinalStatus, error: string | null): Flight<T> | null {
    if (f.status !== null || this.byId.get(f.id) !== f) return null;
    f.status = status;
    f.error = error;
    this.byId.delete(f.id);
    this.perLane[f.lane]!--;
    return f;
  }

  /** A lane with nothing in flight, or -1. */
  freeLane(): number {
    return this.perLane.indexOf(0);
  }

  inLane(lane: number): number {
    return this.perLane[lane]!;
  }

  /** Requests past their deadline at `nowNs`, oldest first. */
  expired(nowNs: number): Flight<T>[] {
    const out: Flight<T>[] = [];
    for (const f of this.byId.values()) if (nowNs > f.deadlineNs) out.push(f);
    return out;
  }

  /** Requests still in flight on a lane (all lanes when omitted), in the order they took off. */
  flying(lane?: number): Flight<T>[] {
    const out: Flight<T>[] = [];
    for (const f of this.byId.values()) if (lane === undefined || f.lane === lane) out.push(f);
    return out;
  }
}
