/**
 * `palens compare --html`: A and B overlaid per group (their exact curves, percentiles marked), every
 * B − A with its 95% bootstrap interval as a share of A, and the gate's verdict first. One
 * self-contained page, like the analysis report; it draws what compare computed and nothing more.
 */
import type { Gate, GroupComparison, MetricComparison, StatisticComparison } from '../compare/compare.js';
import type { ExperimentSummary } from '../metrics/experiment.js';
import { type ExperimentFigures, MAX_CURVES, spreadIndexes } from '../metrics/figures.js';
import { cdfFigure, type DistributionCurve, figureHtml } from './charts.js';
import type { HtmlOptions } from './html.js';
import { page, table } from './html-page.js';
import { BRIGHT, esc, niceTicks, tickLabel } from './svg.js';

/** What `palens compare` computed (its JSON document). */
export interface ComparisonView {
  a: string[];
  b: string[];
  grouping: 'length' | 'experiment';
  length_by: string | null;
  bootstrap: { rounds: number; seed: number; gap_reservoir: number };
  groups: GroupComparison[];
  only_in_a: number[];
  only_in_b: number[];
  gate: Gate | null;
  warnings: string[];
}

/** One side of a group: its summary and the shapes of its samples. */
export type Side = (key: number) => { summary: ExperimentSummary; figures: ExperimentFigures };

const METRIC_WORDS: Record<string, { title: string; noun: string }> = {
  time_to_first_token: { title: 'time to first token', noun: 'request' },
  token_to_token_latency: { title: 'token-to-token latency', noun: 'gap' },
  inter_token_latency: { title: 'inter-token latency', noun: 'request' },
  request_latency: { title: 'request latency', noun: 'request' },
};
const STATS = ['mean', 'p50', 'p99'] as const;
/** Groups given a section (the rest are counted; --format json has them all): keeps the page under 2 MB. */
const MAX_GROUPS = 100;

