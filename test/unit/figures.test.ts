import { describe, expect, test } from '@jest/globals';
import { chooseScale, curveOf, type Extent, groupFigures, thinnedValues } from '../../src/metrics/figures.js';
import { ExactSample } from '../../src/metrics/samples.js';
import { rng } from '../../tools/synth.js';

/** Integer ns around 10 ms; values whose order statistics we can check against a plain sort. */
function sampleOf(values: readonly number[], integers = true, stage?: number): ExactSample {
  const s = new ExactSample(integers, stage);
  for (const v of values) s.add(v);
  return s;
}

const sorted = (v: readonly number[]): number[] => [...v].sort((a, b) => a - b);

describe('ExactSample.countBelow and valuesAtRanks', () => {
  const r = rng(3);
  const values = Array.from({ length: 5000 }, () => 9_000_000 + Math.floor(r() * 3_000_000));
  values.push(612_000_000, 0);
  const cuts = [0, 1, 9_500_000, 10_000_000, 10_000_001, 11_999_999, 612_000_000, 612_000_001];
  const expected = cuts.map((c) => values.filter((v) => v < c).length);
  test('a short run (stage only)', () => {
    const s = sampleOf(values);
    expect(s.countBelow(cuts)).toEqual(expected);
    expect(s.valuesAtRanks([0, 1, 2500, 5001])).toEqual([0, sorted(values)[1], sorted(values)[2500], 612_000_000]);
  });
  test('values moved into buckets (a small stage)', () => {
    const s = sampleOf(values, true, 1024);
    expect(s.countBelow(cuts)).toEqual(expected);
    expect(s.valuesAtRanks([0, 17, 4999, 5001])).toEqual([0, sorted(values)[17], sorted(values)[4999], 612_000_000]);
  });
  test('non-integer values', () => {
    const f = values.map((v) => v / 3);
    const s = sampleOf(f, false);
    const fc = cuts.map((c) => c / 3);
    expect(s.countBelow(fc)).toEqual(fc.map((c) => f.filter((v) => v < c).length));
  });
});

describe('curveOf', () => {
  test('a small sample: every value is a vertex, the exact empirical distribution', () => {
    const c = curveOf(sampleOf([30, 10, 20, 20]))!;
    expect(c.every).toBe(true);
    expect(c.cdf).toEqual([
      [10, 0.25],
      [20, 0.5],
      [20, 0.75],
      [30, 1],
    ]);
    expect(c.histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
  });

  test('a large sample: hundreds of vertices, both tails rank by rank, exact values', () => {
    const r = rng(5);
    const values = Array.from({ length: 23_600 }, () => 10_000_000 + Math.floor(r() * 2_000_000));
    values[777] = 612_000_000;
    const c = curveOf(sampleOf(values))!;
    const s = sorted(values);
    expect(c.every).toBe(false);
    expect(c.cdf.length).toBeGreaterThanOrEqual(400);
    expect(c.cdf.length).toBeLessThan(600);
    expect(c.cdf[0]).toEqual([s[0], 1 / s.length]);
    expect(c.cdf[c.cdf.length - 1]).toEqual([612_000_000, 1]);
    expect(c.cdf[c.cdf.length - 2]).toEqual([s[s.length - 2], (s.length - 1) / s.length]);
    for (const [v, p] of c.cdf) expect(v).toBe(s[Math.round(p * s.length) - 1]);
    expect(c.top[0]).toBe(612_000_000);
    // The histogram names the stall rather than stretching its axis to it.
    expect(c.histogram.scale.kind).toBe('linear');
    expect(c.histogram.scale.above).toEqual([612_000_000]);
    expect(c.histogram.counts.reduce((a, b) => a + b, 0)).toBe(values.length - 1);
  });
});

const extent = (values: number[]): Extent => {
  const s = sorted(values);
  return { count: s.length, min: s[0]!, max: s[s.length - 1]!, minPositive: s.find((v) => v > 0) ?? null, zeros: s.filter((v) => v === 0).length, top: s.slice(-10).reverse() };
};

describe('chooseScale', () => {
  test('a narrow spread: linear over the data', () => {
    expect(chooseScale([extent([10, 11, 12, 13])])).toMatchObject({ kind: 'linear', lo: 10, hi: 13, aboveCount: 0 });
  });
  test('one far value: the axis stops short of it and names it', () => {
    const v = Array.from({ length: 400 }, (_, i) => 10 + (i % 3));
    v.push(600);
    expect(chooseScale([extent(v)])).toMatchObject({ kind: 'linear', lo: 10, hi: 12, above: [600], aboveCount: 1 });
  });
  test('a spread over more than 10×: logarithmic, zeros named', () => {
    expect(chooseScale([extent([0, 20, 60, 200, 600, 2000]), extent([30, 40])])).toMatchObject({ kind: 'log', lo: 20, hi: 2000, belowCount: 1 });
  });
  test('from zero (latency against length): linear from 0, never logarithmic', () => {
    expect(chooseScale([extent([20, 200, 2000])], true)).toMatchObject({ kind: 'linear', lo: 0, hi: 2000 });
    const v = [...Array.from({ length: 30 }, (_, i) => 20 + i), 600];
    expect(chooseScale([extent(v)], true)).toMatchObject({ kind: 'linear', lo: 0, hi: 49, above: [600] });
    expect(chooseScale([extent(v.slice(-12))], true)).toMatchObject({ kind: 'linear', lo: 0, hi: 600, aboveCount: 0 });
  });
});

describe('thinned per-request values and group figures', () => {
  test('every value when few, both ends when thinned', () => {
    const s = sampleOf([5, 1, 4, 2, 3]);
    expect(thinnedValues(s, 10)).toEqual([1, 2, 3, 4, 5]);
    expect(thinnedValues(s, 3)).toEqual([1, 3, 5]);
  });
  test('twelve lengths: a curve each, points within budget, n kept', () => {
    const groups = Array.from({ length: 12 }, (_, i) => {
      const ttft = sampleOf(Array.from({ length: 1000 }, (_, k) => 1000 * (i + 1) + k));
      const itl = sampleOf(Array.from({ length: 1000 }, (_, k) => 10 + k / 1000), false);
      const empty = new ExactSample(true);
      return { key: 64 * (i + 1), samples: { time_to_first_token: ttft, token_to_token_latency: empty, inter_token_latency: itl, request_latency: ttft } };
    });
    const g = groupFigures(groups);
    expect(g.curves.map((c) => c.key)).toEqual(groups.map((x) => x.key));
    expect(g.curves[0]!.figures.token_to_token_latency).toBeNull();
    expect(g.requests.time_to_first_token).toBe(12_000);
    expect(g.points.time_to_first_token.length).toBeLessThanOrEqual(2400);
    expect(g.points.time_to_first_token.length).toBeGreaterThan(2000);
    expect(g.points.time_to_first_token.filter(([k]) => k === 64).map(([, v]) => v)).toContain(1999);
  });
});
