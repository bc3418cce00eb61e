/** The sweep part of the report: latency against prompt length with per-request evidence, distributions by length, the table. */
import { type GroupFigures, spreadIndexes } from '../metrics/figures.js';
import type { SweepPoint, SweepSummary } from '../sweep/sweep.js';
import type { InputSummary } from './analysis.js';
import { againstFigure, at, cdfFigure, type DistributionCurve, figureHtml, histogramFigure } from './charts.js';
import { goodputByLengthFigure, goodputText } from './html-goodput.js';
import { table } from './html-page.js';
import { positionsSection } from './html-positions.js';
import { noGapsReason } from './input-kind.js';
import { fitLines, sweepHeader, sweepRow } from './sweep-text.js';
import { type Axis, BRIGHT, esc, niceTicks, orderedColors } from './svg.js';

/** Lengths labelled with their n along the top of a chart, up to this many. */
const MAX_N_LABELS = 16;
/** Rows of the per-length table; the rest are in --format csv / json. */
const MAX_ROWS = 400;
/** Lengths the statistic lines and band pass through; more lengths: this many spread evenly. */
const MAX_LINE_LENGTHS = 1000;

/** Spreads per-request dots sideways (deterministically) so that a column of equal lengths shows its density. */
function jittered(points: readonly (readonly [number, number])[], lengths: readonly number[], span: number): [number, number][] {
  let gap = Infinity;
  for (let i = 1; i < lengths.length; i++) gap = Math.min(gap, lengths[i]! - lengths[i - 1]!);
  const w = Math.min(Number.isFinite(gap) ? gap * 0.5 : span, span * 0.025);
  return points.map(([x, y], i) => [x + (((i * 0.6180339887) % 1) - 0.5) * w, y]);
}