const ms = (ns: number | null): string => (ns === null ? '–' : (ns / 1e6).toFixed(3));
const pct = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}%`);

function verdict(v: ComparisonView, kind: string): string {
  if (v.gate === null) return `<div class="verdict">No gate: --fail-if-slower was not given. Intervals below are 95% bootstrap intervals (${v.bootstrap.rounds} rounds).</div>`;
  const g = v.gate;
  const what = `${g.metrics.map((m) => METRIC_WORDS[m]?.title ?? m).join(', ')} · ${g.statistic} · threshold ${g.threshold_percent}%`;
  if (g.failures.length === 0) return `<div class="verdict pass">Gate passed: B is not slower than A by more than ${g.threshold_percent}% with an interval above zero (${esc(what)}).</div>`;
  const items = g.failures.map((f) => `<li>${esc(kind)} ${f.key}: ${esc(METRIC_WORDS[f.metric]?.title ?? f.metric)} ${esc(g.statistic)} ${pct(f.relative)}, 95% interval from +${ms(f.ci_low_ns)} ms</li>`).join('');
  return `<div class="verdict fail">Gate failed: ${g.failures.length} slower by more than ${g.threshold_percent}% (${esc(what)})<ul>${items}</ul></div>`;
}

interface Row {
  label: string;
  s: StatisticComparison;
  failed: boolean;
}

/**
 * Every B − A as a share of A with its 95% interval, one row each: a forest plot. Red when the
 * interval lies above zero (slower), green below (faster), grey when it holds zero.
 */
function forest(id: string, title: string, rows: readonly Row[], threshold: number | null): string {
  const live = rows.filter((r) => r.s.relative !== null && r.s.a !== null && r.s.a !== 0);
  if (live.length === 0) return '';
  const rel = (ns: number | null, a: number): number | null => (ns === null ? null : (100 * ns) / a);
  const spans = live.flatMap((r) => [r.s.relative! * 100, rel(r.s.ci_low_ns, r.s.a!) ?? 0, rel(r.s.ci_high_ns, r.s.a!) ?? 0]);
  if (threshold !== null) spans.push(threshold);
  let lo = Math.min(0, ...spans);
  let hi = Math.max(0, ...spans);
  const pad = (hi - lo || 1) * 0.08;
  lo -= pad;
  hi += pad;
  const width = 880;
  const left = 280;
  const right = 30;
  const top = 34;
  const rowH = 22;
  const height = top + live.length * rowH + 44;
  const sx = (v: number): number => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const f = (v: number): string => v.toFixed(1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${esc(id)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`,
    `<text class="title" x="${left}" y="18">${esc(title)}</text>`,
  ];
  const bottom = top + live.length * rowH;
  for (const t of niceTicks(lo, hi, 8)) {
    parts.push(`<line class="grid" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${top}" y2="${bottom}"/><text class="tick" x="${f(sx(t))}" y="${bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  parts.push(`<line class="axis" x1="${f(sx(0))}" x2="${f(sx(0))}" y1="${top - 4}" y2="${bottom}"/>`);
  if (threshold !== null) parts.push(`<line stroke="${BRIGHT.red}" stroke-dasharray="5 3" x1="${f(sx(threshold))}" x2="${f(sx(threshold))}" y1="${top - 4}" y2="${bottom}"/><text class="tick" x="${f(sx(threshold) + 4)}" y="${top - 6}">gate +${threshold}%</text>`);
  parts.push(`<text class="label" x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">B − A, % of A (95% bootstrap interval)</text>`);
  live.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const lowP = rel(r.s.ci_low_ns, r.s.a!);
    const highP = rel(r.s.ci_high_ns, r.s.a!);
    const color = lowP !== null && lowP > 0 ? BRIGHT.red : highP !== null && highP < 0 ? BRIGHT.green : '#6b7280';
    parts.push(`<text class="legend" x="${left - 10}" y="${f(y + 4)}" text-anchor="end"${r.failed ? ' font-weight="700"' : ''}>${esc(r.label)}</text>`);
    if (lowP !== null && highP !== null) parts.push(`<path class="interval" stroke="${color}" stroke-width="2" d="M${f(sx(lowP))},${f(y)}H${f(sx(highP))}M${f(sx(lowP))},${f(y - 4)}V${f(y + 4)}M${f(sx(highP))},${f(y - 4)}V${f(y + 4)}"/>`);
    const p = r.s.relative! * 100;
    parts.push(`<circle class="mark" cx="${f(sx(p))}" cy="${f(y)}" r="4.5" fill="${color}"><title>${esc(r.label)}: ${pct(r.s.relative)} (${ms(r.s.a)} → ${ms(r.s.b)} ms; interval ${ms(r.s.ci_low_ns)} to ${ms(r.s.ci_high_ns)} ms)</title></circle>`);
  });
  parts.push('</svg>');
  return `<figure>${parts.join('')}<p class="note">Red: B slower, the interval above zero. Green: B faster, the interval below zero. Grey: the interval holds zero (no difference shown).</p></figure>`;
}

function groupTable(g: GroupComparison): string {
  // A metric neither side has (token-to-token of two prefill-only runs, say) is named once, not shown as rows of dashes.
  const absent = g.metrics.filter((m) => m.count_a === 0 && m.count_b === 0);
  const rows = g.metrics.filter((m) => !absent.includes(m)).flatMap((m: MetricComparison) =>
    STATS.map((s) => {
      const x = m[s];
      return [METRIC_WORDS[m.metric]?.title ?? m.metric, s, ms(x.a), ms(x.b), ms(x.difference_ns), pct(x.relative), `${ms(x.ci_low_ns)} to ${ms(x.ci_high_ns)}`, `${m.count_a} / ${m.count_b}`];
    }),
  );
  const note = absent.length === 0 ? '' : `<p class="leftout">In neither A nor B: ${esc(absent.map((m) => METRIC_WORDS[m.metric]?.title ?? m.metric).join(', '))}.</p>`;
  return (rows.length > 0 ? table(['metric', 'statistic', 'A', 'B', 'B − A', '(B − A) / A', '95% interval of B − A', 'n A / B'], rows, [0, 1]) : '') + note;
}

