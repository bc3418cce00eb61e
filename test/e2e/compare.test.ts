/** palens compare: bootstrap intervals and the regression gate. */
import { describe, expect, test } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SynthOptions, writeSyntheticExport } from '../../tools/synth.js';
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
      await set(join(dir, 'b'), 1, 50);
      const a = join(dir, 'a', 'p-100.json');
      const b = join(dir, 'b', 'p-100.json');
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

  const one = (file: string, extra: Partial<SynthOptions> = {}): Promise<number> =>
    writeSyntheticExport(file, {
      flavor: 'vllm',
      experiments: [{ mode: 'concurrency', value: 1, requests: 20 }],
      responses: 8,
      promptWords: 100,
      ttftBaseNs: 20e6,
      ttftPerWordNs: 40e3,
      gapNs: 10e6,
      jitterNs: 2e6,
      centeredJitter: true,
      emptyFinal: false,
      seed: 3,
      ...extra,
    });

  test('runs made differently are refused (exit 2) unless --allow-mismatch: load, prompt length', async () => {
    await withTempDir(async (dir) => {
      const [a, rate, long] = ['a.json', 'rate.json', 'long.json'].map((f) => join(dir, f)) as [string, string, string];
      await one(a);
      await one(rate, { experiments: [{ mode: 'request_rate', value: 5, requests: 20 }], seed: 4 });
      await one(long, { promptWords: 400, seed: 5 });
      const load = await spawnCli(['compare', a, rate]);
      expect(load.code).toBe(2);
      expect(load.stderr).toContain('A and B were not run alike: experiment 0 load: A concurrency 1, B request_rate 5');
      expect(load.stderr).toContain('--allow-mismatch');
      const words = await spawnCli(['compare', a, long]);
      expect(words.code).toBe(2);
      expect(words.stderr).toContain('experiment 0 prompt length: A 100 words, B 400 words on average');
      const allowed = await spawnCli(['compare', a, rate, '--allow-mismatch', '-f', 'json']);
      expect(allowed.code).toBe(0);
      const doc = JSON.parse(allowed.stdout);
      expectSchema('comparison', doc);
      expect(doc.config_differences).toEqual(['experiment 0 load: A concurrency 1, B request_rate 5']);
    });
  });

  test("captures' sidecars: a different model, backend or max tokens is refused", async () => {
    await withTempDir(async (dir) => {
      const side = (file: string, model: string, maxTokens: number): Promise<void> =>
        writeFile(`${file}.palens.json`, JSON.stringify({ schemaVersion: 1, tool: { name: 'palens', version: '0.1.0' }, config: { model, backend: 'vllm', max_tokens: maxTokens }, experiments: [] }));
      const [a, b] = [join(dir, 'a.json'), join(dir, 'b.json')];
      await one(a);
      await one(b, { seed: 9 });
      await side(a, 'llama', 64);
      await side(b, 'mistral', 256);
      const r = await spawnCli(['compare', a, b]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('model: A llama, B mistral; max tokens: A 64, B 256');
      await side(b, 'llama', 64);
      expect((await spawnCli(['compare', a, b])).code).toBe(0);
    });
  });

  test('the gate fails when B fails more requests, or when nothing could be compared', async () => {
    await withTempDir(async (dir) => {
      const [a, b] = [join(dir, 'a.json'), join(dir, 'b.json')];
      await one(a);
      await one(b, { failEvery: 1, seed: 9 });
      const failed = await spawnCli(['compare', a, b, '--fail-if-slower', '5', '-f', 'json']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('palens: more failures: experiment 0: B 20 of 20 requests failed, A 0 of 20');
      const doc = JSON.parse(failed.stdout);
      expectSchema('comparison', doc);
      expect(doc.gate.passed).toBe(false);
      expect(doc.warnings).toContain('B: experiment 0: 20 of 20 requests failed');
      // Without a gate the failures are still said.
      const plain = await spawnCli(['compare', a, b]);
      expect(plain.code).toBe(0);
      expect(plain.stderr + plain.stdout).toContain('20 of 20 requests failed');

      await mkdir(join(dir, 'short'));
      await mkdir(join(dir, 'long'));
      await one(join(dir, 'short', 'p.json'), { promptWords: 100 });
      await one(join(dir, 'long', 'p.json'), { promptWords: 800 });
      const none = await spawnCli(['compare', '--sweep', `${dir}/short/*.json`, `${dir}/long/*.json`, '--fail-if-slower', '5']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('palens: nothing compared: no prompt length is in both A and B');
    });
  });

  test('--seed and --bootstrap are checked', async () => {
    const seed = await spawnCli(['compare', 'a.json', 'b.json', '--seed', 'abc']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('--seed: expected a number, got "abc"');
    const r = await spawnCli(['compare', 'a.json', 'b.json', '--seed', '-1', '--bootstrap', '1e9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bootstrap: expected an integer from 100 to 100000, got 1000000000');
    expect(r.stderr).toContain('--seed: expected a non-negative integer, got -1');
  });
});
