/**
 * palens against the seed's formulas (bench/seed_reference.py: exact Python integers) on
 * exports it has not seen before: generated with random laws, full 19-digit timestamps.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { analyzeFiles } from '../../src/pipeline/analysis.js';
import { writeSyntheticExport, type Flavor } from '../../tools/synth.js';
import { withTempDir } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

interface Reference {
  time_to_first_token_s: number;
  token_to_token_latency_s: number;
  ttft_sum_ns: string;
  gap_sum_ns: string;
  gap_count: number;
  gap_min_ns: string;
  gap_max_ns: string;
}

function reference(file: string, experiment: number, dropEmpty: boolean): Reference {
  const args = [repoPath('bench', 'seed_reference.py'), ...(dropEmpty ? ['--drop-empty'] : []), file, String(experiment)];
  return JSON.parse(execFileSync('python3', args, { encoding: 'utf8' })) as Reference;
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

const cases: { flavor: Flavor; emptyFinal: boolean; seed: number }[] = [
  { flavor: 'vllm', emptyFinal: false, seed: 11 },
  { flavor: 'vllm-legacy', emptyFinal: true, seed: 12 },
  { flavor: 'trtllm', emptyFinal: false, seed: 13 },
  { flavor: 'pa-2023', emptyFinal: false, seed: 14 },
  { flavor: 'openai', emptyFinal: false, seed: 15 },
];

describe('seed compatibility', () => {
  test.each(cases)('$flavor (empty finals: $emptyFinal)', async ({ flavor, emptyFinal, seed }) => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'export.json');
      await writeSyntheticExport(file, {
        flavor,
        experiments: [
          { mode: 'concurrency', value: 1, requests: 40 },
          { mode: 'concurrency', value: 8, requests: 25 },
        ],
        responses: 17 + seed,
        promptWords: (q) => 10 + ((q * 37) % 300),
        ttftBaseNs: 15_000_000 + seed * 1_000,
        ttftPerWordNs: 33_333.3,
        gapNs: 7_777_777,
        jitterNs: 4_321_987,
        emptyFinal,
        seed,
        startNs: `17${String(seed).padStart(2, '0')}000000987654321`,
      });
      for (const keepEmptyResponses of emptyFinal ? [true, false] : [false]) {
        const a = await analyzeFiles([file], { experiment: 'all', percentiles: [50], keepEmptyResponses });
        for (const e of [0, 1]) {
          const ref = reference(file, e, emptyFinal && !keepEmptyResponses);
          const m = a.experiments[e]!.metrics;
          const ttft = m.time_to_first_token.mean! / 1e9;
          const t2t = m.token_to_token_latency.mean! / 1e9;
          expect(relative(ttft, ref.time_to_first_token_s)).toBeLessThanOrEqual(1e-12);
          expect(relative(t2t, ref.token_to_token_latency_s)).toBeLessThanOrEqual(1e-12);
          // Sums below 2^53 divide exactly once, as Python does: the same double.
          expect(ttft).toBe(ref.time_to_first_token_s);
          expect(t2t).toBe(ref.token_to_token_latency_s);
          expect(String(m.token_to_token_latency.max)).toBe(ref.gap_max_ns);
          expect(String(m.token_to_token_latency.min)).toBe(ref.gap_min_ns);
          expect(m.token_to_token_latency.count).toBe(ref.gap_count);
        }
      }
    });
  });
});
