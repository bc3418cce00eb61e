/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network) with the
 * charts and tables of an analysis or a sweep. Renders the Analysis object (its figures carry the
 * exact curves); computes nothing new. Everything it draws is bounded (MAX_CURVES curves and
 * MAX_POINTS dots per chart, MAX_ROWS table rows, MAX_SECTIONS experiment blocks), so the page
 * stays small whatever the input (docs/METRICS.md, "The HTML report").
 */
import type { Analysis, FileExperiment } from './analysis.js';
import { DISTRIBUTION_METRICS, metricSpec } from '../metrics/catalogue.js';
import { type Distribution, percentileKey } from '../metrics/distribution.js';
import { type ExperimentFigures, MAX_CURVES } from '../metrics/figures.js';
import { type Figure, figureHtml, histogramFigure, cdfFigure, type DistributionCurve } from './charts.js';
import { goodputText } from './html-goodput.js';
import { inputKind, noGapsReason, sizeText } from './input-kind.js';
import { loadSection } from './html-load.js';
import { positionsSection } from './html-positions.js';
import { timelineSection } from './html-timeline.js';
import { PAGE_STYLE, page, table } from './html-page.js';
import { sweepSection } from './html-sweep.js';
import { esc, orderedColors } from './svg.js';

/** Experiment blocks (tables) written in full; the rest are named in one line (the JSON has them all). */
const MAX_SECTIONS = 64;
/** Experiments with their own histograms. */
const MAX_HISTOGRAMS = 4;

export interface HtmlOptions {
  /** Inputs known to be palens captures (a sidecar beside them): labelled as such. */
  captures?: ReadonlySet<string>;
}

const msCell = (ns: number | null): string => (ns === null ? '–' : (ns / 1e6).toFixed(3));


function experimentName(e: FileExperiment, a: Analysis): string {
  const file = a.inputs.length > 1 ? `${e.file.split('/').pop()} · ` : '';
  return `${file}exp ${e.index}${e.mode === null ? '' : ` · ${e.mode.replace('_', ' ')} ${e.value}`}`;
}

/** Value columns per statistics table: more (many --percentiles) would run past a 1280 px page. */
const MAX_VALUE_COLUMNS = 9;

function distributionTable(rows: [string, Distribution][], percentiles: readonly number[]): string {
  const fmt = (d: Distribution, v: number | null): string => (v === null ? '–' : d.unit === 'ns' ? msCell(v) : Number(v.toFixed(2)).toLocaleString('en-US'));
  const columns: [string, (d: Distribution) => string][] = [
    ['count', (d) => String(d.count)],
    ['mean', (d) => fmt(d, d.mean)],
    ['std', (d) => fmt(d, d.std)],
    ['min', (d) => fmt(d, d.min)],
    ...percentiles.map((p): [string, (d: Distribution) => string] => [`p${p}`, (d) => fmt(d, d.percentiles[percentileKey(p)] ?? null)]),
    ['max', (d) => fmt(d, d.max)],
  ];
  // Split into tables of near-equal width, each repeating the metric and unit, so the tail columns
  // (p99, p99.9, max) are on the page rather than behind a horizontal scroll.
  const parts = Math.ceil(columns.length / MAX_VALUE_COLUMNS);
  const size = Math.ceil(columns.length / parts);
  const out: string[] = [];
  for (let k = 0; k < columns.length; k += size) {
    const chunk = columns.slice(k, k + size);
    const body = rows.map(([name, d]) => [name, d.unit === 'ns' ? 'ms' : d.unit, ...chunk.map(([, get]) => get(d))]);
    out.push(table(['metric', 'unit', ...chunk.map(([h]) => h)], body));
  }
  return out.join('');
}

function experimentBlock(e: FileExperiment, a: Analysis): string {
  const m = e.metrics;
  // The catalogue decides which metrics a block shows and in what order, as for the text table.
  const rows: [string, Distribution][] = [];
  for (const key of DISTRIBUTION_METRICS) {
    const spec = metricSpec(key);
    const dist = m[key];
    if (spec.table === 'never' || (spec.table === 'when-counted' && dist.count === 0)) continue;
    rows.push([spec.title, dist]);
  }
  const rate = (v: number | null): string => (v === null ? '–' : v.toFixed(2));
  const failed = e.requests.failed > 0 ? `<strong class="bad">failed ${e.requests.failed}</strong>` : 'failed 0';
  return `<h3>${esc(experimentName(e, a))}</h3>
<p class="meta">requests ${e.requests.total} · completed ${e.requests.completed} · ${failed} · responses ${e.responses.total} (${e.responses.empty_dropped} empty dropped) · ${rate(m.request_throughput.value)} requests/s · ${rate(m.output_response_throughput.value)} responses/s</p>
${e.goodput === null ? '' : `<p class="meta">${esc(goodputText(e.goodput))}</p>`}
${distributionTable(rows, a.options.percentiles)}`;
}