export function sweepSection(s: SweepSummary, figs: GroupFigures | null, inputs: readonly InputSummary[]): string {
  const u = s.unit;
  const pts = s.points;
  const lengths = pts.map((p) => p.length);
  const hi = Math.max(...lengths, 1);
  const lo = Math.min(...lengths, 0);
  const ticks = niceTicks(0, hi * 1.04);
  const x: Axis = { label: `prompt length (${u})`, kind: 'linear', lo: Math.min(0, lo), hi: Math.max(hi * 1.04, ticks[ticks.length - 1]!) };
  const grid = Array.from({ length: 41 }, (_, i) => x.lo + ((x.hi - x.lo) * i) / 40).filter((v) => v >= 0);
  const through = pts.length > MAX_LINE_LENGTHS ? spreadIndexes(pts.length, MAX_LINE_LENGTHS).map((i) => pts[i]!) : pts;
  const line = (pick: (p: SweepPoint) => number | null): [number, number | null][] => through.map((p) => [p.length, pick(p)]);
  const topLabels = pts.length <= MAX_N_LABELS ? pts.map((p) => ({ x: p.length, text: `n=${p.requests.completed}` })) : undefined;
  const out: string[] = [];
  out.push(`<h2>Prompt length against latency</h2>`);
  out.push(
    `<p class="meta">length by ${esc(s.length_by)}${s.tokenizer ? ` (${esc(s.tokenizer)})` : ''}${s.bucket ? `, bucketed to ${s.bucket}` : ''} · ${s.requests} requests · ${pts.length} lengths${s.requests_without_length ? ` · ${s.requests_without_length} without a length` : ''}</p>`,
  );
  out.push(`<div class="fit">${fitLines(s).map(esc).join('\n')}</div>`);
  if (through.length < pts.length) out.push(`<p class="note">Lines and bands below pass through ${through.length.toLocaleString('en-US')} of the ${pts.length.toLocaleString('en-US')} lengths, spread evenly; the fit uses every request.</p>`);

  const ttftFit = s.fits.time_to_first_token;
  const fitTtft =
    ttftFit === null
      ? undefined
      : {
          name: ttftFit.quadratic_preferred ? 'fit a + b·L + c·L²' : 'fit a + b·L',
          points: grid.map((g): [number, number] => {
            const q = ttftFit.quadratic;
            return [g, ttftFit.quadratic_preferred && q !== null ? q.intercept_ns + q.slope_ns_per_unit * g + q.quadratic_ns_per_unit2 * g * g : ttftFit.intercept_ns + ttftFit.slope_ns_per_unit * g];
          }),
        };
  const span = x.hi - x.lo;
  const ttftPoints = figs?.points.time_to_first_token ?? [];
  const hasTtft = pts.some((p) => p.metrics.time_to_first_token.count > 0);
  const hasGaps = pts.some((p) => p.metrics.token_to_token_latency.count > 0);
  if (pts.length === 1) {
    out.push(`<p class="leftout">Latency against prompt length left out: one length (${pts[0]!.length} ${esc(u)}); its distributions follow.</p>`);
    const g = pts[0]!.goodput;
    if (g !== null) out.push(`<p class="meta">Goodput at ${pts[0]!.length} ${esc(u)}: ${esc(goodputText(g))}.</p>`);
    out.push(...oneLength(pts[0]!, figs, u, inputs));
    return out.join('\n') + perLengthTable(pts, u);
  }
  if (!hasTtft) out.push(`<p class="leftout">Time to first token against prompt length left out: no request completed.</p>`);
  else {
    const fig = againstFigure({
      id: 'ttft-vs-length',
      title: 'Time to first token against prompt length',
      x,
      yLabel: 'time to first token (ms)',
      noun: 'time to first token',
      ...(ttftPoints.length > 0 ? { points: { name: 'one request', color: '#6b7280', points: jittered(ttftPoints, lengths, span) } } : {}),
      band: { name: 'p50–p99', color: BRIGHT.blue, lower: line((p) => at(p.metrics.time_to_first_token, 50)), upper: line((p) => at(p.metrics.time_to_first_token, 99)) },
      lines: [
        { name: 'p50', color: BRIGHT.blue, style: 'line+points', points: line((p) => at(p.metrics.time_to_first_token, 50)) },
        { name: 'p90', color: BRIGHT.green, style: 'line', points: line((p) => at(p.metrics.time_to_first_token, 90)) },
        { name: 'p99', color: BRIGHT.red, style: 'line', points: line((p) => at(p.metrics.time_to_first_token, 99)) },
      ],
      ...(fitTtft ? { fit: fitTtft } : {}),
      ...(topLabels ? { topLabels } : {}),
      maxima: pts.flatMap((p) => (p.metrics.time_to_first_token.max === null ? [] : [{ label: `${p.length} ${u}`, ns: p.metrics.time_to_first_token.max }])),
    });
    if (figs && ttftPoints.length < figs.requests.time_to_first_token) fig.notes.push(`Dots: ${ttftPoints.length.toLocaleString('en-US')} of ${figs.requests.time_to_first_token.toLocaleString('en-US')} requests, evenly spaced in rank within each length (both extremes kept).`);
    else if (ttftPoints.length > 0) fig.notes.push(`Dots: every request (${ttftPoints.length}), spread sideways to show how many share a value.`);
    out.push(figureHtml(fig));
  }

  if (!hasGaps) out.push(`<p class="leftout">Token-to-token charts left out: ${esc(noGapsReason(inputs, 'no request had two or more responses (a prefill-only sweep)'))}.</p>`);
  else {
    const d = s.fits.token_to_token_latency;
    const itlPoints = figs?.points.inter_token_latency ?? [];
    const fig = againstFigure({
      id: 't2t-vs-length',
      title: 'Token-to-token latency against prompt length',
      x,
      yLabel: 'token-to-token latency (ms)',
      noun: 'gap',
      ...(itlPoints.length > 0 ? { points: { name: "one request's mean gap", color: '#6b7280', points: jittered(itlPoints, lengths, span) } } : {}),
      band: { name: 'gaps p50–p99', color: BRIGHT.blue, lower: line((p) => at(p.metrics.token_to_token_latency, 50)), upper: line((p) => at(p.metrics.token_to_token_latency, 99)) },
      lines: [
        { name: 'mean', color: BRIGHT.purple, style: 'line+points', points: line((p) => p.metrics.token_to_token_latency.mean) },
        { name: 'p50', color: BRIGHT.blue, style: 'line', points: line((p) => at(p.metrics.token_to_token_latency, 50)) },
        { name: 'p99', color: BRIGHT.red, style: 'line', points: line((p) => at(p.metrics.token_to_token_latency, 99)) },
      ],
      ...(d === null ? {} : { fit: { name: 'fit c + d·L', points: grid.map((g): [number, number] => [g, d.intercept_ns + d.slope_ns_per_unit * g]) } }),
      ...(topLabels ? { topLabels: pts.map((p) => ({ x: p.length, text: `n=${p.metrics.token_to_token_latency.count}` })).slice(0, MAX_N_LABELS) } : {}),
      maxima: pts.flatMap((p) => (p.metrics.token_to_token_latency.max === null ? [] : [{ label: `${p.length} ${u}`, ns: p.metrics.token_to_token_latency.max }])),
    });
    fig.notes.push('Band and lines: every gap between consecutive responses, pooled per length (n = gaps). Dots: one request each, its mean gap.');
    out.push(figureHtml(fig));
  }

  const goodput = goodputByLengthFigure(s, x);
  if (goodput !== null) out.push(figureHtml(goodput));

  if (figs === null) out.push(`<p class="leftout">Distributions by length left out: the analysis was made without figures.</p>`);
  else {
    const curves = figs.curves;
    const colors = orderedColors(curves.length);
    const byKey = new Map(pts.map((p) => [p.length, p]));
    const pick = (metric: 'time_to_first_token' | 'token_to_token_latency'): DistributionCurve[] =>
      curves.flatMap((c, i) => {
        const curve = c.figures[metric];
        const point = byKey.get(c.key);
        return curve && point ? [{ name: `${c.key} ${u}`, color: colors[i]!, curve, dist: point.metrics[metric] }] : [];
      });
    const some = figs.groups > curves.length ? ` (${curves.length} of ${figs.groups} lengths, spread evenly)` : '';
    const ttft = cdfFigure('ttft-cdf-by-length', `Time to first token by prompt length: cumulative distribution${some}`, 'time to first token', 'request', pick('time_to_first_token'));
    if (ttft !== null) out.push(figureHtml(ttft));
    if (hasGaps) {
      const t2t = cdfFigure('t2t-cdf-by-length', `Token-to-token latency by prompt length: cumulative distribution${some}`, 'token-to-token latency', 'gap', pick('token_to_token_latency'));
      if (t2t !== null) out.push(figureHtml(t2t));
      const series = curves.flatMap((c, i) => (c.positions ? [{ name: `${c.key} ${u}`, color: colors[i]!, stats: c.positions }] : []));
      if (series.length > 0) out.push(`<h3>Inter-token latency by output position</h3>`, positionsSection(series, 'prompt length', 'length'));
    }
  }

  return out.join('\n') + perLengthTable(pts, u);
}

