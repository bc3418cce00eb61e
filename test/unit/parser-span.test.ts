/**
 * Wide spans are exact or refused: times are offsets from the file's first one, exact while the
 * file spans at most 2^53 − 1 ns; a file that spans more is refused with its pointer, on one
 * thread and on two alike. Values are chosen so that a double would lose their low digits.
 */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { readExport } from '../../src/export/reader.js';
import { readSplit } from '../../src/pipeline/split.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { MetricOptions } from '../../src/metrics/experiment.js';
import { parseInPieces } from '../helpers/collect.js';
import { withTempDir } from '../helpers/cli.js';

const B = 1_700_000_000_000_000_001n;
const MAX = 2n ** 53n - 1n;
const req = (t: bigint, gaps: bigint[]): string => {
  let at = t;
  const stamps = gaps.map((g) => (at += g).toString());
  return `{"timestamp":${t},"response_timestamps":[${stamps.join(',')}]}`;
};
const doc = (requests: string[]): string =>
  `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[${requests.join(',')}]}]}`;
const metrics: MetricOptions = { keepEmptyResponses: false, percentiles: [50] };

describe('wide spans', () => {
  test('a span of exactly 2^53 − 1 ns is read exactly: a 2 ns TTFT stays 2 at either end', () => {
    // The last request is sent so that its second response lands exactly MAX after B.
    const far = B + MAX - 5n;
    const text = doc([req(B, [2n, 3n]), req(far, [2n, 3n])]);
    const { sink, result } = parseInPieces(Buffer.from(text), 7, false);
    expect(result.problemCount).toBe(0);
    expect(sink.records.map((r) => [r.sendNs, r.responses])).toEqual([
      [0, [2, 5]],
      [Number(MAX - 5n), [Number(MAX - 3n), Number(MAX)]],
    ]);
    const ttft = sink.records.map((r) => r.responses[0]! - r.sendNs);
    expect(ttft).toEqual([2, 2]);
  });

  test.each([
    ['a request at timestamp 0', [req(B, [2n]), req(0n, [7n])], '/experiments/0/requests/1'],
    ['one response 2^53 ns after the first', [req(B, [2n]), req(B + 10n, [MAX])], '/experiments/0/requests/1'],
    ['a request long before the first', [req(B, [2n]), req(B - MAX - 1n, [2n])], '/experiments/0/requests/1'],
  ])('%s: refused with the request\'s pointer', (_name, requests, pointer) => {
    const bytes = Buffer.from(doc(requests));
    let err: InputError | undefined;
    try {
      parseInPieces(bytes, 5);
    } catch (e) {
      err = e as InputError;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(err!.code).toBe('PALENS_INPUT_SEMANTIC');
    expect(err!.pointer).toBe(pointer);
    expect(err!.message).toMatch(/within 2\^53 ns/);
    const v = parseInPieces(bytes, 5, false).result;
    expect(v.problems.map((p) => p.pointer)).toEqual([pointer]);
  });

  test('window_boundaries count too', () => {
    const text = `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[${req(B, [1n])}],"window_boundaries":[${B},${B + MAX + 1n}]}]}`;
    expect(parseInPieces(Buffer.from(text), 3, false).result.problems.map((p) => p.pointer)).toEqual(['/experiments/0/window_boundaries']);
  });

  test('one thread and two agree: halves that each fit but not together are refused by both', async () => {
    await withTempDir(async (dir) => {
      const early = Array.from({ length: 400 }, (_, k) => req(B + BigInt(k) * 1_000_003n, [2n, 5n, 7n]));
      const late = Array.from({ length: 400 }, (_, k) => req(B + MAX + 10n + BigInt(k) * 999_983n, [3n, 4n]));
      const file = join(dir, 'wide.json');
      const text = doc([...early, ...late]);
      await writeFile(file, text);
      await expect(readExport(file, new ExperimentSet(metrics), { failFast: true })).rejects.toMatchObject({
        code: 'PALENS_INPUT_SEMANTIC',
        pointer: '/experiments/0/requests/400',
      });
      expect(await readSplit(file, text.length, metrics, () => true, 1 << 12)).toBeNull();
    });
  });

  test('one thread and two agree on a file just inside the span', async () => {
    await withTempDir(async (dir) => {
      const early = Array.from({ length: 400 }, (_, k) => req(B + BigInt(k) * 1_000_003n, [2n, 5n, 7n]));
      const late = Array.from({ length: 400 }, (_, k) => req(B + MAX - 1_000_000_000n + BigInt(k) * 999_983n, [3n, 4n]));
      const file = join(dir, 'wide.json');
      const text = doc([...early, ...late]);
      await writeFile(file, text);
      const one = new ExperimentSet(metrics);
      await readExport(file, one, { failFast: true });
      const two = await readSplit(file, text.length, metrics, () => true, 1 << 12);
      expect(two).not.toBeNull();
      expect(two!.set.summaries()).toEqual(one.summaries());
      expect(one.summaries()[0]!.metrics.time_to_first_token.min).toBe(2);
    });
  });
});
