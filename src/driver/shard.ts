/**
 * `--shard I/N`: one capture's load split into N independent parts, one per machine (or per
 * Kubernetes Job completion), and `--start-at TIME`, so that the parts begin together. Pure
 * functions: the same options and shard always give the same part, and the N parts add up to
 * exactly the load asked for (docs/SCALE.md). `palens merge` then joins their exports.
 */
import type { Clock } from '../records/clock.js';

export interface ShardSpec {
  /** 1-based: shard I of N. */
  index: number;
  count: number;
}

/** The load of a capture, as its options resolved it. */
export interface LoadShare {
  levels: { mode: 'concurrency' | 'request_rate'; value: number }[];
  /** Measured requests per level (null: stability windows decide). */
  requestCount: number | null;
  warmup: number;
  /** Requests per count window. */
  windowRequests: number;
  /** Streams that carry open-loop (request-rate) load. */
  rateStreams: number;
  seed: number;
}

export interface ShardPlan extends LoadShare {
  shard: ShardSpec;
  /** Every request id this shard sends starts with it, so ids stay unique across shards. */
  idPrefix: string;
}

/** The id prefix of an unsharded capture. */
export const ID_PREFIX = 'palens-';

/** Parses `I/N` (1 ≤ I ≤ N); a problem as text otherwise. */
export function parseShard(text: string): ShardSpec | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) return `--shard ${text}: expected I/N, e.g. 1/4`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return `--shard ${text}: expected 1 ≤ I ≤ N`;
  return { index, count };
}

/** The part of `total` (an integer) that shard `index` of `count` carries: the remainder goes to the first shards. */
export function shareOf(total: number, { index, count }: ShardSpec): number {
  const base = Math.floor(total / count);
  return base + (index - 1 < total - base * count ? 1 : 0);
}

/** Request rates are split in whole micro-requests/s, so the shards' decimal rates add up exactly to the total. */
const RATE_UNITS = 1_000_000;

function rateShare(rate: number, shard: ShardSpec): number {
  return shareOf(Math.round(rate * RATE_UNITS), shard) / RATE_UNITS;
}

/**
 * Shard `shard` of `load`, or the problems that make the split impossible (a level with fewer
 * streams, or a request count smaller, than there are shards: a shard with nothing to do would
 * make a level whose export says nothing).
 */
export function shardLoad(load: LoadShare, shard: ShardSpec): ShardPlan | string[] {
  const problems: string[] = [];
  const n = shard.count;
  const levels = load.levels.map((l) => {
    if (l.mode === 'concurrency') {
      if (l.value < n) problems.push(`--shard ${shard.index}/${n}: concurrency ${l.value} has fewer streams than shards`);
      return { mode: l.mode, value: shareOf(l.value, shard) };
    }
    const share = rateShare(l.value, shard);
    if (!(share > 0)) problems.push(`--shard ${shard.index}/${n}: request rate ${l.value} is too small to split ${n} ways`);
    return { mode: l.mode, value: share };
  });
  if (load.requestCount !== null && load.requestCount < n) problems.push(`--shard ${shard.index}/${n}: --request-count ${load.requestCount} is smaller than the number of shards`);
  if (problems.length > 0) return problems;
  return {
    shard,
    levels,
    requestCount: load.requestCount === null ? null : shareOf(load.requestCount, shard),
    warmup: shareOf(load.warmup, shard),
    windowRequests: Math.max(1, shareOf(load.windowRequests, shard)),
    rateStreams: Math.max(1, shareOf(load.rateStreams, shard)),
    seed: shardSeed(load.seed, shard),
    idPrefix: n === 1 ? ID_PREFIX : `${ID_PREFIX}${shard.index}of${n}-`,
  };
}

/**
 * A seed per shard, so shards draw different prompts and arrival gaps (identical prompts from N
 * machines would meet in a prefix cache), mixed from the capture's seed and the shard number
 * (splitmix32's finaliser). Shard 1 of 1 keeps the seed: an unsharded capture is unchanged.
 */
export function shardSeed(seed: number, { index, count }: ShardSpec): number {
  if (count === 1) return seed;
  let z = (seed + Math.imul(index, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * `--start-at TIME`: ns since the Unix epoch, exactly (a bigint). TIME is an ISO 8601 date-time
 * with a zone (`2026-12-02T10:30:00Z`, fractions to the ns), or seconds since the epoch (`@1764671400`).
 */
export function parseStartAt(text: string): bigint | string {
  const t = text.trim();
  const epoch = /^@(\d+)(?:\.(\d{1,9}))?$/.exec(t);
  if (epoch !== null) return BigInt(epoch[1]!) * 1_000_000_000n + BigInt((epoch[2] ?? '').padEnd(9, '0'));
  const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (iso === null) return `--start-at ${text}: expected an ISO 8601 time with a zone (2026-12-02T10:30:00Z) or @SECONDS since the epoch`;
  const ms = Date.parse(`${iso[1]}${iso[3]}`);
  if (Number.isNaN(ms)) return `--start-at ${text}: not a valid time`;
  return BigInt(ms) * 1_000_000n + BigInt((iso[2] ?? '').padEnd(9, '0'));
}

/** How long to wait, in ms, from `nowNs` (ns since the epoch) until `startAtNs`; 0 when it has passed. */
export function waitUntilMs(startAtNs: bigint, nowNs: bigint): number {
  return startAtNs > nowNs ? Number(startAtNs - nowNs) / 1e6 : 0;
}

/**
 * Holds until `startAtNs` on the capture's clock (read as ns since the epoch), in steps of at most
 * a second so that a clock read late by a sleep is caught up; returns at once when interrupted.
 */
export async function waitForStart(startAtNs: bigint, clock: Clock, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const ms = waitUntilMs(startAtNs, BigInt(clock.epochNs(clock.nowNs())));
    if (ms <= 0 || signal?.aborted === true) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.min(ms, 1000));
      signal?.addEventListener('abort', done);
    });
  }
}
