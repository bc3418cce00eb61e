import { describe, expect, test } from '@jest/globals';
import { analyzeFiles } from '../../src/pipeline/analysis.js';
import { colorLevel } from '../../src/cli/color.js';
import { csvColumns, renderCsv } from '../../src/report/csv.js';
import { pythonFloat } from '../../src/report/numbers.js';
import { renderJson } from '../../src/report/json.js';
import { DEFAULT_PERCENTILES, percentileKey } from '../../src/metrics/distribution.js';
import { expectSchema } from '../helpers/schemas.js';
import { fixture, repoPath } from '../helpers/paths.js';
import { readdirSync } from 'node:fs';

describe('pythonFloat writes floats as Python str() does', () => {
  test.each([
    [0.02786491025, '0.02786491025'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1, '1.0'],
    [100, '100.0'],
    [1.5e-7, '1.5e-07'],
    [0.1, '0.1'],
    [1234.5, '1234.5'],
    [1e15, '1000000000000000.0'],
    [0.010242148601612903, '0.010242148601612903'],
    [2.5e-10, '2.5e-10'],
    [12345678.9, '12345678.9'],
    [-0.5, '-0.5'],
  ])('%p → %s', (x, text) => {
    expect(pythonFloat(x)).toBe(text);
  });
});

const validFiles = [
  ...readdirSync(fixture('valid')).map((f) => fixture('valid', f)),
  ...readdirSync(repoPath('samples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => repoPath('samples', f)),
];

describe('JSON and CSV output', () => {
  test.each(validFiles)('analysis of %s matches schemas/analysis.schema.json', async (file) => {
    for (const keepEmptyResponses of [false, true]) {
      const a = await analyzeFiles([file], { experiment: 'all', percentiles: DEFAULT_PERCENTILES, keepEmptyResponses });
      expectSchema('analysis', JSON.parse(renderJson(a)));
    }
  });

  test('CSV columns are the JSON statistics, one row per experiment × metric', async () => {
    const a = await analyzeFiles([fixture('valid', 'pa-2024-vllm-legacy.json')], { experiment: 'all', percentiles: [50, 99.9], keepEmptyResponses: false });
    const lines = renderCsv(a).trimEnd().split('\n');
    const header = lines[0]!.split(',');
    expect(header).toEqual(csvColumns([50, 99.9]));
    const dist = a.experiments[0]!.metrics.time_to_first_token;
    const statKeys = ['unit', 'count', 'mean', 'std', 'min', 'max', ...Object.keys(dist.percentiles)];
    for (const k of statKeys) expect(header).toContain(k);
    expect(Object.keys(dist.percentiles)).toEqual([percentileKey(50), percentileKey(99.9)]);
    expect(lines).toHaveLength(1 + a.experiments.length * 11);
    const ttft = lines.find((l) => l.includes(',time_to_first_token,'))!.split(',');
    expect(Number(ttft[header.indexOf('mean')])).toBe(dist.mean);
  });
});

describe('colour decision', () => {
  test.each([
    [undefined, {}, true, 1],
    [undefined, {}, false, 0],
    [undefined, { NO_COLOR: '1' }, true, 0],
    [undefined, { NO_COLOR: '' }, true, 1],
    [undefined, { FORCE_COLOR: '1' }, false, 1],
    [undefined, { FORCE_COLOR: '0' }, true, 0],
    [undefined, { TERM: 'dumb' }, true, 0],
    [true, { NO_COLOR: '1' }, false, 1],
    [false, { FORCE_COLOR: '1' }, true, 0],
  ] as const)('flag %p env %p tty %p → %p', (flag, env, tty, level) => {
    expect(colorLevel(flag, env, tty)).toBe(level);
  });
});
