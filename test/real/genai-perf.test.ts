/**
 * GenAI-Perf's own export parser (PyPI genai-perf; test/real/setup.sh) reading the same exports as
 * palens: the metrics both define the same way — time to first token and request latency — agree to
 * 0.1%. Inter-token latency is not compared: GenAI-Perf divides by re-tokenised output tokens − 1,
 * palens by responses − 1 (docs/METRICS.md). Skips, saying why, where genai-perf is missing; fails
 * instead under PALENS_REQUIRE_REAL (CI).
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { fixture, repoPath } from '../helpers/paths.js';
import { skipping } from '../helpers/skips.js';

const PYTHON = repoPath('.cache', 'real', 'genai-venv', 'bin', 'python');
const have = existsSync(PYTHON);
if (!have && process.env.PALENS_REQUIRE_REAL) throw new Error(`PALENS_REQUIRE_REAL is set but ${PYTHON} is missing: run test/real/setup.sh`);
if (!have) skipping('the GenAI-Perf tests (test/real/genai-perf.test.ts)', `${PYTHON} is missing`, 'bash test/real/setup.sh');

interface Stat {
  avg: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

const genai = (file: string): { metrics: Record<string, Stat> }[] =>
  JSON.parse(execFileSync(PYTHON, [repoPath('test', 'real', 'genai_parse.py'), file, fixture('tokenizer', 'tokenizer.json')], { encoding: 'utf8' }));

async function compare(file: string): Promise<number> {
  const theirs = genai(file);
  const ours = JSON.parse((await spawnCli(['analyze', file, '-f', 'json'])).stdout).experiments;
  expect(ours).toHaveLength(theirs.length);
  let compared = 0;
  theirs.forEach((level, i) => {
    for (const [name, mine] of [
      ['time_to_first_token', ours[i].metrics.time_to_first_token],
      ['request_latency', ours[i].metrics.request_latency],
    ] as const) {
      const t = level.metrics[name]!;
      const pairs: [number, number][] = [
        [t.avg, mine.mean],
        [t.p50, mine.percentiles.p50],
        [t.p99, mine.percentiles.p99],
        [t.min, mine.min],
        [t.max, mine.max],
      ];
      for (const [a, b] of pairs) {
        expect(Math.abs(a - b) / a).toBeLessThanOrEqual(0.001);
        compared++;
      }
    }
  });
  return compared;
}

describe('GenAI-Perf and palens read the same exports', () => {
  (have ? test : test.skip)('a bundled export (three load levels)', async () => {
    expect(await compare(repoPath('samples', 'vllm-concurrency-sweep.json'))).toBe(30);
  }, 120_000);

  (have ? test : test.skip)('a palens capture of the mock', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'capture.json');
      const r = await spawnCli(['capture', '--mock', '--max-tokens', '12', '--concurrency', '2', '--request-count', '16', '--prompt-words', '40', '-f', file]);
      expect(r.code).toBe(0);
      expect(await compare(file)).toBe(10);
    });
  }, 120_000);
});
