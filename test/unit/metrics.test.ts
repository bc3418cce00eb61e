import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ExperimentAccumulator } from '../../src/metrics/experiment.js';
import { summarize } from '../../src/metrics/distribution.js';
import { ExactSample } from '../../src/metrics/samples.js';
import { ProfileParser } from '../../src/export/profile-parser.js';
import type { ExperimentSummary } from '../../src/metrics/experiment.js';
import { rng } from '../../tools/synth.js';
import { fixture } from '../helpers/paths.js';

function analyzeTiny(keepEmptyResponses: boolean): ExperimentSummary {
  const acc = new ExperimentAccumulator({ keepEmptyResponses, percentiles: [50, 90] });
  let summary: ExperimentSummary | undefined;
  const parser = new ProfileParser(
    { record: (r) => acc.add(r), experimentEnd: (info) => (summary = acc.summary(info)) },
    { file: 'tiny.json', failFast: true },
  );
  parser.feed(readFileSync(fixture('valid', 'tiny.json')));
  parser.finish();
  return summary!;
}

describe('metrics on a hand-computed export (test/fixtures/valid/tiny.json)', () => {
  // Request 0: TTFT 1000, gaps 300 400, latency 1700.  Request 1: TTFT 2000, gap 100, latency 2100.
  // Request 2: no response.  Request 3: TTFT 500, gap 400, latency 900, then an empty final 50 later.
  test('empty responses dropped (default)', () => {
    const s = analyzeTiny(false);
    const m = s.metrics;
    expect(s.requests).toEqual({ total: 4, completed: 3, failed: 1, failed_no_response: 1, failed_only_empty_responses: 0, failed_status: 0, with_prompt: 1, failed_by_status: {} });
    expect(s.responses).toEqual({ total: 8, empty: 1, empty_dropped: 1, used: 7 });
    expect(m.time_to_first_token).toMatchObject({ count: 3, mean: 3500 / 3, min: 500, max: 2000, percentiles: { p50: 1000, p90: 1800 } });
    expect(m.token_to_token_latency).toMatchObject({ count: 4, mean: 300, min: 100, max: 400, percentiles: { p50: 350, p90: 400 } });
    expect(m.token_to_token_latency.std).toBeCloseTo(Math.sqrt((0 + 100 ** 2 + 200 ** 2 + 100 ** 2) / 4), 9);
    expect(m.inter_token_latency).toMatchObject({ count: 3, mean: (350 + 100 + 400) / 3, min: 100, max: 400 });
    expect(m.request_latency).toMatchObject({ count: 3, mean: (1700 + 2100 + 900) / 3, min: 900, max: 2100 });
    expect(m.output_responses).toMatchObject({ count: 3, mean: 7 / 3, min: 2, max: 3 });
    expect(m.prompt_words).toMatchObject({ count: 1, mean: 4 });
    expect(m.prompt_chars).toMatchObject({ count: 1, mean: 17 });
    expect(s.duration_ns).toBe(12900);
    expect(m.request_throughput.value).toBeCloseTo(3e9 / 12900, 6);
    expect(m.output_response_throughput.value).toBeCloseTo(7e9 / 12900, 6);
  });

  test('empty responses kept, as the seed scripts do', () => {
    const s = analyzeTiny(true);
    const m = s.metrics;
    expect(s.responses).toEqual({ total: 8, empty: 1, empty_dropped: 0, used: 8 });
    expect(m.token_to_token_latency).toMatchObject({ count: 5, mean: 250, min: 50, max: 400 });
    expect(m.request_latency.max).toBe(2100);
    expect(m.request_latency.mean).toBe((1700 + 2100 + 950) / 3);
    expect(m.inter_token_latency.mean).toBe((350 + 100 + 225) / 3);
    expect(s.duration_ns).toBe(12950);
  });

  test('a request whose only response is empty is failed, not a crash', () => {
    const acc = new ExperimentAccumulator({ keepEmptyResponses: false, percentiles: [50] });
    acc.add({ experiment: 0, index: 0, sendNs: 0, responseCount: 1, responseNs: Float64Array.of(10), responseEmpty: Uint8Array.of(1), promptWords: -1, promptChars: -1, promptText: null, status: null });
    const s = acc.summary({ index: 0, mode: null, value: null, windows: null, requests: 1 });
    expect(s.requests.failed_only_empty_responses).toBe(1);
    expect(s.metrics.time_to_first_token.mean).toBeNull();
    expect(s.metrics.request_throughput.value).toBeNull();
  });
});

