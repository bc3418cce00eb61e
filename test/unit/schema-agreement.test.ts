/**
 * schemas/profile-export.schema.json and the streaming parser must agree: ajv on the parsed
 * document and `palens validate` give the same verdict on every fixture, except for the
 * semantic checks a schema cannot express, which only palens makes.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { validateFile } from '../../src/export/validate.js';
import { schema } from '../helpers/schemas.js';
import { fixture } from '../helpers/paths.js';

const SEMANTIC_ONLY = new Set(['response-before-request.json', 'responses-out-of-order.json', 'outputs-length-mismatch.json', 'span-over-2-53-ns.json']);

/** JSON.parse keeps the last of two equal keys, so a schema checked on its result cannot see the duplicate. */
const DUPLICATE_ONLY = new Set(['duplicate-key-in-experiment.json']);

/**
 * 1700000000000005001.5 becomes the integer 1700000000000005000 in a double, so a schema
 * checked on JSON.parse's result cannot see the fraction; only a byte-level reader can.
 */
const PRECISION_ONLY = new Set(['timestamp-float.json']);

/** Where each invalid fixture's first problem is. */
const POINTERS: Record<string, string> = {
  'bom.json': '',
  'empty-experiments.json': '/experiments',
  'empty.json': '',
  'experiment-without-mode.json': '/experiments/0/experiment/mode',
  'experiments-not-a-list.json': '/experiments',
  'missing-experiments.json': '/experiments',
  'duplicate-key-in-experiment.json': '/experiments/0/experiment/value',
  'span-over-2-53-ns.json': '/experiments/0/requests/1',
  'missing-response-timestamps.json': '/experiments/0/requests/1',
  'missing-timestamp.json': '/experiments/0/requests/1',
  'not-json.json': '',
  'outputs-length-mismatch.json': '/experiments/0/requests/3/response_outputs',
  'requests-not-a-list.json': '/experiments/0/requests',
  'response-before-request.json': '/experiments/0/requests/1/response_timestamps/1',
  'response-timestamp-string.json': '/experiments/0/requests/1/response_timestamps/1',
  'responses-out-of-order.json': '/experiments/0/requests/0/response_timestamps/2',
  'timestamp-float.json': '/experiments/0/requests/1/timestamp',
  'timestamp-negative.json': '/experiments/0/requests/1/timestamp',
  'timestamp-string.json': '/experiments/0/requests/1/timestamp',
  'top-level-array.json': '',
  'trailing-garbage.json': '',
  'truncated.json': '/experiments/0/requests/0',
  'version-not-a-string.json': '/version',
};

function ajvVerdict(path: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
  return schema('profile-export')(doc);
}

describe('schema and parser agree', () => {
  test.each(readdirSync(fixture('valid')))('valid/%s', async (name) => {
    const path = fixture('valid', name);
    expect(ajvVerdict(path)).toBe(true);
    const v = await validateFile(path);
    expect(v.problems).toEqual([]);
    expect(v.valid).toBe(true);
  });

  test.each(readdirSync(fixture('invalid')))('invalid/%s', async (name) => {
    const path = fixture('invalid', name);
    const v = await validateFile(path);
    expect(v.valid).toBe(false);
    expect(v.problems[0]!.pointer).toBe(POINTERS[name]);
    if (PRECISION_ONLY.has(name)) {
      expect(ajvVerdict(path)).toBe(true);
      expect(Number.isInteger(JSON.parse(readFileSync(path, 'utf8')).experiments[0].requests[1].timestamp)).toBe(true);
    } else if (DUPLICATE_ONLY.has(name)) {
      expect(ajvVerdict(path)).toBe(true);
      expect(v.problems[0]!.found).toBe('a duplicate key');
    } else if (SEMANTIC_ONLY.has(name)) {
      expect(ajvVerdict(path)).toBe(true);
      expect(v.problems[0]!.code).toBe('PALENS_INPUT_SEMANTIC');
    } else {
      expect(ajvVerdict(path)).toBe(false);
    }
  });

  test('every invalid fixture has an expected pointer', () => {
    expect(readdirSync(fixture('invalid')).sort()).toEqual(Object.keys(POINTERS).sort());
  });
});
