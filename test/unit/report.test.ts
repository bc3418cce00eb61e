import { describe, expect, test } from '@jest/globals';
import { analyzeFiles } from '../../src/pipeline/analysis.js';
import { csvColumns, csvPieces, renderCsv } from '../../src/report/csv.js';
import { renderTable, tablePieces } from '../../src/report/table.js';
import { colorLevel, makeChalk } from '../../src/cli/color.js';
import { pythonFloat } from '../../src/report/numbers.js';
import { jsonPieces, renderJson } from '../../src/report/json.js';
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

describe('reports made in pieces (written as they are made, never held whole)', () => {
  const options = { experiment: 'all' as const, percentiles: [...DEFAULT_PERCENTILES], keepEmptyResponses: false, detectEmptyFinals: true, threads: 1 };

  test.each(['vllm-concurrency-sweep.json', 'vllm-legacy-empty-finals.json', 'openai-chat.json'])('%s: the JSON pieces are JSON.stringify(analysis, null, 2) exactly', async (name) => {
    const a = await analyzeFiles([repoPath('samples', name)], options);
    const { figures: _figures, ...rest } = a;
    expect(renderJson(a)).toBe(JSON.stringify(rest, null, 2) + '\n');
    expect([...jsonPieces(a)].length).toBeGreaterThan(a.experiments.length);
  });

  test('empty arrays, warnings and a file of no experiments come out as JSON.stringify writes them', async () => {
    const a = await analyzeFiles([repoPath('samples', 'vllm-concurrency-sweep.json')], options);
    for (const variant of [
      { ...a, experiments: [], warnings: [] },
      { ...a, warnings: ['one', 'two "quoted"\nline'] },
      { ...a, inputs: [], experiments: a.experiments.slice(0, 1) },
    ]) {
      const { figures: _figures, ...rest } = variant;
      expect(renderJson(variant)).toBe(JSON.stringify(rest, null, 2) + '\n');
    }
  });

  test('table and CSV: the pieces join to one text, an experiment a piece', async () => {
    const a = await analyzeFiles([repoPath('samples', 'vllm-concurrency-sweep.json'), repoPath('samples', 'vllm-legacy-empty-finals.json')], options);
    const chalk = makeChalk(0);
    const table = [...tablePieces(a, chalk)];
    expect(table.length).toBeGreaterThanOrEqual(a.experiments.length + 2);
    expect(table.join('')).toBe(renderTable(a, chalk));
    expect(table.join('').split('\n').filter((l) => l.startsWith('Experiment ')).length).toBe(a.experiments.length);
    const csv = [...csvPieces(a)];
    expect(csv.length).toBe(a.experiments.length + 2);
    const lines = csv.join('').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(csvColumns(DEFAULT_PERCENTILES).join(','));
    expect(lines.length).toBeGreaterThan(a.experiments.length + 1);
  });
});
