/**
 * Empty finals in exports without response_outputs (perf_analyzer 2.41): recognised per experiment
 * from their timing and left out, so token-to-token latency is the true one; a file without them —
 * ordinary last gaps, mid-stream bursts — is left untouched (metrics/used-responses.ts).
 */
import { describe, expect, test } from '@jest/globals';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { readExport } from '../../src/export/reader.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { MetricOptions } from '../../src/metrics/experiment.js';
import { analyzeFiles, type AnalyzeOptions } from '../../src/pipeline/analysis.js';
import { readSplit } from '../../src/pipeline/split.js';
import { pythonFloat } from '../../src/report/numbers.js';
import { renderTable } from '../../src/report/table.js';
import { seeded } from '../../src/records/random.js';
import { withTempDir } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

interface Shape {
  requests: number;
  tokens: (q: number) => number;
  /** ns of the empty final after the last token, or null for none. */
  finalGap: ((r: () => number) => number) | null;
  /** Chance that a gap between tokens is a 15–60 µs burst. */
  burst?: number;
  /** Gaps between tokens drawn from an exponential law (heavy-tailed, many short ones) instead of 7–13 ms. */
  exponential?: boolean;
  seed: number;
}

interface Truth {
  gaps: bigint[];
  latencies: bigint[];
}

/** A perf_analyzer-2.41-style export (no request_inputs, no response_outputs) and the true token gaps. */
function export241(experiments: Shape[]): { json: string; truth: Truth[] } {
  let t = 1_700_000_000_123_456_789n; // low digits a double would lose
  const truth: Truth[] = [];
  const exps = experiments.map((shape) => {
    const r = seeded(shape.seed);
    const int = (lo: number, hi: number): bigint => BigInt(lo + Math.floor(r() * (hi - lo)));
    const tr: Truth = { gaps: [], latencies: [] };
    const requests: string[] = [];
    for (let q = 0; q < shape.requests; q++) {
      const send = t;
      let at = send + int(15_000_000, 25_000_000);
      const stamps = [at];
      for (let k = 1; k < shape.tokens(q); k++) {
        const gap =
          shape.burst !== undefined && r() < shape.burst
            ? int(15_000, 60_001)
            : shape.exponential
              ? BigInt(1 + Math.floor(-Math.log(1 - r()) * 10_000_000))
              : int(7_000_000, 13_000_000);
        at += gap;
        tr.gaps.push(gap);
        stamps.push(at);
      }
      tr.latencies.push(at - send);
      if (shape.finalGap !== null) stamps.push(at + BigInt(shape.finalGap(r)));
      requests.push(`{"timestamp":${send},"response_timestamps":[${stamps.join(',')}]}`);
      t = stamps[stamps.length - 1]! + 100_000n;
    }
    truth.push(tr);
    return `{"experiment":{"mode":"concurrency","value":1},"requests":[${requests.join(',')}],"window_boundaries":[]}`;
  });
  return { json: `{"experiments":[${exps.join(',')}],"version":"2.41.0"}`, truth };
}

/** The exact mean, rounded once as Python's int / int rounds it (sums here stay below 2^53). */
const mean = (xs: bigint[]): number => Number(xs.reduce((a, b) => a + b, 0n)) / xs.length;

const options = (extra: Partial<AnalyzeOptions> = {}): AnalyzeOptions => ({ keepEmptyResponses: false, percentiles: [50, 99], experiment: 'all', threads: 1, ...extra });

async function analyze(json: string, extra: Partial<AnalyzeOptions> = {}) {
  return withTempDir(async (dir) => {
    const file = join(dir, 'pa241.json');
    await writeFile(file, json);
    return analyzeFiles([file], options(extra));
  });
}

const finals8to90 = (r: () => number): number => 8_000 + Math.floor(r() * 82_001);

