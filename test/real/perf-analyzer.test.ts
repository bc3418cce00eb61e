/**
 * The real perf_analyzer (2.41.0, from PyPI's tritonclient wheel; test/real/setup.sh) and palens
 * capture against the same palens mock, in one run: both exports valid, every request complete,
 * the same responses per request, and read alike by the seed's formulas and palens analyze. How
 * their timings compare is a benchmark (bench/clients, docs/BENCHMARKS.md), not a test: two processes
 * sharing a loaded machine never agree to a threshold every time. Skips, saying why, where
 * perf_analyzer is not installed; fails instead under PALENS_REQUIRE_REAL (CI).
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mockProcess } from '../helpers/mock-process.js';
import { repoPath } from '../helpers/paths.js';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { skipping } from '../helpers/skips.js';

const PA = repoPath('.cache', 'real', 'perf_analyzer.sh');
const have = existsSync(PA);
if (!have && process.env.PALENS_REQUIRE_REAL) throw new Error(`PALENS_REQUIRE_REAL is set but ${PA} is missing: run test/real/setup.sh`);
if (!have) skipping('the perf_analyzer tests (test/real/perf-analyzer.test.ts)', `${PA} is missing`, 'bash test/real/setup.sh');

const seed = (file: string): { time_to_first_token_s: number; token_to_token_latency_s: number } =>
  JSON.parse(execFileSync('python3', [repoPath('bench', 'seed_reference.py'), file], { encoding: 'utf8' }));

describe('perf_analyzer and palens capture on one server', () => {
  (have ? test : test.skip)("the seed's command and palens capture agree", async () => {
    await withTempDir(async (dir) => {
      const prompts = join(dir, 'prompts.json');
      await writeFile(prompts, JSON.stringify({ data: [{ PROMPT: ['Hello, my name is'], STREAM: [true], SAMPLING_PARAMETERS: ['{"max_tokens": 8}'] }] }));
      const mock = await mockProcess(['--prefill-base-ms', '50', '--prefill-per-token-us', '50', '--decode-gap-ms', '10', '--jitter-ms', '0']);
      try {
        const paFile = join(dir, 'pa.json');
        execFileSync(PA, ['-m', 'vllm_legacy', '-u', mock.target, '-i', 'grpc', '--async', '--streaming', `--input-data=${prompts}`, `--profile-export-file=${paFile}`, '--measurement-mode=count_windows', '--measurement-request-count=10', '--stability-percentage=999'], { encoding: 'utf8' });
        const palensFile = join(dir, 'palens.json');
        const cap = await spawnCli(['capture', '-u', mock.target, '-m', 'vllm_legacy', '--input-data', prompts, '--measurement-mode', 'count_windows', '--measurement-request-count', '10', '--stability-percentage', '999', '-f', palensFile]);
        expect(cap.code).toBe(0);
        for (const f of [paFile, palensFile]) expect((await spawnCli(['validate', f])).code).toBe(0);
        // perf_analyzer 2.41 writes no response_outputs: by default palens recognises the legacy
        // model's empty finals from their timing and leaves them out (8 tokens per request).
        const detected = JSON.parse((await spawnCli(['analyze', paFile, '-f', 'json'])).stdout).experiments[0];
        expect(detected.empty_finals.recognised).toBe(true);
        expect(detected.responses.empty_dropped).toBe(detected.requests.total);
        expect(detected.metrics.output_responses.min).toBe(8);
        expect(detected.metrics.output_responses.max).toBe(8);
        // Kept, both exports read as the seed's formulas read them.
        const a = JSON.parse((await spawnCli(['analyze', paFile, '-f', 'json', '--keep-empty-responses'])).stdout);
        const b = JSON.parse((await spawnCli(['analyze', palensFile, '-f', 'json', '--keep-empty-responses'])).stdout);
        expect(a.experiments[0].metrics.time_to_first_token.mean / 1e9).toBe(seed(paFile).time_to_first_token_s);
        expect(a.experiments[0].metrics.token_to_token_latency.mean / 1e9).toBe(seed(paFile).token_to_token_latency_s);
        expect(b.experiments[0].metrics.time_to_first_token.mean / 1e9).toBe(seed(palensFile).time_to_first_token_s);
        expect(b.experiments[0].metrics.token_to_token_latency.mean / 1e9).toBe(seed(palensFile).token_to_token_latency_s);
        // The same responses: 8 tokens and the legacy model's empty final.
        for (const doc of [a, b]) {
          const e = doc.experiments[0];
          expect(e.requests.failed).toBe(0);
          expect(e.requests.completed).toBe(e.requests.total);
          expect(e.metrics.output_responses.min).toBe(9);
          expect(e.metrics.output_responses.max).toBe(9);
        }
      } finally {
        await mock.stop();
      }
    });
  });
});
