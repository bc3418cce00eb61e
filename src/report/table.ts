/** The human-readable report: one block per experiment, statistics down, metrics across. */
import type { ChalkInstance } from 'chalk';
import type { Analysis, FileExperiment, InputSummary } from './analysis.js';
import { DISTRIBUTION_METRICS, metricSpec, RATE_METRICS } from '../metrics/catalogue.js';
import type { Distribution } from '../metrics/distribution.js';
import { describeEmptyFinals } from '../metrics/used-responses.js';
import { percentileKey } from '../metrics/distribution.js';
import type { SweepSummary } from '../sweep/sweep.js';
import { fitLines, sweepHeader, sweepLegend, sweepRow } from './sweep-text.js';
import { bytes, duration, grouped, ms, pythonFloat } from './numbers.js';
import { printable } from '../printable.js';
import { peerTitle } from './input-kind.js';

// One formatter each: toLocaleString builds a new Intl.NumberFormat per call (seconds per 10,000 experiments).
const WHOLE = new Intl.NumberFormat('en-US');
const TWO_DECIMALS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

interface Column {
  title: readonly [string, string];
  dist: Distribution;
  format: (v: number | null) => string;
}

/**
 * @param width the terminal's columns when the table goes to one: an experiment's metric columns
 *   are then split into blocks that fit (each with the row labels); unlimited by default (a file,
 *   a pipe), so that output is the same wherever it is read.
 */
export function renderTable(a: Analysis, c: ChalkInstance, width = Infinity): string {
  return [...tablePieces(a, c, width)].join('');
}

/** The text of {@link renderTable} in pieces, an experiment at a time (a long report is written as it is made). */
export function* tablePieces(a: Analysis, c: ChalkInstance, width = Infinity): Generator<string> {
  const head: string[] = [];
  if (a.sweep) head.push(...sweepBlock(a.sweep, a, c));
  else for (const input of a.inputs) head.push(c.bold(`palens analyze · ${printable(input.file)}`) + c.dim(` · ${describeInput(input)}`));
  // Lines joined by '\n', then a final '\n': each piece after the first starts with its separator.
  let first = head.length === 0;
  if (!first) yield head.join('\n');
  const lines = function* (block: string[]): Generator<string> {
    if (block.length === 0) return;
    yield (first ? '' : '\n') + block.join('\n');
    first = false;
  };
  for (const e of a.experiments) yield* lines(['', ...experimentBlock(e, a, c, width)]);
  if (a.warnings.length > 0) yield* lines(['', ...a.warnings.map((w) => c.yellow(`warning: ${printable(w)}`))]);
  yield '\n';
}

function describeInput(i: InputSummary): string {
  const who = i.format !== undefined && i.format !== 'perf_analyzer' ? peerTitle(i.format, i.version) : i.version === null ? 'perf_analyzer export' : i.version.startsWith('palens') ? `${i.version} capture` : `perf_analyzer ${i.version}`;
  const kind = i.service_kind ? `, ${i.service_kind}` : '';
  // version and service_kind are the file's own text: printed escaped, like a file name.
  return `${printable(who)}${printable(kind)} · ${bytes(i.bytes)}${i.compressed ? ' (gzip)' : ''}${i.truncated ? ' · TRUNCATED (ends early)' : ''}`;
}

