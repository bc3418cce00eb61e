/** palens analyze --sweep: grouping by prompt length, the fits, sidecars, tokenizers, workers. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTokenizer } from '../../src/prompts/tokenizer.js';
import { writeSyntheticExport, type SynthOptions } from '../../tools/synth.js';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { expectSchema } from '../helpers/schemas.js';

const LENGTHS = [64, 128, 256, 512, 1024, 2048];
const A = 20e6;
const B = 50e3;

async function lawSet(dir: string, extra: Partial<SynthOptions> = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, L] of LENGTHS.entries()) {
    const file = join(dir, `prefill-${L}.json`);
    await writeSyntheticExport(file, {
      flavor: 'vllm',
      experiments: [{ mode: 'concurrency', value: 1, requests: 20 }],
      responses: 6,
      promptWords: L,
      ttftBaseNs: A,
      ttftPerWordNs: B,
      gapNs: 10e6 + L * 400,
      jitterNs: 2e6,
      centeredJitter: true,
      emptyFinal: false,
      seed: 1000 + i,
      ...extra,
    });
    files.push(file);
  }
  return files;
}

const json = async (args: string[]): Promise<{ code: number; doc: any; stderr: string }> => {
  const r = await spawnCli([...args, '--format', 'json']);
  return { code: r.code, doc: r.code === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr };
};

describe('analyze --sweep', () => {
  test('recovers a known law TTFT = a + b·L from six lengths, within 2%', async () => {
    await withTempDir(async (dir) => {
      await lawSet(dir);
      const { code, doc } = await json(['analyze', '--sweep', `${dir}/*.json`]);
      expect(code).toBe(0);
      expectSchema('analysis', doc);
      const s = doc.sweep;
      expect(s.length_by).toBe('words');
      expect(s.points.map((p: { length: number }) => p.length)).toEqual(LENGTHS);
      const fit = s.fits.time_to_first_token;
      expect(Math.abs(fit.intercept_ns - A) / A).toBeLessThan(0.02);
      expect(Math.abs(fit.slope_ns_per_unit - B) / B).toBeLessThan(0.02);
      expect(fit.r2).toBeGreaterThan(0.99);
      expect(fit.quadratic_preferred).toBe(false);
      expect(fit.prefill_units_per_s).toBeCloseTo(1e9 / fit.slope_ns_per_unit, 6);
      const decode = s.fits.token_to_token_latency;
      expect(Math.abs(decode.slope_ns_per_unit - 400) / 400).toBeLessThan(0.05);
      expect(decode.growth_ns_per_1000_units).toBeCloseTo(decode.slope_ns_per_unit * 1000, 6);
      expect(s.outliers).toEqual([]);
    });
  });

  test('prefers the quadratic when attention cost shows', async () => {
    await withTempDir(async (dir) => {
      await lawSet(dir, { ttftPerWord2Ns: 20 });
      const r = await spawnCli(['analyze', '--sweep', `${dir}/*.json`]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('the quadratic term matters');
      const { doc } = await json(['analyze', '--sweep', `${dir}/*.json`]);
      const q = doc.sweep.fits.time_to_first_token;
      expect(q.quadratic_preferred).toBe(true);
      expect(Math.abs(q.quadratic.quadratic_ns_per_unit2 - 20) / 20).toBeLessThan(0.05);
      expect(Math.abs(q.quadratic.slope_ns_per_unit - B) / B).toBeLessThan(0.05);
    });
  });

  test('names an outlying length', async () => {
    await withTempDir(async (dir) => {
      await lawSet(dir);
      // One length served by a slower replica: 30 ms added to every TTFT.
      await writeSyntheticExport(join(dir, 'prefill-512.json'), {
        flavor: 'vllm',
        experiments: [{ mode: 'concurrency', value: 1, requests: 20 }],
        responses: 6,
        promptWords: 512,
        ttftBaseNs: A + 30e6,
        ttftPerWordNs: B,
        gapNs: 10e6 + 512 * 400,
        jitterNs: 2e6,
        centeredJitter: true,
        emptyFinal: false,
        seed: 7,
      });
      const { doc } = await json(['analyze', '--sweep', `${dir}/*.json`]);
      expect(doc.sweep.outliers).toEqual([expect.objectContaining({ metric: 'time_to_first_token', length: 512 })]);
      expect(doc.warnings.join('\n')).toContain('outlier at 512 words');
    });
  });

  test('fewer than three lengths: a warning', async () => {
    await withTempDir(async (dir) => {
      const files = await lawSet(dir);
      const { doc } = await json(['analyze', '--sweep', files[0]!, files[1]!]);
      expect(doc.warnings.join('\n')).toContain('2 prompt lengths found');
    });
  });

  test('tokens from a local tokenizer.json (file or folder), and buckets', async () => {
    await withTempDir(async (dir) => {
      const files = await lawSet(dir);
      const tokenizer = await loadTokenizer(fixture('tokenizer', 'tokenizer.json'));
      const expected = new Set<number>();
      for (const f of files) {
        for (const r of JSON.parse(readFileSync(f, 'utf8')).experiments[0].requests) expected.add(tokenizer.count(r.request_inputs.text_input));
      }
      for (const path of [fixture('tokenizer'), fixture('tokenizer', 'tokenizer.json')]) {
        const { code, doc } = await json(['analyze', '--sweep', `${dir}/*.json`, '--tokenizer', path]);
        expect(code).toBe(0);
        expect(doc.sweep.length_by).toBe('tokens');
        expect(doc.sweep.unit).toBe('tokens');
        expect(doc.sweep.points.map((p: { length: number }) => p.length)).toEqual([...expected].sort((a, b) => a - b));
      }
      const bucketed = await json(['analyze', '--sweep', `${dir}/*.json`, '--tokenizer', fixture('tokenizer'), '--bucket', '500']);
      for (const p of bucketed.doc.sweep.points) expect(p.length % 500).toBe(0);
      expect(bucketed.doc.sweep.bucket).toBe(500);
    });
  });

  test('meta: prompt lengths from a palens sidecar are used by default', async () => {
    await withTempDir(async (dir) => {
      const files = await lawSet(dir);
      for (const [i, f] of files.entries()) {
        const requests = Array.from({ length: 20 }, (_, index) => ({ index, prompt_tokens: 100 * (i + 1), prompt_words: LENGTHS[i] }));
        await writeFile(`${f}.palens.json`, JSON.stringify({ schemaVersion: 1, tool: { name: 'palens', version: '0.1.0' }, prompt: { unit: 'tokens' }, experiments: [{ index: 0, requests }] }));
      }
      const { doc } = await json(['analyze', '--sweep', `${dir}/*.json`]);
      expect(doc.sweep.length_by).toBe('meta');
      expect(doc.sweep.unit).toBe('tokens');
      expect(doc.sweep.points.map((p: { length: number }) => p.length)).toEqual([100, 200, 300, 400, 500, 600]);
      await writeFile(`${files[0]}.palens.json`, '{"schemaVersion": 2}');
      const bad = await spawnCli(['analyze', '--sweep', `${dir}/*.json`]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('.palens.json');
    });
  });

  test('two worker threads give exactly what one thread gives', async () => {
    await withTempDir(async (dir) => {
      await lawSet(dir);
      const one = await json(['analyze', '--sweep', `${dir}/*.json`, '--threads', '1']);
      const two = await json(['analyze', '--sweep', `${dir}/*.json`, '--threads', '2']);
      expect(two.doc).toEqual(one.doc);
    });
  });

  test('quoted globs and shell lists; a pattern that matches nothing is an error', async () => {
    await withTempDir(async (dir) => {
      const files = await lawSet(dir);
      const listed = await json(['analyze', '--sweep', ...files]);
      const globbed = await json(['analyze', '--sweep', `${dir}/prefill-*.json`]);
      expect(listed.doc.sweep).toEqual(globbed.doc.sweep);
      const none = await spawnCli(['analyze', '--sweep', `${dir}/nothing-*.json`]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('matched no files');
      const noTok = await spawnCli(['analyze', '--sweep', `${dir}/*.json`, '--length-by', 'tokens']);
      expect(noTok.code).toBe(2);
      expect(noTok.stderr).toContain('--tokenizer');
      const missingTok = await spawnCli(['analyze', '--sweep', `${dir}/*.json`, '--tokenizer', join(dir, 'nope')]);
      expect(missingTok.code).toBe(2);
    });
  });

  test('CSV: one row per length × metric', async () => {
    await withTempDir(async (dir) => {
      await lawSet(dir);
      const r = await spawnCli(['analyze', '--sweep', `${dir}/*.json`, '-f', 'csv']);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]!.startsWith('length,length_unit,metric,unit,count,mean')).toBe(true);
      expect(lines).toHaveLength(1 + LENGTHS.length * 4);
    });
  });
});