describe('empty finals without response_outputs', () => {
  test('finals 8–90 µs after the last token: recognised, left out, token-to-token is the true mean exactly', async () => {
    const { json, truth } = export241([{ requests: 24, tokens: (q) => 2 + (q % 20), finalGap: finals8to90, seed: 1 }]);
    const a = await analyze(json);
    const e = a.experiments[0]!;
    expect(e.empty_finals).toMatchObject({ recognised: true, candidates: 24, within_threshold: 24 });
    expect(e.empty_finals!.largest_within_ns).toBeLessThanOrEqual(90_000);
    expect(e.metrics.token_to_token_latency.count).toBe(truth[0]!.gaps.length);
    expect(e.metrics.token_to_token_latency.mean).toBe(mean(truth[0]!.gaps));
    expect(e.metrics.request_latency.mean).toBe(mean(truth[0]!.latencies));
    expect(e.responses).toMatchObject({ empty: 24, empty_dropped: 24, used: truth[0]!.gaps.length + 24 });
    const table = renderTable(a, new Chalk({ level: 0 }));
    expect(table).toMatch(/24 empty finals recognised and left out: last response ≤ \d+ µs after the previous in 24 of 24 requests/);
    // The seed-form line follows the default.
    expect(table).toContain(`Average token-to-token latency: ${pythonFloat(mean(truth[0]!.gaps) / 1e9)} s`);
  });

  test('decided per experiment: one with finals, one without', async () => {
    const { json, truth } = export241([
      { requests: 30, tokens: () => 16, finalGap: finals8to90, seed: 2 },
      { requests: 30, tokens: () => 16, finalGap: null, seed: 3 },
    ]);
    const a = await analyze(json);
    expect(a.experiments.map((e) => e.empty_finals?.recognised)).toEqual([true, false]);
    expect(a.experiments.map((e) => e.metrics.token_to_token_latency.mean)).toEqual(truth.map((t) => mean(t.gaps)));
    expect(a.experiments[1]!.responses).toMatchObject({ empty: 0, empty_dropped: 0, used: 30 * 16 });
  });

  test.each([
    ['ordinary last gaps', { requests: 40, tokens: (q: number) => 2 + (q % 30), finalGap: null, seed: 4 }],
    ['mid-stream bursts of 15–60 µs', { requests: 40, tokens: (q: number) => 2 + (q % 30), finalGap: null, burst: 0.3, seed: 5 }],
    ['three tokens each, gaps bursty half the time', { requests: 40, tokens: () => 3, finalGap: null, burst: 0.5, seed: 6 }],
    ['exponential gaps (many short ones)', { requests: 40, tokens: (q: number) => 2 + (q % 30), finalGap: null, exponential: true, seed: 12 }],
    ['exponential gaps, five requests', { requests: 5, tokens: () => 16, finalGap: null, exponential: true, seed: 13 }],
  ])('%s: nothing dropped', async (_name, shape) => {
    const { json, truth } = export241([shape]);
    const e = (await analyze(json)).experiments[0]!;
    expect(e.empty_finals?.recognised).toBe(false);
    expect(e.metrics.token_to_token_latency.count).toBe(truth[0]!.gaps.length);
    expect(e.metrics.token_to_token_latency.mean).toBe(mean(truth[0]!.gaps));
    expect(e.responses.empty_dropped).toBe(0);
  });

  test('finals among mid-stream bursts are still recognised', async () => {
    const { json, truth } = export241([{ requests: 40, tokens: (q) => 5 + (q % 30), finalGap: finals8to90, burst: 0.2, seed: 7 }]);
    const e = (await analyze(json)).experiments[0]!;
    expect(e.empty_finals?.recognised).toBe(true);
    expect(e.metrics.token_to_token_latency.mean).toBe(mean(truth[0]!.gaps));
  });

  test('too few requests to tell a pattern from chance: nothing dropped', async () => {
    const { json } = export241([{ requests: 4, tokens: () => 10, finalGap: finals8to90, seed: 8 }]);
    const e = (await analyze(json)).experiments[0]!;
    expect(e.empty_finals).toMatchObject({ recognised: false, candidates: 4, within_threshold: 4 });
    expect(e.responses.empty_dropped).toBe(0);
  });

  test('--keep-empty-responses and --no-detect-empty-finals count every response (the seed\'s formula)', async () => {
    const { json, truth } = export241([{ requests: 24, tokens: () => 8, finalGap: finals8to90, seed: 9 }]);
    const withFinals = (await analyze(json)).experiments[0]!;
    for (const extra of [{ keepEmptyResponses: true }, { detectEmptyFinals: false }]) {
      const e = (await analyze(json, extra)).experiments[0]!;
      expect(e.empty_finals).toBeNull();
      expect(e.metrics.token_to_token_latency.count).toBe(truth[0]!.gaps.length + 24);
      expect(e.responses.used).toBe(24 * 9);
      expect(e.metrics.token_to_token_latency.mean).toBeLessThan(withFinals.metrics.token_to_token_latency.mean!);
    }
  });

  test.each([
    ['samples/perf-analyzer-2.41-vllm-legacy-on-mock.json', 32, 8],
    ['samples/real-triton/perf-analyzer-2.41-vllm_model.json', 54, 16],
  ])('%s (perf_analyzer 2.41, a decoupled model): %i finals recognised, %i tokens per request left', async (file, requests, tokens) => {
    const e = (await analyzeFiles([repoPath(file)], options())).experiments[0]!;
    expect(e.empty_finals).toMatchObject({ recognised: true, candidates: requests });
    expect(e.responses).toMatchObject({ empty_dropped: requests, used: requests * tokens });
    expect(e.metrics.output_responses).toMatchObject({ min: tokens, max: tokens });
    expect(e.metrics.token_to_token_latency.count).toBe(requests * (tokens - 1));
  });

  test('two threads decide exactly as one', async () => {
    const { json } = export241([
      { requests: 1500, tokens: (q) => 2 + (q % 40), finalGap: finals8to90, seed: 10 },
      { requests: 1500, tokens: (q) => 2 + (q % 40), finalGap: null, burst: 0.1, seed: 11 },
    ]);
    await withTempDir(async (dir) => {
      const file = join(dir, 'big.json');
      await writeFile(file, json);
      const metrics: MetricOptions = { keepEmptyResponses: false, percentiles: [0, 50, 99, 100] };
      const split = await readSplit(file, statSync(file).size, metrics, () => true, 1 << 16);
      expect(split).not.toBeNull();
      const one = new ExperimentSet(metrics);
      await readExport(file, one, { failFast: true });
      expect(split!.set.summaries()).toEqual(one.summaries());
      expect(one.summaries().map((s) => s.empty_finals?.recognised)).toEqual([true, false]);
    });
  });
});
