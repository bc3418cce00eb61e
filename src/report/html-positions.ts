/**
 * Inter-token latency by output position (metrics/positions.ts): the gap before response k + 1,
 * pooled over requests, against k — how decoding slows as the output, and so the context, grows.
 * One experiment or length: mean, p50 and p99 with the p50–p99 band. Several: each one's mean on
 * one chart (up to 12, ordered colours), and the full view for a few of them (the first, the last
 * and evenly between), side by side. Draws the analysis's series; computes nothing.
 */
import type { PositionStat } from '../metrics/positions.js';
import { MAX_POSITIONS } from '../metrics/positions.js';
import { extentOfValues, msAxis, msText } from './axes.js';
import { chooseScale, spreadIndexes } from '../metrics/figures.js';
import { againstFigure, type Figure, figureHtml } from './charts.js';
import { type Axis, BRIGHT, chart, esc, type Mark, type Series, seriesDash } from './svg.js';

/** A position is drawn when at least this many requests reached it: fewer make a noisy p99 of a handful. */
const MIN_COUNT = 5;
/** Full views (mean, p50, p99) side by side when there are several series. */
const MAX_PANELS = 4;

export interface PositionSeries {
  name: string;
  color: string;
  stats: readonly PositionStat[];
}

const X_LABEL = 'output position k (the gap between responses k and k + 1)';

/** The positions drawn: reached by MIN_COUNT requests. */
const drawn = (stats: readonly PositionStat[]): PositionStat[] => stats.filter((s) => s.count >= MIN_COUNT);

function positionAxis(series: readonly PositionSeries[]): Axis {
  const hi = Math.max(2, ...series.flatMap((s) => drawn(s.stats).map((p) => p.position)));
  return { label: X_LABEL, kind: 'linear', lo: 0, hi: hi + Math.max(1, hi * 0.02) };
}

/** What the series leave out, in words: the pooled last position, positions few requests reached. */
function positionNotes(series: readonly PositionSeries[]): string[] {
  const notes: string[] = [];
  const pooled = series.some((s) => s.stats.length >= MAX_POSITIONS && drawn(s.stats).some((p) => p.position === MAX_POSITIONS));
  if (pooled) notes.push(`Position ${MAX_POSITIONS} pools every later gap.`);
  const thin = series.reduce((n, s) => n + (s.stats.length - drawn(s.stats).length), 0);
  if (thin > 0) notes.push(`Positions reached by fewer than ${MIN_COUNT} requests are left out (${thin.toLocaleString('en-US')} in all; the JSON has them).`);
  return notes;
}

/** Mean, p50 and p99 of the gap at each position of one series, with the p50–p99 band. */
export function positionFigure(id: string, title: string, s: PositionSeries, width?: number): Figure | null {
  const pts = drawn(s.stats);
  if (pts.length < 2) return null;
  const x = positionAxis([s]);
  const line = (pick: (p: PositionStat) => number): [number, number][] => pts.map((p) => [p.position, pick(p)]);
  const fig = againstFigure({
    id,
    title,
    x,
    yLabel: 'gap (ms)',
    noun: 'gap',
    band: { name: 'p50–p99', color: BRIGHT.blue, lower: line((p) => p.p50), upper: line((p) => p.p99) },
    lines: [
      { name: 'mean', color: BRIGHT.purple, style: 'line+points', points: line((p) => p.mean) },
      { name: 'p50', color: BRIGHT.blue, style: 'line', points: line((p) => p.p50) },
      { name: 'p99', color: BRIGHT.red, style: 'line', points: line((p) => p.p99) },
    ],
    ...(width ? { width } : {}),
  });
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const lastCount = last.position === MAX_POSITIONS ? `${last.count.toLocaleString('en-US')} gaps, every one from position ${MAX_POSITIONS} on` : `${last.count.toLocaleString('en-US')} requests`;
  fig.notes.push(
    `Mean gap ${msText(first.mean)} at position ${first.position} (${first.count.toLocaleString('en-US')} requests), ${msText(last.mean)} at position ${last.position} (${lastCount}).`,
    ...positionNotes([s]),
  );
  return fig;
}

/** Each series' mean gap by position on one chart, its last position marked. */
export function positionMeansFigure(id: string, title: string, series: readonly PositionSeries[]): Figure | null {
  const live = series.filter((s) => drawn(s.stats).length >= 2);
  if (live.length === 0) return null;
  const scale = chooseScale([extentOfValues(live.flatMap((s) => drawn(s.stats).map((p) => p.mean)))], true);
  const y = msAxis(scale, 'mean gap (ms)');
  const lines: Series[] = live.map((s, i) => {
    const dash = seriesDash(i, live.length);
    return { name: s.name, color: s.color, style: 'line', points: drawn(s.stats).map((p) => [p.position, p.mean / 1e6] as const), ...(dash ? { dash } : {}) };
  });
  const marks: Mark[] = live.map((s) => {
    const last = drawn(s.stats).at(-1)!;
    return { x: last.position, y: last.mean / 1e6, shape: 'circle', color: s.color, title: `${s.name}: mean gap ${msText(last.mean)} at position ${last.position}` };
  });
  const notes = ['The mean gap at each position, pooled over the requests that reached it; ● its last drawn position.', ...positionNotes(live)];
  if (scale.aboveCount > 0) notes.push(`Means beyond the axis: ${scale.above.slice(0, 3).map(msText).join(', ')}${scale.aboveCount > 3 ? ', …' : ''}.`);
  return { svg: chart({ id, title, x: positionAxis(live), y, series: lines, marks }), notes };
}

/**
 * The section for a set of series (experiments, prompt lengths): one series gets its full chart;
 * several get the means together and full views of up to MAX_PANELS side by side. `what` names a
 * series in the titles ("prompt length", "experiment"); `ids` keeps chart ids apart between sections.
 */
export function positionsSection(series: readonly PositionSeries[], what: string, ids: string, noGaps = 'no request had two or more responses with every gap timed'): string {
  const live = series.filter((s) => drawn(s.stats).length >= 2);
  const title = 'Inter-token latency by output position';
  if (live.length === 0) {
    const why = series.every((s) => s.stats.length === 0) ? noGaps : `no position after the first was reached by ${MIN_COUNT} or more requests`;
    return `<p class="leftout">${esc(title)} left out: ${esc(why)}.</p>`;
  }
  if (live.length === 1) {
    const s = live[0]!;
    const fig = positionFigure(`${ids}-positions`, series.length > 1 || s.name === '' ? title : `${title} · ${s.name}`, s);
    return fig === null ? '' : figureHtml(fig);
  }
  const out: string[] = [];
  const means = positionMeansFigure(`${ids}-positions-mean`, `${title}: mean gap by ${what}`, live);
  if (means !== null) out.push(figureHtml(means));
  const panels = spreadIndexes(live.length, MAX_PANELS).flatMap((i) => {
    const f = positionFigure(`${ids}-positions-${i}`, `${live[i]!.name}: gap by output position`, live[i]!, 560);
    return f === null ? [] : [f];
  });
  if (live.length > MAX_PANELS) out.push(`<p class="note">Mean, p50 and p99 for ${MAX_PANELS} of ${live.length} ${esc(what)}s (the first, the last and evenly between):</p>`);
  out.push(`<div class="grid2">${panels.map(figureHtml).join('')}</div>`);
  return out.join('\n');
}