export function renderCompareHtml(v: ComparisonView, a: Side, b: Side, o: HtmlOptions = {}): string {
  const kind = v.grouping === 'length' ? 'prompt length' : 'experiment';
  const name = (files: string[]): string => (files.length === 1 ? files[0]! : `${files.length} files`);
  const what = (files: string[]): string => (files.every((f) => o.captures?.has(f)) ? 'palens capture' : files.some((f) => o.captures?.has(f)) ? 'palens captures and exports' : 'perf_analyzer export');
  const out: string[] = [];
  out.push(`<p class="sub">A (baseline): ${esc(name(v.a))} — ${esc(what(v.a))}${v.a.length > 1 ? 's' : ''}</p>`);
  out.push(`<p class="sub">B (candidate): ${esc(name(v.b))} — ${esc(what(v.b))}${v.b.length > 1 ? 's' : ''}</p>`);
  out.push(`<p class="meta">per ${esc(kind)}${v.length_by ? ` (length by ${esc(v.length_by)})` : ''} · ${v.bootstrap.rounds} bootstrap rounds, seed ${v.bootstrap.seed}; token-to-token intervals from a uniform sample of at most ${v.bootstrap.gap_reservoir.toLocaleString('en-US')} gaps per side</p>`);
  out.push(verdict(v, kind));
  if (v.warnings.length > 0) out.push(`<div class="warn"><strong>Warnings</strong><ul>${v.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`);
  const threshold = v.gate?.threshold_percent ?? null;
  const failedKeys = new Set((v.gate?.failures ?? []).map((f) => `${f.key}/${f.metric}`));
  const shown = v.groups.slice(0, MAX_GROUPS);
  const drawn = spreadIndexes(shown.length, MAX_CURVES).map((i) => shown[i]!);
  if (v.groups.length > drawn.length) out.push(`<p class="note">Charts for ${drawn.length} of ${v.groups.length} ${kind}s, spread evenly; tables for ${shown.length}.</p>`);
  for (const g of shown) {
    const label = v.grouping === 'length' ? `prompt length ${g.key}` : `experiment ${g.key}`;
    out.push(`<h2>${esc(label)}</h2>`);
    if (drawn.includes(g)) {
      const rows: Row[] = g.metrics.flatMap((m) =>
        STATS.map((s) => ({ label: `${METRIC_WORDS[m.metric]?.title ?? m.metric} · ${s}`, s: m[s], failed: failedKeys.has(`${g.key}/${m.metric}`) && v.gate?.statistic === s })),
      );
      out.push(forest(`diff-${g.key}`, `B − A at ${label}`, rows, threshold));
      const sa = a(g.key);
      const sb = b(g.key);
      for (const metric of ['time_to_first_token', 'token_to_token_latency'] as const) {
        const words = METRIC_WORDS[metric]!;
        const curves: DistributionCurve[] = [];
        const ca = sa.figures[metric];
        const cb = sb.figures[metric];
        if (ca) curves.push({ name: 'A (baseline)', color: BRIGHT.blue, curve: ca, dist: sa.summary.metrics[metric] });
        if (cb) curves.push({ name: 'B (candidate)', color: BRIGHT.red, curve: cb, dist: sb.summary.metrics[metric] });
        const fig = cdfFigure(`${metric === 'time_to_first_token' ? 'ttft' : 't2t'}-cdf-${g.key}`, `${words.title[0]!.toUpperCase()}${words.title.slice(1)} at ${label}: A and B`, words.title, words.noun, curves);
        out.push(fig === null ? `<p class="leftout">${esc(words.title)} curves left out: neither side has a ${esc(words.noun)} here.</p>` : figureHtml(fig));
      }
    }
    out.push(groupTable(g));
  }
  if (v.groups.length > MAX_GROUPS) out.push(`<p class="note">${v.groups.length - MAX_GROUPS} more ${esc(kind)}s: see --format json.</p>`);
  if (v.groups.length === 0) out.push(`<p class="leftout">No charts: no ${esc(kind)} is in both A and B.</p>`);
  return page('palens comparison report', out.join('\n'));
}