describe('distributions', () => {
  test('empty sample: nulls, count 0', () => {
    const d = summarize(new ExactSample(true), 'ns', [50]);
    expect(d).toEqual({ unit: 'ns', count: 0, mean: null, std: null, min: null, max: null, percentiles: { p50: null } });
  });

  test('percentiles interpolate linearly between closest ranks (numpy default)', () => {
    const s = new ExactSample(true);
    for (const v of [15, 20, 35, 40, 50]) s.add(v);
    const d = summarize(s, 'ns', [0, 25, 40, 50, 99.9, 100]);
    expect(d.percentiles).toEqual({ p0: 15, p25: 20, p40: 29, p50: 35, p99_9: 49.96000000000001, p100: 50 }); // numpy.percentile gives these exact doubles
  });

  test('order statistics equal sorting: duplicates, dense and sparse buckets, values ≥ 2^32', () => {
    const r = rng(7);
    const g = new ExactSample(true);
    const all: number[] = [];
    for (let i = 0; i < 400_000; i++) {
      const u = r();
      // Half in one 50 ns cluster (a bucket that turns dense), most spread thin, a few past 2^32.
      const v = u < 0.5 ? 10_000_000 + Math.floor(r() * 50) : u < 0.999 ? Math.floor(r() * 2 ** 31) : 2 ** 32 + Math.floor(r() * 1e6);
      g.add(v);
      all.push(v);
    }
    g.add(2 ** 32 - 1);
    all.push(2 ** 32 - 1);
    all.sort((a, b) => a - b);
    const ranks = [0, 1, 1000, 199_999, 200_000, 200_001, 399_000, 399_700, 399_999, 400_000];
    expect(g.ranked(ranks)).toEqual(ranks.map((k) => all[k]));
    expect(g.min).toBe(all[0]);
    expect(g.max).toBe(all[all.length - 1]);
    expect(g.total()).toBe(all.reduce((a, v) => a + BigInt(v), 0n));
    const mean = all.reduce((a, v) => a + v, 0) / all.length;
    const ss = all.reduce((a, v) => a + (v - mean) ** 2, 0);
    expect(g.sumSquaredDeviations() / ss).toBeCloseTo(1, 9);
  });

  test('memory stops growing once latencies fill their buckets', () => {
    const r = rng(3);
    const g = new ExactSample(true);
    // 30 whole buckets of 65,536 ns; past the 4 Mi-value stage every bucket is dense.
    const add = (n: number): void => {
      for (let i = 0; i < n; i++) g.add(150 * 65536 + Math.floor(r() * 30 * 65536));
    };
    add(12_000_000);
    const after12M = g.bytes();
    add(12_000_000);
    expect(g.bytes()).toBe(after12M);
    // The stage, 30 dense buckets, and the index of 65,536 bucket references.
    expect(after12M).toBe(4 * 2 ** 22 + 30 * 65536 * 4 + 65536 * 8);
    expect(g.count).toBe(24_000_000);
  });

  test('past the stage, order statistics and sums stay exact', () => {
    // 9,000,000 values: each of base … base + 99,999 exactly 90 times, in scrambled order.
    const base = 1_234_567;
    const g = new ExactSample(true);
    for (let i = 0; i < 9_000_000; i++) g.add(base + ((i * 7919) % 100_000));
    const ranks = [0, 89, 90, 4_500_000, 8_999_999];
    expect(g.ranked(ranks)).toEqual(ranks.map((k) => base + Math.floor(k / 90)));
    expect(g.total()).toBe(9_000_000n * BigInt(base) + 90n * ((99_999n * 100_000n) / 2n));
    expect(g.min).toBe(base);
    expect(g.max).toBe(base + 99_999);
    const mean = base + 99_999 / 2;
    expect(g.mean()).toBe(mean);
    // Σ(x − mean)² = 90 · Σ_{j<100000} (j − 49999.5)² = 90 · (100000³ − 100000) / 12
    expect(g.sumSquaredDeviations() / (90 * ((1e15 - 1e5) / 12))).toBeCloseTo(1, 9);
  });

  test('the order values arrive in, and how samples are merged, change nothing', () => {
    const r = rng(11);
    const values = Array.from({ length: 120_000 }, () => Math.floor(9e6 + r() * 3e6));
    values.push(2 ** 33 + 5, 2 ** 32 + 1);
    const itl = values.map((v, i) => v / (1 + (i % 7)));
    const percentiles = [0, 1, 50, 99.9, 100];
    const forward = new ExactSample(true);
    const forwardItl = new ExactSample(false);
    values.forEach((v, i) => {
      forward.add(v);
      forwardItl.add(itl[i]!);
    });
    const parts = [new ExactSample(true), new ExactSample(true), new ExactSample(true)];
    const partsItl = [new ExactSample(false), new ExactSample(false), new ExactSample(false)];
    for (let i = values.length - 1; i >= 0; i--) {
      parts[i % 3]!.add(values[i]!);
      partsItl[i % 3]!.add(itl[i]!);
    }
    const merged = parts[2]!;
    merged.merge(parts[0]!.snapshot());
    merged.merge(parts[1]!.snapshot());
    const mergedItl = partsItl[1]!;
    mergedItl.merge(partsItl[2]!.snapshot());
    mergedItl.merge(partsItl[0]!.snapshot());
    expect(summarize(merged, 'ns', percentiles)).toEqual(summarize(forward, 'ns', percentiles));
    expect(summarize(mergedItl, 'ns', percentiles)).toEqual(summarize(forwardItl, 'ns', percentiles));
  });

  test('non-integer samples keep every value: exact order statistics', () => {
    const s = new ExactSample(false);
    const values: number[] = [];
    for (let i = 0; i < 40_000; i++) {
      const v = 1000 + (i % 997) / 3;
      s.add(v);
      values.push(v);
    }
    values.sort((a, b) => a - b);
    expect(s.ranked([0, 20_000, 39_999])).toEqual([values[0], values[20_000], values[39_999]]);
    const few = new ExactSample(false);
    for (const v of [2.5, 0.25, 1.75]) few.add(v);
    expect(few.ranked([0, 1, 2])).toEqual([0.25, 1.75, 2.5]);
  });

  test('a non-integer sample (inter-token latency) has an accurate mean', () => {
    const s = new ExactSample(false);
    for (let i = 0; i < 10; i++) s.add(0.1);
    expect(summarize(s, 'ns', []).mean).toBe(0.1);
  });
});
