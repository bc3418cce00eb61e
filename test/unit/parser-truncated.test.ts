/**
 * A file that ends early (a capture cut short by SIGKILL, a full disk, a damaged copy):
 * `palens analyze` reads its complete requests and says, loudly, that it ends early;
 * `palens validate` reports it invalid and names the request it ends in.
 */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { ProfileParser } from '../../src/export/profile-parser.js';
import { validateFile } from '../../src/export/validate.js';
import { CollectingSink } from '../helpers/collect.js';
import { runCli, withTempDir } from '../helpers/cli.js';

const B = 1_700_000_000_000_000_000n;
const req = (k: number): string => `{"timestamp":${B + BigInt(k) * 1000n},"response_timestamps":[${B + BigInt(k) * 1000n + 7n},${B + BigInt(k) * 1000n + 9n}]}`;
const exp = (value: number, n: number, from = 0): string =>
  `{"experiment":{"mode":"concurrency","value":${value}},"requests":[${Array.from({ length: n }, (_, k) => req(from + k)).join(',')}]}`;
const full = `{"experiments":[${exp(1, 3)},${exp(2, 4, 10)}],"version":"palens 0.1.0"}`;

function read(text: string, step: number, acceptTruncated: boolean): { sink: CollectingSink; result: ReturnType<ProfileParser['finish']> } {
  const sink = new CollectingSink();
  const parser = new ProfileParser(sink, { file: 'cut.json', failFast: true, acceptTruncated });
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += step) parser.feed(b.subarray(i, i + step));
  return { sink, result: parser.finish() };
}

describe('a file that ends early', () => {
  const midRequest = full.slice(0, full.indexOf(req(12)) + 30); // inside request 2 of experiment 1
  const afterRequest = full.slice(0, full.indexOf(req(11)) + req(11).length); // after request 1, no ']'

  test.each([1, 7, 4096])('inside a request: the complete requests, the open experiment ended, where it ends (step %d)', (step) => {
    const { sink, result } = read(midRequest, step, true);
    expect(sink.records.map((r) => [r.experiment, r.index])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
    ]);
    expect(sink.experiments.map((e) => [e.index, e.requests, e.value])).toEqual([
      [0, 3, 1],
      [1, 2, 2],
    ]);
    expect(result.truncated).toEqual({ experiment: 1, request: 2, insideRequest: true, byteOffset: Buffer.byteLength(midRequest) });
    expect(result.problemCount).toBe(0);
  });

  test('after a complete request, without the closing brackets', () => {
    const { sink, result } = read(afterRequest, 5, true);
    expect(sink.records).toHaveLength(5);
    expect(result.truncated).toMatchObject({ experiment: 1, request: 2, insideRequest: false });
  });

  test('a complete file is not truncated', () => {
    expect(read(full, 9, true).result.truncated).toBeNull();
  });

  test('without acceptTruncated (validate) it is an error naming the request and the byte', () => {
    for (const [text, pointer, words] of [
      [midRequest, '/experiments/1/requests/2', 'inside request 2 of experiment 1'],
      [afterRequest, '/experiments/1/requests/2', 'after request 1 of experiment 1'],
    ] as const) {
      let err: InputError | undefined;
      try {
        read(text, 11, false);
      } catch (e) {
        err = e as InputError;
      }
      expect(err).toBeInstanceOf(InputError);
      expect(err!.pointer).toBe(pointer);
      expect(err!.byteOffset).toBe(Buffer.byteLength(text));
      expect(err!.message).toContain(words);
      expect(err!.message).toContain('ends early');
    }
  });

  test('a file that ends before any experiment began is still an error', () => {
    expect(() => read('{"experiments":[', 3, true)).toThrow(InputError);
    expect(() => read('{"version":"2.41.0",', 3, true)).toThrow(InputError);
  });

  test('`palens analyze` exits 0 with one loud warning (table and JSON); `palens validate` exits 1 and names the request', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'cut.json');
      await writeFile(file, midRequest);
      const table = await runCli(['analyze', file]);
      expect(table.code).toBe(0);
      const warnings = (table.stdout + table.stderr).split('\n').filter((l) => l.includes('TRUNCATED'));
      expect(warnings.some((l) => l.includes('ends early') && l.includes('inside request 2 of experiment 1'))).toBe(true);
      const json = await runCli(['analyze', file, '--format', 'json']);
      expect(json.code).toBe(0);
      const doc = JSON.parse(json.stdout);
      expect(doc.inputs[0].truncated).toBe(true);
      expect(doc.inputs[0].requests).toBe(5);
      expect(doc.warnings.filter((w: string) => w.includes('ends early'))).toHaveLength(1);
      const v = await validateFile(file);
      expect(v.valid).toBe(false);
      expect(v.problems.at(-1)).toMatchObject({ pointer: '/experiments/1/requests/2', experiment: 1, request: 2, byteOffset: Buffer.byteLength(midRequest) });
      const cli = await runCli(['validate', file]);
      expect(cli.code).toBe(1);
      expect(cli.stdout + cli.stderr).toContain('inside request 2 of experiment 1');
      // A complete copy has no such warning and is not marked.
      await writeFile(file, full);
      const whole = JSON.parse((await runCli(['analyze', file, '--format', 'json'])).stdout);
      expect(whole.inputs[0].truncated).toBe(false);
      expect(whole.warnings.some((w: string) => w.includes('ends early'))).toBe(false);
    });
  });
});
