/** --shard I/N and --start-at: a capture's load split into N parts that add up exactly, from a table. */
import { describe, expect, test } from '@jest/globals';
import { sumDecimals } from '../../src/pipeline/merge-check.js';
import { type LoadShare, parseShard, parseStartAt, type ShardPlan, shardLoad, shardSeed, shareOf, waitUntilMs } from '../../src/driver/shard.js';

const load = (over: Partial<LoadShare> = {}): LoadShare => ({
  levels: [
    { mode: 'concurrency', value: 10 },
    { mode: 'concurrency', value: 3 },
  ],
  requestCount: 100,
  warmup: 2,
  windowRequests: 50,
  rateStreams: 8,
  seed: 1,
  ...over,
});

const plans = (l: LoadShare, n: number): ShardPlan[] =>
  Array.from({ length: n }, (_, i) => {
    const p = shardLoad(l, { index: i + 1, count: n });
    if (Array.isArray(p)) throw new Error(p.join('; '));
    return p;
  });

describe('shardLoad', () => {
  test.each([
    // total, N, the shares of shards 1..N
    [10, 3, [4, 3, 3]],
    [9, 3, [3, 3, 3]],
    [3, 3, [1, 1, 1]],
    [100, 7, [15, 15, 14, 14, 14, 14, 14]],
    [2, 1, [2]],
    [0, 4, [0, 0, 0, 0]],
  ])('shareOf(%i) over %i shards = %p', (total, n, shares) => {
    expect(Array.from({ length: n }, (_, i) => shareOf(total, { index: i + 1, count: n }))).toEqual(shares);
  });

  test.each([1, 2, 3])('%i shards: concurrency, request count, warm-ups and windows add up to the whole', (n) => {
    const ps = plans(load(), n);
    const sum = (f: (p: ShardPlan) => number): number => ps.reduce((s, p) => s + f(p), 0);
    expect(sum((p) => p.levels[0]!.value)).toBe(10);
    expect(sum((p) => p.levels[1]!.value)).toBe(3);
    expect(sum((p) => p.requestCount!)).toBe(100);
    expect(sum((p) => p.warmup)).toBe(2);
    expect(sum((p) => p.windowRequests)).toBe(50);
    expect(new Set(ps.map((p) => p.idPrefix)).size).toBe(n);
    expect(new Set(ps.map((p) => p.seed)).size).toBe(n);
  });

  test.each([
    [10, 3, ['3.333334', '3.333333', '3.333333']],
    [2.5, 2, ['1.25', '1.25']],
    [0.3, 3, ['0.1', '0.1', '0.1']],
    [7, 4, ['1.75', '1.75', '1.75', '1.75']],
  ])('request rate %d over %i shards: %p, adding up exactly', (rate, n, shares) => {
    const ps = plans(load({ levels: [{ mode: 'request_rate', value: rate }] }), n);
    const values = ps.map((p) => JSON.stringify(p.levels[0]!.value));
    expect(values).toEqual(shares);
    expect(sumDecimals(values)).toBe(JSON.stringify(rate));
    expect(ps.every((p) => p.levels[0]!.mode === 'request_rate')).toBe(true);
  });

  test('shard 1 of 1 is the capture itself: same seed, the unsharded id prefix', () => {
    const [p] = plans(load(), 1);
    expect(p!.seed).toBe(1);
    expect(p!.idPrefix).toBe('palens-');
    expect(p!.levels).toEqual(load().levels);
  });

  test('shards have their own id prefixes and seeds, the same every time', () => {
    expect(plans(load(), 3).map((p) => p.idPrefix)).toEqual(['palens-1of3-', 'palens-2of3-', 'palens-3of3-']);
    expect(shardSeed(1, { index: 2, count: 3 })).toBe(shardSeed(1, { index: 2, count: 3 }));
    expect(shardSeed(1, { index: 2, count: 3 })).not.toBe(shardSeed(2, { index: 2, count: 3 }));
  });

  test('a split that leaves a shard nothing to do is refused, saying why', () => {
    expect(shardLoad(load(), { index: 1, count: 4 })).toEqual(['--shard 1/4: concurrency 3 has fewer streams than shards']);
    expect(shardLoad(load({ requestCount: 2, levels: [{ mode: 'concurrency', value: 4 }] }), { index: 1, count: 3 })).toEqual([
      '--shard 1/3: --request-count 2 is smaller than the number of shards',
    ]);
    expect(shardLoad(load({ levels: [{ mode: 'request_rate', value: 0.000001 }] }), { index: 2, count: 2 })).toEqual([
      '--shard 2/2: request rate 0.000001 is too small to split 2 ways',
    ]);
  });

  test('stability windows stay windows: no request count is invented', () => {
    expect(plans(load({ requestCount: null }), 2).map((p) => p.requestCount)).toEqual([null, null]);
  });
});

describe('parseShard and --start-at', () => {
  test.each([
    ['1/4', { index: 1, count: 4 }],
    ['4/4', { index: 4, count: 4 }],
    [' 2/3 ', { index: 2, count: 3 }],
  ])('%s', (text, spec) => expect(parseShard(text)).toEqual(spec));

  test.each(['0/4', '5/4', '1/0', '1', 'a/b', '1/2/3'])('%s is refused', (text) => {
    expect(typeof parseShard(text)).toBe('string');
  });

  test.each([
    ['2026-12-02T10:30:00Z', 1796207400000000000n],
    ['2026-12-02T10:30:00.123456789Z', 1796207400123456789n],
    ['2026-12-02T11:30:00+01:00', 1796207400000000000n],
    ['@1796207400', 1796207400000000000n],
    ['@1796207400.5', 1796207400500000000n],
  ])('--start-at %s = %s ns since the epoch, exactly', (text, ns) => {
    expect(parseStartAt(text)).toBe(ns);
  });

  test.each(['tomorrow', '2026-12-02T10:30:00', '2026-13-02T10:30:00Z', '@'])('--start-at %s is refused', (text) => {
    expect(typeof parseStartAt(text)).toBe('string');
  });

  test('waitUntilMs counts down to the start, and never below 0', () => {
    expect(waitUntilMs(1796207400000000000n, 1796207399998500000n)).toBe(1.5);
    expect(waitUntilMs(1796207400000000000n, 1796207400000000001n)).toBe(0);
  });
});
