/**
 * `analyze --sweep` over files that were not run alike: captures of another max_tokens or model, or
 * a file whose lack of a sidecar changed the length measure, are said in warnings (compare refuses
 * the same mismatch; a sweep pools, so it must at least say what it pooled).
 */
import { describe, expect, test } from '@jest/globals';
import { expectExit, runCli } from '../helpers/cli.js';

const sweepWarnings = async (files: string[]): Promise<string[]> => {
  const r = await runCli(['analyze', '--sweep', ...files, '-f', 'json']);
  expectExit(r, 0);
  return JSON.parse(r.stdout).warnings as string[];
};

const prefill = ['64', '128', '256'].map((n) => `samples/real-triton/prefill-${n}.json`);
const generation = ['64', '256'].map((n) => `samples/real-triton/generation-${n}.json`);

describe('a sweep of files not run alike', () => {
  test('prefill (max_tokens 1) and generation (max_tokens 32) captures: one warning naming both groups', async () => {
    const w = (await sweepWarnings([...prefill, ...generation])).filter((x) => x.includes('not run alike'));
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('max_tokens 1: samples/real-triton/prefill-64.json');
    expect(w[0]).toContain('max_tokens 32: samples/real-triton/generation-64.json');
  });

  test('captures run alike: no such warning, lengths from their sidecars', async () => {
    const w = await sweepWarnings(prefill);
    expect(w.filter((x) => x.includes('not run alike') || x.includes('no sidecar'))).toEqual([]);
  });

  test('one file without a sidecar: the measure falls back to words, and the warning says why', async () => {
    const w = await sweepWarnings([...prefill, 'samples/real-triton/perf-analyzer-2.41-vllm_model.json']);
    expect(w).toContainEqual(
      'sweep: length by words, since samples/real-triton/perf-analyzer-2.41-vllm_model.json has no sidecar; the prompt lengths the other 3 files recorded are not used (--length-by meta uses them, and needs them in every file)',
    );
  });
});
