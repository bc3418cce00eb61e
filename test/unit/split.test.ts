/** Reading one file on two threads gives exactly what one thread gives. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { readExport } from '../../src/export/reader.js';
import { findCut, readSplit } from '../../src/pipeline/split.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import { parseSlo } from '../../src/metrics/slo.js';
import type { MetricOptions } from '../../src/metrics/experiment.js';
import { writeSyntheticExport } from '../../tools/synth.js';
import { withTempDir } from '../helpers/cli.js';

const metrics: MetricOptions = { keepEmptyResponses: false, percentiles: [0, 1, 50, 90, 99, 99.9, 100] };
const all = (): boolean => true;

async function sequential(file: string): Promise<ExperimentSet> {
  const set = new ExperimentSet(metrics);
  await readExport(file, set, { failFast: true });
  return set;
}

async function generate(file: string, requests: number[], seed: number): Promise<number> {
  await writeSyntheticExport(file, {
    flavor: 'vllm-legacy',
    experiments: requests.map((n, i) => ({ mode: 'concurrency' as const, value: i + 1, requests: n })),
    responses: 40,
    promptWords: (q) => 5 + (q % 40),
    ttftBaseNs: 20e6,
    ttftPerWordNs: 40e3,
    gapNs: 9e6,
    jitterNs: 3e6,
    emptyFinal: true,
    failEvery: 17,
    seed,
  });
  return statSync(file).size;
}

describe('split reading', () => {
  // The middle of the file falls in the first, second and last experiment.
  test.each([
    [[2000, 100, 100], 1],
    [[300, 1500, 300], 2],
    [[100, 100, 2000], 3],
  ])('experiments %p: same summaries as one thread', async (requests, seed) => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      const size = await generate(file, requests, seed);
      const split = await readSplit(file, size, metrics, all, 1 << 16);
      expect(split).not.toBeNull();
      const one = await sequential(file);
      expect(split!.set.summaries()).toEqual(one.summaries());
      expect(split!.result.requests).toBe(requests.reduce((a, b) => a + b, 0));
      expect(split!.result.experiments).toBe(3);
    });
  });

  test('the options analyze passes (with a progress callback) reach the worker as metric options only', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      const size = await generate(file, [300, 300], 6);
      const withCallback = { ...metrics, experiment: 'all', onProgress: (): void => undefined } as MetricOptions;
      const split = await readSplit(file, size, withCallback, all, 1 << 16);
      expect(split).not.toBeNull();
      expect(split!.set.summaries()).toEqual((await sequential(file)).summaries());
    });
  });

  test('every metric option reaches the worker: goodput (--slo) and requests over time count the tail too', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      const size = await generate(file, [400, 400], 7);
      const options: MetricOptions = { ...metrics, slo: parseSlo('time_to_first_token<=30ms'), detectEmptyFinals: false, timeline: true };
      const split = await readSplit(file, size, { ...options, onProgress: (): void => undefined } as MetricOptions, all, 1 << 16);
      expect(split).not.toBeNull();
      const one = new ExperimentSet(options);
      await readExport(file, one, { failFast: true });
      const summaries = split!.set.summaries();
      expect(summaries).toEqual(one.summaries());
      expect(summaries.map((e) => e.goodput!.met)).toEqual(one.summaries().map((e) => e.goodput!.met));
      expect(summaries[1]!.goodput!.met).toBeGreaterThan(0);
      expect(split!.set.timelines()).toEqual(one.timelines());
    });
  });

  test('a file without the cut pattern is read in one thread (null)', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'pretty.json');
      await generate(file, [200], 4);
      const pretty = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2);
      await writeFile(file, pretty);
      expect(findCut(file, pretty.length)).toBeNull();
      expect(await readSplit(file, pretty.length, metrics, all, 1 << 16)).toBeNull();
    });
  });

  test('an error in the tail is left to one thread, which reports it with the file\'s own pointer', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'bad.json');
      await generate(file, [100, 1000], 5);
      const text = readFileSync(file, 'utf8');
      // Break a request in the last quarter of the file.
      const at = text.indexOf('{"timestamp":', Math.floor(text.length * 0.8));
      const broken = text.slice(0, at) + '{"timestamp":"oops",' + text.slice(at + '{"timestamp":'.length + 19 + 1);
      await writeFile(file, broken);
      let one: InputError | undefined;
      try {
        await sequential(file);
      } catch (e) {
        one = e as InputError;
      }
      expect(one).toBeInstanceOf(InputError);
      // The tail's problem sends the file to one thread, which names it with the file's own pointer.
      expect(one!.pointer).toMatch(/^\/experiments\/1\/requests\/\d+\/timestamp$/);
      expect(await readSplit(file, broken.length, metrics, all, 1 << 16)).toBeNull();
    });
  });
});
