/** The metric catalogue is the one list: the schema, docs/METRICS.md and every renderer follow it. */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DISTRIBUTION_METRICS, METRICS, RATE_METRICS, SWEEP_METRICS } from '../../src/metrics/catalogue.js';
import { renderCsv } from '../../src/report/csv.js';
import { analyzeFiles } from '../../src/pipeline/analysis.js';
import { renderTable } from '../../src/report/table.js';
import { Chalk } from 'chalk';
import { repoPath } from '../helpers/paths.js';

const schema = JSON.parse(readFileSync(repoPath('schemas', 'analysis.schema.json'), 'utf8'));
const docs = readFileSync(repoPath('docs', 'METRICS.md'), 'utf8');

/** GitHub's anchor of a markdown heading. */
const anchor = (heading: string): string => heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');

describe('metric catalogue', () => {
  test('keys are unique and split into distributions and rates', () => {
    expect(new Set(METRICS.map((m) => m.key)).size).toBe(METRICS.length);
    expect([...DISTRIBUTION_METRICS, ...RATE_METRICS].sort()).toEqual(METRICS.map((m) => m.key).sort());
  });

  test('schemas/analysis.schema.json names exactly the catalogue\'s metrics, with their units', () => {
    const d = schema.definitions;
    // Every catalogue metric is in the schema; metrics added later are optional there (additive changes).
    expect(Object.keys(d.experiment.properties.metrics.properties).sort()).toEqual(METRICS.map((m) => m.key).sort());
    for (const key of d.experiment.properties.metrics.required) expect(METRICS.map((m) => m.key)).toContain(key);
    expect([...d.sweepPoint.properties.metrics.required].sort()).toEqual([...SWEEP_METRICS].sort());
    for (const m of METRICS) {
      const units = m.kind === 'rate' ? d.rate.properties.unit.enum : d.distribution.properties.unit.enum;
      expect({ key: m.key, unit: units.includes(m.unit) }).toEqual({ key: m.key, unit: true });
    }
  });

  test('docs/METRICS.md has each metric\'s formula under its anchor', () => {
    const anchors = [...docs.matchAll(/^#+ (.+)$/gm)].map((h) => anchor(h[1]!));
    for (const m of METRICS) {
      expect({ key: m.key, anchor: anchors.includes(m.anchor) }).toEqual({ key: m.key, anchor: true });
      expect({ key: m.key, documented: docs.includes(`| \`${m.key}\` |`) }).toEqual({ key: m.key, documented: true });
    }
  });

  test('CSV rows and table columns follow the catalogue', async () => {
    const a = await analyzeFiles([repoPath('samples', 'vllm-concurrency-sweep.json')], { keepEmptyResponses: false, percentiles: [50], experiment: 'all' });
    const csvMetrics = renderCsv(a)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((cells) => cells[1] === '0')
      .map((cells) => cells[4]);
    expect(csvMetrics).toEqual(METRICS.map((m) => m.key));
    const table = renderTable(a, new Chalk({ level: 0 }));
    for (const m of METRICS.filter((x) => x.table === 'always')) expect(table).toContain(m.column[0]);
  });
});
