/**
 * The load schedule, as a pure function of (elapsed time, requests sent) — the shape of vegeta's
 * lib/pacer.go. A closed loop has no schedule: a request goes when a stream is free. An open loop
 * gives every request an intended send time at the rate, constant or Poisson; the capture waits
 * for it, sends late requests at once, and keeps the intended time beside the actual one, so that
 * schedule lag is reported and latency can be measured from the intended send (no coordinated
 * omission).
 */
import { seeded } from '../records/random.js';

export interface Pacer {
  /** Intended send time of the request numbered `hits` (0-based), ns from the level's start; null for a closed loop. */
  intendedNs(hits: number): number | null;
  /** How long to wait, ns, before sending request `hits` when `elapsedNs` have passed; 0 when due or late. */
  waitNs(elapsedNs: number, hits: number): number;
}

/** Closed loop: never waits; the number of free streams paces the load. */
export const closedLoop: Pacer = {
  intendedNs: () => null,
  waitNs: () => 0,
};

const wait = (p: Pacer, elapsedNs: number, hits: number): number => Math.max(0, (p.intendedNs(hits) ?? 0) - elapsedNs);

/** Constant rate: request k is due at k / rate. */
export function constantRate(perSecond: number): Pacer {
  const gapNs = 1e9 / perSecond;
  const p: Pacer = {
    intendedNs: (hits) => hits * gapNs,
    waitNs: (elapsedNs, hits) => wait(p, elapsedNs, hits),
  };
  return p;
}

/**
 * Poisson arrivals at a mean rate: exponential gaps drawn from a seeded generator, so the same seed
 * gives the same schedule. The schedule is computed as far as it has been asked for, and kept, so
 * that `intendedNs(k)` is a function of k alone (the first request is due at once).
 */
export function poissonRate(perSecond: number, seed: number): Pacer {
  const random = seeded(seed);
  let due = new Float64Array(64);
  let known = 1; // due[0] = 0
  const p: Pacer = {
    intendedNs(hits) {
      while (known <= hits) {
        if (known === due.length) {
          const grown = new Float64Array(due.length * 2);
          grown.set(due);
          due = grown;
        }
        due[known] = due[known - 1]! + (-Math.log(1 - random()) / perSecond) * 1e9;
        known++;
      }
      return due[hits]!;
    },
    waitNs: (elapsedNs, hits) => wait(p, elapsedNs, hits),
  };
  return p;
}

/** The pacer for one load level. */
export function pacerFor(level: { mode: 'concurrency' | 'request_rate'; value: number }, arrival: 'constant' | 'poisson', seed: number): Pacer {
  if (level.mode === 'concurrency') return closedLoop;
  return arrival === 'poisson' ? poissonRate(level.value, seed) : constantRate(level.value);
}