function experimentBlock(e: FileExperiment, a: Analysis, c: ChalkInstance, width: number): string[] {
  const lines: string[] = [];
  const load = e.mode === null ? '' : ` · ${printable(e.mode.replace('_', ' '))} ${e.value}`;
  // No windows (a capture cut short before its first, a --request-count run): nothing to say here.
  const windows = e.windows === null || e.windows === 0 ? '' : ` · ${e.windows} window${e.windows === 1 ? '' : 's'}`;
  const fileNote = a.inputs.length > 1 ? c.dim(` (${printable(e.file)})`) : '';
  lines.push(c.bold.cyan(`Experiment ${e.index}${load}${windows}`) + fileNote);
  const failed = e.requests.failed > 0 ? c.red(`failed ${grouped(e.requests.failed)}`) : `failed 0`;
  const dropped = e.responses.empty_dropped > 0 ? ` (${grouped(e.responses.empty_dropped)} empty dropped)` : e.responses.empty > 0 ? ` (${grouped(e.responses.empty)} empty kept)` : '';
  lines.push(
    `  requests ${grouped(e.requests.total)} · completed ${grouped(e.requests.completed)} · ${failed}` +
      ` · responses ${grouped(e.responses.total)}${dropped} · duration ${duration(e.duration_ns)}`,
  );
  if (e.empty_finals !== null) {
    const line = `  ${describeEmptyFinals(e.empty_finals, a.options.keep_empty_responses)}`;
    lines.push(e.empty_finals.recognised ? line : c.yellow(line));
  }
  if (e.requests.completed === 0) {
    // Nothing completed: no throughput and no distribution to show, only why.
    lines.push(`  no request completed${e.requests.total === 0 ? ' (the experiment has none)' : ''}: no latency, throughput or distribution to show`);
    return lines;
  }
  const rate = (v: number | null, unit: string): string => (v === null ? '–' : `${v.toFixed(2)} ${unit}`);
  lines.push(`  throughput ${RATE_METRICS.map((key) => rate(e.metrics[key].value, metricSpec(key).unit)).join(' · ')}`);
  const g = e.goodput;
  if (g !== null && g !== undefined) {
    lines.push(`  goodput ${g.fraction === null ? '–' : `${(100 * g.fraction).toFixed(1)}%`} of requests (${grouped(g.met)} of ${grouped(g.requests)}) · ${rate(g.requests_per_second, 'requests/s')} · SLO ${g.slo}`);
  }
  lines.push('');

  const count = (v: number | null): string => (v === null ? '–' : (Number.isInteger(v) ? WHOLE : TWO_DECIMALS).format(v));
  const columns: Column[] = [];
  for (const key of DISTRIBUTION_METRICS) {
    const spec = metricSpec(key);
    const dist = e.metrics[key];
    if (spec.table === 'never' || (spec.table === 'when-counted' && dist.count === 0)) continue;
    columns.push({ title: spec.column, dist, format: spec.unit === 'ns' ? ms : count });
  }
  // Times first, then counts (responses, prompt words and chars), whatever order the catalogue adds metrics in.
  columns.sort((x, y) => Number(x.format !== ms) - Number(y.format !== ms));
  const rows: [string, (d: Distribution, f: Column['format']) => string][] = [
    ['count', (d) => grouped(d.count)],
    ['mean', (d, f) => f(d.mean)],
    ['std', (d, f) => f(d.std)],
    ['min', (d, f) => f(d.min)],
    ...a.options.percentiles.map(
      (p) => [`p${p}`, (d: Distribution, f: Column['format']) => f(d.percentiles[percentileKey(p)] ?? null)] as [string, (d: Distribution, f: Column['format']) => string],
    ),
    ['max', (d, f) => f(d.max)],
  ];
  const cells = rows.map(([, get]) => columns.map((col) => get(col.dist, col.format)));
  const widths = columns.map((col, j) => Math.max(col.title[0].length, col.title[1].length, ...cells.map((r) => r[j]!.length)));
  const labelWidth = Math.max(...rows.map(([l]) => l.length));
  const pad = ' '.repeat(labelWidth + 2);
  // Columns in blocks that fit the terminal (at least one column per block).
  const blocks: number[][] = [];
  let used = Infinity;
  columns.forEach((_, j) => {
    const w = widths[j]! + 2;
    if (used + w > width || blocks.length === 0) {
      blocks.push([]);
      used = 2 + labelWidth;
    }
    blocks[blocks.length - 1]!.push(j);
    used += w;
  });
  for (const block of blocks) {
    lines.push(c.dim(`  ${pad}${block.map((j) => columns[j]!.title[0].padStart(widths[j]!)).join('  ')}`));
    lines.push(c.dim(`  ${pad}${block.map((j) => columns[j]!.title[1].padStart(widths[j]!)).join('  ')}`));
    rows.forEach(([label], r) => {
      lines.push(`  ${label.padEnd(labelWidth)}  ${block.map((j) => cells[r]![j]!.padStart(widths[j]!)).join('  ')}`);
    });
    lines.push('');
  }
  // An OpenAI stream's event can carry several tokens: its "token-to-token" gaps are between events.
  if (a.inputs.find((i) => i.file === e.file)?.service_kind === 'openai' && e.metrics.token_to_token_latency.count > 0) {
    lines.push(c.dim('  (OpenAI: token-to-token latency is between streamed events, each of which may carry several tokens; docs/METRICS.md, "OpenAI captures")'));
  }
  const ttft = e.metrics.time_to_first_token.mean;
  const t2t = e.metrics.token_to_token_latency.mean;
  // The seed's two lines, as it printed them; where it had nothing to average, say why instead of Python's None.
  lines.push(`  Average time to first token: ${ttft === null ? 'none (no completed request)' : `${pythonFloat(ttft / 1e9)} s`}`);
  lines.push(`  Average token-to-token latency: ${t2t === null ? 'none (no request has two timed responses)' : `${pythonFloat(t2t / 1e9)} s`}`);
  return lines;
}

function sweepBlock(s: SweepSummary, a: Analysis, c: ChalkInstance): string[] {
  const lines: string[] = [];
  const total = a.inputs.reduce((n, i) => n + i.bytes, 0);
  lines.push(c.bold(`palens analyze --sweep · ${a.inputs.length} file${a.inputs.length === 1 ? '' : 's'}`) + c.dim(` · ${bytes(total)}`));
  const by = `length by ${s.length_by}${s.tokenizer ? ` (${s.tokenizer})` : ''}${s.bucket ? `, bucketed to ${s.bucket}` : ''}`;
  lines.push(`  ${by} · requests ${grouped(s.requests)} · ${s.points.length} lengths${s.requests_without_length ? ` · ${grouped(s.requests_without_length)} without a length` : ''}`);
  lines.push('');
  const header = sweepHeader(s.unit);
  const rows = s.points.map(sweepRow);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  lines.push(c.dim('  ' + header.map((h, j) => h.padStart(widths[j]!)).join('  ')));
  for (const r of rows) lines.push('  ' + r.map((v, j) => v.padStart(widths[j]!)).join('  '));
  lines.push(c.dim(`  ${sweepLegend()}`));
  lines.push('');
  for (const l of fitLines(s)) lines.push(`  ${c.cyan(l)}`);
  const cap = s.slo_capacity;
  if (cap !== null && cap !== undefined) {
    const goodputs = s.points.map((p) => `${p.length}: ${p.goodput?.fraction === null || p.goodput === null ? '–' : `${(100 * p.goodput.fraction).toFixed(1)}%`}`).join(', ');
    const end = (v: number | null): string => (v === null ? 'none' : String(v));
    lines.push(`  goodput (${s.points[0]?.goodput?.slo ?? ''}) by ${s.unit}: ${goodputs}`);
    lines.push(`  largest ${s.unit.replace(/s$/, '')} length with goodput ≥ ${(100 * cap.target).toFixed(0)}%: ${end(cap.length)} (95% interval ${end(cap.interval[0])} – ${end(cap.interval[1])})`);
  }
  return lines;
}

