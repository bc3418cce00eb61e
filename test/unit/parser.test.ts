import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/errors.js';
import { readExport } from '../../src/export/reader.js';
import { CollectingSink, parseInPieces } from '../helpers/collect.js';
import { withTempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { writeSyntheticExport } from '../../tools/synth.js';

const tiny = readFileSync(fixture('valid', 'tiny.json'));

describe('profile parser', () => {
  test('reads exact offsets from the first timestamp', () => {
    const { sink, result } = parseInPieces(tiny, tiny.length);
    expect(result.source.timeBaseNs).toBe('1700000000000000001');
    expect(sink.records.map((r) => [r.sendNs, r.responses])).toEqual([
      [0, [1000, 1300, 1700]],
      [5000, [7000, 7100]],
      [9000, []],
      [12000, [12500, 12900, 12950]],
    ]);
    expect(sink.records[0]!.empty).toBeNull();
    expect(sink.records[3]!.empty).toEqual([0, 0, 1]);
    expect(sink.records[3]!.promptWords).toBe(4);
    expect(sink.records[3]!.promptChars).toBe(17);
    expect(sink.records[0]!.promptWords).toBe(-1);
    expect(sink.experiments).toEqual([{ index: 0, mode: 'concurrency', value: 1, windows: 1, requests: 4 }]);
    expect(result.source).toMatchObject({ version: '2.41.0', serviceKind: 'triton', endpoint: '', hasResponseOutputs: true, hasRequestInputs: true });
  });

  test('gives the same records whatever the chunk boundaries', () => {
    const whole = parseInPieces(tiny, tiny.length).sink.records;
    for (const step of [1, 2, 3, 7, 64]) expect(parseInPieces(tiny, step).sink.records).toEqual(whole);
    const openai = readFileSync(fixture('valid', 'openai-chat.json'));
    expect(parseInPieces(openai, 1).sink.records).toEqual(parseInPieces(openai, openai.length).sink.records);
  });

  test('decodes escaped prompts and counts words and code points', () => {
    const { sink } = parseInPieces(readFileSync(fixture('valid', 'escapes.json')), 5);
    const text = 'line one\nline "two" é\u{1F600} tab\tend';
    expect(sink.records[0]!.promptWords).toBe(7);
    expect(sink.records[0]!.promptChars).toBe([...text].length);
    expect(sink.records[0]!.empty).toEqual([0]);
  });

  test('OpenAI exports: [DONE] is empty, content deltas are not, the prompt comes from the payload', () => {
    const { sink, result } = parseInPieces(readFileSync(fixture('valid', 'openai-chat.json')), 1000);
    expect(sink.records[0]!.empty).toEqual([0, 0, 0, 1]);
    expect(sink.records[0]!.promptWords).toBe(7);
    expect(result.source.serviceKind).toBe('openai');
  });

  test('legacy TEXT outputs: {} and "" are empty', () => {
    const { sink } = parseInPieces(readFileSync(fixture('valid', 'pa-2024-vllm-legacy.json')), 13);
    expect(sink.records.map((r) => r.empty)).toEqual([[0, 0, 0, 1], [0, 1], [0]]);
    expect(sink.records.map((r) => r.experiment)).toEqual([0, 0, 1]);
  });

  test('unknown keys anywhere are skipped', () => {
    const { sink, result } = parseInPieces(readFileSync(fixture('valid', 'forward-compatible.json')), 3);
    expect(result.problemCount).toBe(0);
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]!.responses).toEqual([1]);
  });

  test('collects every problem up to the cap and counts the rest', () => {
    const requests = Array.from({ length: 30 }, (_, i) => `{"timestamp":"${i}","response_timestamps":[]}`);
    const doc = Buffer.from(`{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[${requests.join(',')}]}]}`);
    for (const step of [1, 17, doc.length]) {
      const { result, sink } = parseInPieces(doc, step, false);
      expect(result.problemCount).toBe(30);
      expect(result.problems).toHaveLength(20);
      expect(result.problems[19]!.pointer).toBe('/experiments/0/requests/19/timestamp');
      expect(sink.records).toHaveLength(0);
    }
  });

  test('fails fast with the file, pointer and what was found', () => {
    const doc = readFileSync(fixture('invalid', 'timestamp-float.json'));
    expect(() => parseInPieces(doc, 10)).toThrow(InputError);
    try {
      parseInPieces(doc, 10);
    } catch (e) {
      const err = e as InputError;
      expect(err.file).toBe('test.json');
      expect(err.pointer).toBe('/experiments/0/requests/1/timestamp');
      expect(err.message).toContain('1700000000000005001.5');
      expect(err.code).toBe('PALENS_INPUT_SCHEMA');
    }
  });

  test('reads gzip transparently', async () => {
    await withTempDir(async (dir) => {
      const gz = join(dir, 'tiny.json.gz');
      await writeFile(gz, gzipSync(tiny));
      const sink = new CollectingSink();
      const r = await readExport(gz, sink, { failFast: true });
      expect(r.compressed).toBe(true);
      expect(sink.records).toEqual(parseInPieces(tiny, tiny.length).sink.records);
    });
  });

  test('a damaged gzip stream is invalid input, not a crash', async () => {
    await withTempDir(async (dir) => {
      const gz = join(dir, 'cut.json.gz');
      const full = gzipSync(tiny);
      await writeFile(gz, full.subarray(0, full.length - 12));
      await expect(readExport(gz, new CollectingSink(), { failFast: true })).rejects.toBeInstanceOf(InputError);
    });
  });

  test('a generated multi-megabyte export reads the same with tiny and large chunks', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'big.json');
      await writeSyntheticExport(file, {
        flavor: 'vllm',
        experiments: [{ mode: 'concurrency', value: 8, requests: 300 }],
        responses: 200,
        promptWords: 50,
        ttftBaseNs: 20e6,
        ttftPerWordNs: 1000,
        gapNs: 10e6,
        jitterNs: 3e6,
        emptyFinal: true,
        seed: 9,
      });
      const a = new CollectingSink();
      const b = new CollectingSink();
      await readExport(file, a, { failFast: true, chunkBytes: 4093 });
      await readExport(file, b, { failFast: true, chunkBytes: 1 << 20 });
      expect(a.records).toHaveLength(300);
      expect(a.records).toEqual(b.records);
      expect(a.records[0]!.responses).toHaveLength(201);
    });
  });

  test('one request larger than many chunks is read whole', () => {
    const stamps = Array.from({ length: 50_000 }, (_, i) => `17000000000${String(i * 1000 + 7).padStart(8, '0')}`);
    const doc = Buffer.from(
      `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1700000000000000000,"response_timestamps":[${stamps.join(',')}]}]}]}`,
    );
    const { sink } = parseInPieces(doc, 997);
    expect(sink.records[0]!.responses).toHaveLength(50_000);
    expect(sink.records[0]!.responses[49_999]).toBe(49_999_007);
  });

  test('uint64 bounds', () => {
    const doc = (t: string): Buffer =>
      Buffer.from(`{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":${t},"response_timestamps":[${t}]}]}]}`);
    expect(parseInPieces(doc('18446744073709551615'), 4).sink.records[0]!.responses).toEqual([0]);
    expect(() => parseInPieces(doc('18446744073709551616'), 4)).toThrow(/above 2\^64/);
    expect(() => parseInPieces(doc('1e18'), 4)).toThrow(/non-integer/);
  });

  test('invalid JSON inside a skipped value is still caught', () => {
    const doc = Buffer.from('{"extra":[1,2,,3],"experiments":[]}');
    expect(() => parseInPieces(doc, 2)).toThrow(/invalid JSON/);
    const raw = Buffer.from('{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1,"response_timestamps":[2],"x":"a\u0001b"}]}]}');
    expect(() => parseInPieces(raw, 2)).toThrow(/control characters/);
  });
});