/** The headline: one row per experiment, the numbers people look for first. */
function headline(a: Analysis): string {
  const slo = a.experiments.find((e) => e.goodput !== null)?.goodput?.slo ?? null;
  const head = ['experiment', 'requests', 'failed', 'TTFT p50', 'TTFT p99', 't2t p50', 't2t p99', 'requests/s', 'responses/s', ...(slo === null ? [] : ['goodput', 'goodput req/s'])];
  const q = (d: Distribution, p: number): string => msCell(d.percentiles[percentileKey(p)] ?? null);
  const rows = a.experiments.slice(0, MAX_SECTIONS * 4).map((e) => {
    const m = e.metrics;
    return [
      experimentName(e, a),
      String(e.requests.total),
      String(e.requests.failed),
      q(m.time_to_first_token, 50),
      q(m.time_to_first_token, 99),
      q(m.token_to_token_latency, 50),
      q(m.token_to_token_latency, 99),
      m.request_throughput.value === null ? '–' : m.request_throughput.value.toFixed(2),
      m.output_response_throughput.value === null ? '–' : m.output_response_throughput.value.toFixed(2),
      ...(slo === null ? [] : [e.goodput?.fraction == null ? '–' : `${(100 * e.goodput.fraction).toFixed(1)}%`, e.goodput?.requests_per_second == null ? '–' : e.goodput.requests_per_second.toFixed(2)]),
    ];
  });
  const sloNote = slo === null ? '' : ` Goodput: requests meeting the SLO ${slo} (completed, every bound held), as a share of all requests and per second.`;
  return `${table(head, rows)}<p class="note">Times in ms; t2t = token-to-token latency (every gap between consecutive responses, pooled).${esc(sloNote)}</p>`;
}

const leftOut = (what: string, why: string): string => `<p class="leftout">${esc(what)} left out: ${esc(why)}</p>`;

function distributionCharts(a: Analysis, figs: readonly ExperimentFigures[]): string {
  const shown = a.experiments.slice(0, MAX_CURVES);
  const colors = orderedColors(shown.length);
  const out: string[] = [];
  if (a.experiments.length > MAX_CURVES) out.push(`<p class="note">Curves for the first ${MAX_CURVES} of ${a.experiments.length} experiments.</p>`);
  const curves = (metric: keyof ExperimentFigures, pick: (e: FileExperiment) => Distribution): DistributionCurve[] =>
    shown.flatMap((e, i) => {
      const c = figs[i]?.[metric];
      return c ? [{ name: experimentName(e, a), color: colors[i]!, curve: c, dist: pick(e) }] : [];
    });
  const cdfs: [string, string, string, string, keyof ExperimentFigures, (e: FileExperiment) => Distribution, string][] = [
    ['ttft-cdf', 'Time to first token: cumulative distribution', 'time to first token', 'request', 'time_to_first_token', (e) => e.metrics.time_to_first_token, 'no request completed'],
    ['t2t-cdf', 'Token-to-token latency: cumulative distribution', 'token-to-token latency', 'gap', 'token_to_token_latency', (e) => e.metrics.token_to_token_latency, noGapsReason(a.inputs, 'no request had two or more responses (prefill only)')],
    ['latency-cdf', 'Request latency: cumulative distribution', 'request latency', 'request', 'request_latency', (e) => e.metrics.request_latency, 'no request completed'],
  ];
  for (const [id, title, metric, noun, key, pick, why] of cdfs) {
    const fig = cdfFigure(id, title, metric, noun, curves(key, pick));
    out.push(fig === null ? leftOut(title, why) : figureHtml(fig));
  }
  const hist: Figure[] = [];
  const histShown = a.experiments.slice(0, MAX_HISTOGRAMS);
  histShown.forEach((e, i) => {
    const f = figs[i];
    if (!f) return;
    const name = a.experiments.length > 1 ? ` · ${experimentName(e, a)}` : '';
    const t = f.time_to_first_token;
    const g = f.token_to_token_latency;
    if (t) hist.push(histogramFigure(`ttft-hist-${i}`, `Time to first token${name}`, 'time to first token', 'request', { name: '', color: colors[i]!, curve: t, dist: e.metrics.time_to_first_token })!);
    if (g) hist.push(histogramFigure(`t2t-hist-${i}`, `Token-to-token latency${name}`, 'token-to-token latency', 'gap', { name: '', color: colors[i]!, curve: g, dist: e.metrics.token_to_token_latency })!);
  });
  if (hist.length > 0) {
    out.push(`<h3>Histograms</h3>`);
    if (a.experiments.length > MAX_HISTOGRAMS) out.push(`<p class="note">Histograms of the first ${MAX_HISTOGRAMS} of ${a.experiments.length} experiments; the cumulative distributions above show all.</p>`);
    out.push(`<div class="grid2">${hist.map(figureHtml).join('')}</div>`);
  }
  return out.join('\n');
}