function perLengthTable(pts: readonly SweepPoint[], u: string): string {
  const rows = pts.slice(0, MAX_ROWS).map(sweepRow);
  return `<h3>Per length</h3>${table(sweepHeader(u), rows)}<p class="note">Times in ms.${pts.length > MAX_ROWS ? ` First ${MAX_ROWS} of ${pts.length} lengths; --format csv has them all.` : ''}</p>`;
}

/** A sweep of one length: its cumulative distributions and histograms, as for one experiment. */
function oneLength(p: SweepPoint, figs: GroupFigures | null, u: string, inputs: readonly InputSummary[]): string[] {
  const f = figs?.curves[0]?.figures;
  if (!f) return [`<p class="leftout">Distributions left out: the analysis was made without figures.</p>`];
  const color = orderedColors(1)[0]!;
  const name = `${p.length} ${u}`;
  const out: string[] = [];
  const t = f.time_to_first_token;
  const g = f.token_to_token_latency;
  const ttft = t ? { name, color, curve: t, dist: p.metrics.time_to_first_token } : null;
  const gaps = g ? { name, color, curve: g, dist: p.metrics.token_to_token_latency } : null;
  const cdfs = [
    ttft && cdfFigure('ttft-cdf-by-length', `Time to first token at ${name}: cumulative distribution`, 'time to first token', 'request', [ttft]),
    gaps && cdfFigure('t2t-cdf-by-length', `Token-to-token latency at ${name}: cumulative distribution`, 'token-to-token latency', 'gap', [gaps]),
  ];
  for (const c of cdfs) if (c) out.push(figureHtml(c));
  const hists = [
    ttft && histogramFigure('ttft-hist-length', `Time to first token at ${name}`, 'time to first token', 'request', ttft),
    gaps && histogramFigure('t2t-hist-length', `Token-to-token latency at ${name}`, 'token-to-token latency', 'gap', gaps),
  ].filter((h) => h !== null);
  if (hists.length > 0) out.push(`<div class="grid2">${hists.map(figureHtml).join('')}</div>`);
  const positions = figs?.curves[0]?.positions;
  if (gaps && positions) out.push(positionsSection([{ name, color, stats: positions }], 'prompt length', 'length'));
  if (!gaps) out.push(`<p class="leftout">Token-to-token charts left out: ${esc(noGapsReason(inputs, 'no request had two or more responses'))}.</p>`);
  return out;
}
