/** Strict where docs/ERRORS.md says strict: duplicate keys, and a pointer for every problem. */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { validateFile } from '../../src/export/validate.js';
import { InputError } from '../../src/errors.js';
import { parseInPieces } from '../helpers/collect.js';
import { runCli, withTempDir } from '../helpers/cli.js';

const REQ = '{"timestamp":1700000000000000000,"response_timestamps":[1700000000000000100]}';
const doc = (experiment: string, request = REQ): Buffer =>
  Buffer.from(`{"experiments":[{"experiment":${experiment},"requests":[${request}]}]}`);

function problemsOf(bytes: Buffer, step = 3): { pointer: string; expected: string; found: string }[] {
  return parseInPieces(bytes, step, false).result.problems.map((p) => ({ pointer: p.pointer, expected: p.expected, found: p.found }));
}

describe('duplicate keys', () => {
  test.each([
    ['{"mode":"concurrency","mode":"request_rate","value":1}', '/experiments/0/experiment/mode'],
    ['{"mode":"concurrency","value":1,"value":2}', '/experiments/0/experiment/value'],
    ['{"mode":"concurrency","value":1,"note":"a","note":"b"}', '/experiments/0/experiment/note'],
    ['{"mode":"concurrency","value":1,"a/b":0,"a/b":0}', '/experiments/0/experiment/a~1b'],
  ])('inside "experiment" %s: an error at %s', (experiment, pointer) => {
    for (const step of [1, 5, 1000]) {
      expect(problemsOf(doc(experiment), step)).toEqual([{ pointer, expected: 'each key once', found: 'a duplicate key' }]);
    }
    expect(() => parseInPieces(doc(experiment), 7)).toThrow(InputError);
  });

  test('in a request, an experiment and the top level', () => {
    const dupRequest = '{"timestamp":1700000000000000000,"timestamp":1700000000000000000,"response_timestamps":[]}';
    expect(problemsOf(doc('{"mode":"concurrency","value":1}', dupRequest))).toEqual([
      { pointer: '/experiments/0/requests/0/timestamp', expected: 'each key once', found: 'a duplicate key' },
    ]);
    const dupExperiment = Buffer.from(`{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[${REQ}],"requests":[]}]}`);
    expect(problemsOf(dupExperiment)).toEqual([{ pointer: '/experiments/0/requests', expected: 'each key once', found: 'a duplicate key' }]);
    const dupRoot = Buffer.from(`{"version":"1","experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[${REQ}]}],"version":"2"}`);
    expect(problemsOf(dupRoot)).toEqual([{ pointer: '/version', expected: 'each key once', found: 'a duplicate key' }]);
  });

  test('a prompt key twice in request_inputs (the prompt length would depend on which is read); other inputs are not read', () => {
    const dupPrompt = '{"timestamp":1700000000000000000,"request_inputs":{"text_input":"a b c","text_input":"a b c d e f"},"response_timestamps":[1700000000000000100]}';
    for (const step of [1, 4, 1000]) {
      expect(problemsOf(doc('{"mode":"concurrency","value":1}', dupPrompt), step)).toEqual([
        { pointer: '/experiments/0/requests/0/request_inputs/text_input', expected: 'each key once', found: 'a duplicate key' },
      ]);
    }
    const dupOther = '{"timestamp":1700000000000000000,"request_inputs":{"text_input":"a","max_tokens":1,"max_tokens":2},"response_timestamps":[1700000000000000100]}';
    expect(problemsOf(doc('{"mode":"concurrency","value":1}', dupOther))).toEqual([]);
  });

  test('`palens validate` exits 1 on a duplicate key inside "experiment" and names it', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'dup.json');
      await writeFile(file, doc('{"mode":"concurrency","value":1,"value":1}'));
      const v = await validateFile(file);
      expect(v.valid).toBe(false);
      expect(v.problems[0]!.pointer).toBe('/experiments/0/experiment/value');
      const r = await runCli(['validate', file]);
      expect(r.code).toBe(1);
      expect(r.stderr + r.stdout).toContain('/experiments/0/experiment/value');
    });
  });

  test('"experiment" still checks its types and required keys', () => {
    expect(problemsOf(doc('{"mode":3,"value":"x"}')).map((p) => p.pointer)).toEqual(['/experiments/0/experiment/mode', '/experiments/0/experiment/value']);
    expect(problemsOf(doc('{"value":1}'))).toEqual([
      { pointer: '/experiments/0/experiment/mode', expected: 'a string such as "concurrency" or "request_rate"', found: 'none' },
    ]);
    expect(problemsOf(doc('[1]')).map((p) => p.pointer)).toEqual(['/experiments/0/experiment']);
  });
});

describe('a missing "experiments" array', () => {
  test('has a pointer to where it belongs', () => {
    const problems = problemsOf(Buffer.from('{"version":"2.41.0"}'));
    expect(problems).toEqual([
      { pointer: '/experiments', expected: 'a key "experiments" (the array of experiments) in the top-level object', found: 'none' },
    ]);
    try {
      parseInPieces(Buffer.from('{}'), 1);
      throw new Error('accepted');
    } catch (e) {
      expect((e as InputError).pointer).toBe('/experiments');
      expect((e as InputError).describe()).toContain('/experiments: expected a key "experiments"');
    }
  });
});
