/**
 * Tidy CSV: one row per experiment × metric, columns derived from the same fields as the JSON
 * (test/unit/report.test.ts checks the two agree). A one-number result (a rate, a goodput) has its
 * number in `value` and its statistics columns empty, in both the per-experiment and the sweep CSV.
 */
import { printable } from '../printable.js';
import type { Analysis } from './analysis.js';
import { percentileKey } from '../metrics/distribution.js';
import { DISTRIBUTION_METRICS, RATE_METRICS, SWEEP_METRICS } from '../metrics/catalogue.js';

export const CSV_FIXED_COLUMNS = ['file', 'experiment', 'mode', 'load', 'metric', 'unit', 'count', 'mean', 'std', 'min', 'max'] as const;

export function csvColumns(percentiles: readonly number[]): string[] {
  return [...CSV_FIXED_COLUMNS, ...percentiles.map(percentileKey), 'value'];
}

export const SWEEP_CSV_FIXED_COLUMNS = ['length', 'length_unit', 'metric', 'unit', 'count', 'mean', 'std', 'min', 'max'] as const;

export function sweepCsvColumns(percentiles: readonly number[]): string[] {
  return [...SWEEP_CSV_FIXED_COLUMNS, ...percentiles.map(percentileKey), 'value'];
}

/**
 * A sweep as CSV: one row per prompt length × metric. With --slo, each length adds the two goodput
 * rows of the per-experiment CSV (`goodput_fraction`: count = requests, value = fraction;
 * `goodput`: count = requests meeting the SLO, value = requests/s), and the sweep ends with its SLO
 * capacity, rows without a length: `slo_target` (fraction), `slo_capacity` (the largest length
 * reaching it; count = bootstrap rounds), `slo_capacity_low` and `slo_capacity_high` (its 95%
 * interval). An empty value there is "no length reached the target", as `null` in the JSON.
 */
function renderSweepCsv(a: Analysis): string {
  const s = a.sweep!;
  const pKeys = a.options.percentiles.map(percentileKey);
  const lines = [sweepCsvColumns(a.options.percentiles).join(',')];
  const single = (length: number | null, metric: string, unit: string, count: number | null, value: number | null): string =>
    row([length, s.unit, metric, unit, count, null, null, null, null, ...pKeys.map(() => null), value]);
  for (const p of s.points) {
    for (const name of SWEEP_METRICS) {
      const d = p.metrics[name];
      lines.push(row([p.length, s.unit, name, d.unit, d.count, d.mean, d.std, d.min, d.max, ...pKeys.map((k) => d.percentiles[k] ?? null), null]));
    }
    const g = p.goodput;
    if (g !== null && g !== undefined) {
      lines.push(single(p.length, 'goodput_fraction', 'fraction', g.requests, g.fraction));
      lines.push(single(p.length, 'goodput', 'requests/s', g.met, g.requests_per_second));
    }
  }
  const cap = s.slo_capacity;
  if (cap !== null && cap !== undefined) {
    lines.push(single(null, 'slo_target', 'fraction', null, cap.target));
    lines.push(single(null, 'slo_capacity', s.unit, cap.rounds, cap.length));
    lines.push(single(null, 'slo_capacity_low', s.unit, cap.rounds, cap.interval[0]));
    lines.push(single(null, 'slo_capacity_high', s.unit, cap.rounds, cap.interval[1]));
  }
  return lines.join('\n') + '\n';
}

export function renderCsv(a: Analysis): string {
  return [...csvPieces(a)].join('');
}

/** The text of {@link renderCsv} in pieces, an experiment at a time (a long report is written as it is made). */
export function* csvPieces(a: Analysis): Generator<string> {
  if (a.sweep) {
    yield renderSweepCsv(a);
    return;
  }
  const columns = csvColumns(a.options.percentiles);
  yield columns.join(',');
  const pKeys = a.options.percentiles.map(percentileKey);
  for (const e of a.experiments) {
    // Each experiment's rows, each after its line break.
    const lines: string[] = [''];
    const head = [e.file, e.index, e.mode, e.value];
    for (const name of DISTRIBUTION_METRICS) {
      const d = e.metrics[name];
      lines.push(row([...head, name, d.unit, d.count, d.mean, d.std, d.min, d.max, ...pKeys.map((k) => d.percentiles[k] ?? null), null]));
    }
    for (const name of RATE_METRICS) {
      const r = e.metrics[name];
      lines.push(row([...head, name, r.unit, null, null, null, null, null, ...pKeys.map(() => null), r.value]));
    }
    if (e.goodput !== null && e.goodput !== undefined) {
      lines.push(row([...head, 'goodput_fraction', 'fraction', e.goodput.requests, null, null, null, null, ...pKeys.map(() => null), e.goodput.fraction]));
      lines.push(row([...head, 'goodput', 'requests/s', e.goodput.met, null, null, null, null, ...pKeys.map(() => null), e.goodput.requests_per_second]));
    }
    yield lines.join('\n');
  }
  yield '\n';
}

function row(cells: readonly (string | number | null)[]): string {
  return cells.map(cell).join(',');
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  // A file name or mode is the input's text: escaped as everywhere else palens prints it (a CSV is
  // read in a terminal too, `| column -s, -t`), then quoted for CSV.
  const text = printable(v);
  return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