function experimentPositions(a: Analysis): string {
  const shown = a.experiments.slice(0, MAX_CURVES);
  const colors = orderedColors(shown.length);
  const series = shown.map((e, i) => ({ name: a.experiments.length > 1 ? experimentName(e, a) : '', color: colors[i]!, stats: e.inter_token_latency_by_position }));
  const more = a.experiments.length > MAX_CURVES ? `<p class="note">The first ${MAX_CURVES} of ${a.experiments.length} experiments.</p>` : '';
  return more + positionsSection(series, 'experiment', 'itl', noGapsReason(a.inputs, 'no request had two or more responses with every gap timed'));
}

function inputsTable(a: Analysis, o: HtmlOptions): string {
  const rows = a.inputs.map((i) => [i.file, inputKind(i, o.captures), i.service_kind ?? '–', String(i.experiments), String(i.requests), sizeText(i.bytes)]);
  return table(['file', 'what it is', 'service', 'experiments', 'requests', 'size'], rows, [0, 1], [0]);
}

function subtitle(a: Analysis, o: HtmlOptions): string {
  if (a.inputs.length === 1) {
    const i = a.inputs[0]!;
    return `${i.file} — ${inputKind(i, o.captures)} · ${i.requests} requests`;
  }
  const kinds = [...new Set(a.inputs.map((i) => inputKind(i, o.captures).replace(/ \d[\w.]*/, '')))];
  return `${a.inputs.length} inputs (${kinds.join(', ')}) · ${a.inputs.reduce((s, i) => s + i.requests, 0)} requests`;
}

export function renderHtml(a: Analysis, o: HtmlOptions = {}): string {
  const title = a.sweep ? 'palens sweep report' : 'palens analysis report';
  const warnings = a.warnings.length === 0 ? '' : `<div class="warn"><strong>Warnings</strong><ul>${a.warnings.slice(0, 50).map((w) => `<li>${esc(w)}</li>`).join('')}${a.warnings.length > 50 ? `<li>… ${a.warnings.length - 50} more (in the JSON output)</li>` : ''}</ul></div>`;
  const sections: string[] = [];
  if (a.sweep) sections.push(sweepSection(a.sweep, a.figures?.sweep ?? null, a.inputs));
  if (a.experiments.length > 0) {
    sections.push(`<h2>Experiments</h2>`, headline(a));
    sections.push(loadSection(a));
    if (a.figures) sections.push(`<h2>Distributions</h2>`, distributionCharts(a, a.figures.experiments));
    else sections.push(leftOut('Distribution charts', 'the analysis was made without figures (analyzeFiles(…, { figures: true }) draws them)'));
    // A sweep draws these per prompt length instead (its experiments are its files).
    if (!a.sweep) sections.push(`<h2>Inter-token latency by output position</h2>`, experimentPositions(a), timelineSection(a));
    sections.push(`<h2>Statistics per experiment</h2>`);
    for (const e of a.experiments.slice(0, MAX_SECTIONS)) sections.push(experimentBlock(e, a));
    if (a.experiments.length > MAX_SECTIONS) sections.push(`<p class="note">${a.experiments.length - MAX_SECTIONS} more experiments: see --format json or csv.</p>`);
  }
  const meta = `palens ${esc(a.tool.version)} · percentiles ${a.options.percentiles.join(', ')} · empty responses ${a.options.keep_empty_responses ? 'kept' : 'dropped'}`;
  return page(title, `<p class="sub">${esc(subtitle(a, o))}</p><p class="meta">${meta}</p>${warnings}${sections.join('\n')}<h2>Inputs</h2>${inputsTable(a, o)}`);
}

export { PAGE_STYLE };
