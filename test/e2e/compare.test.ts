/** palens compare: bootstrap intervals and the regression gate. */
import { describe, expect, test } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyntheticExport } from '../../tools/synth.js';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schemas.js';

async function set(dir: string, slowdown: number, seed: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [i, L] of [100, 400, 1600].entries()) {
    await writeSyntheticExport(join(dir, `p-${L}.json`), {
      flavor: 'vllm',
      experiments: [{ mode: 'concurrency', value: 1, requests: 40 }],
      responses: 20,
      promptWords: L,
      ttftBaseNs: 20e6 * slowdown,
      ttftPerWordNs: 40e3 * slowdown,
      gapNs: 10e6 * slowdown,
      jitterNs: 2e6,
      centeredJitter: true,
      emptyFinal: false,
      seed: seed + i,
    });
  }
}

describe('palens compare', () => {
  test('a planted 10% slowdown fails a 5% gate; a set against itself passes', async () => {
    await withTempDir(async (dir) => {
      await set(join(dir, 'a'), 1, 1);
      await set(join(dir, 'b'), 1.1, 50);
      const slow = await spawnCli(['compare', '--sweep', `${dir}/a/*.json`, `${dir}/b/*.json`, '--fail-if-slower', '5']);
      expect(slow.code).toBe(1);
      expect(slow.stderr).toContain('palens: slower: prompt length 100: time_to_first_token mean');
      const same = await spawnCli(['compare', '--sweep', `${dir}/a/*.json`, `${dir}/a/*.json`, '--fail-if-slower', '5']);
      expect(same.code).toBe(0);
      const notEnough = await spawnCli(['compare', '--sweep', `${dir}/a/*.json`, `${dir}/b/*.json`, '--fail-if-slower', '15']);
      expect(notEnough.code).toBe(0);
      const json = await spawnCli(['compare', '--sweep', `${dir}/a/*.json`, `${dir}/b/*.json`, '--fail-if-slower', '5', '--metric', 'request_latency', '-f', 'json']);
      expect(json.code).toBe(1);
      const doc = JSON.parse(json.stdout);
      expectSchema('comparison', doc);
      expect(doc.gate.failures.every((f: { metric: string }) => f.metric === 'request_latency')).toBe(true);
      const g = doc.groups[0].metrics.find((m: { metric: string }) => m.metric === 'time_to_first_token');
      expect(g.mean.relative).toBeGreaterThan(0.08);
      expect(g.mean.ci_low_ns).toBeGreaterThan(0);
      expect(g.mean.ci_low_ns).toBeLessThan(g.mean.difference_ns);
      expect(g.mean.ci_high_ns).toBeGreaterThan(g.mean.difference_ns);
    });
  });

  test('two exports: per experiment, reproducible with a seed', async () => {
    await withTempDir(async (dir) => {
      await set(join(dir, 'a'), 1, 1);
      const a = join(dir, 'a', 'p-100.json');
      const b = join(dir, 'a', 'p-400.json');
      const one = await spawnCli(['compare', a, b, '-f', 'json', '--seed', '7']);
      const two = await spawnCli(['compare', a, b, '-f', 'json', '--seed', '7']);
      expect(one.code).toBe(0);
      expect(one.stdout).toBe(two.stdout);
      expect(JSON.parse(one.stdout).grouping).toBe('experiment');
      const many = await spawnCli(['compare', `${dir}/a/*.json`, b]);
      expect(many.code).toBe(2);
      expect(many.stderr).toContain('without --sweep each side is one export');
    });
  });
});
