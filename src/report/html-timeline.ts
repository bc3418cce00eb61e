/**
 * Latency over the time of a run (metrics/timeline.ts): each request's time to first token and
 * latency against when it was sent — warm-up, drift and stalls show here and nowhere else. One
 * pair of charts per input file (its experiments share a clock), dots coloured by experiment,
 * the largest value of each marked and named. Thinned to MAX_DOTS per chart; the requests of
 * largest value are always among the dots.
 */
import type { Analysis, FileExperiment } from './analysis.js';
import { chooseScale, MAX_POINTS, spreadIndexes } from '../metrics/figures.js';
import type { Timeline } from '../metrics/timeline.js';
import { extentOfValues, msAxis, msText, plural } from './axes.js';
import { type Figure, figureHtml } from './charts.js';
import { type Axis, chart, esc, type Mark, niceTicks, orderedColors, type Series } from './svg.js';

/** Dots per metric over all inputs' charts (each input's charts get an equal share): about 95 kB of page. */
const MAX_DOTS = MAX_POINTS;
/** Input files with their own charts; the rest are named. */
const MAX_FILES = 4;

interface Run {
  e: FileExperiment;
  name: string;
  color: string;
  t: Timeline;
}

/** Each run's points thinned to its share of `budget`, its largest TTFT and latency kept. */
function thinned(runs: readonly Run[], budget: number): [number, number, number][][] {
  const total = runs.reduce((a, r) => a + r.t.points.length, 0);
  return runs.map((r) => {
    const pts = r.t.points;
    const k = Math.max(2, Math.floor((budget * pts.length) / Math.max(total, 1)));
    if (pts.length <= k) return pts;
    const keep = new Set(spreadIndexes(pts.length, k));
    keep.add(argmax(pts, 1)).add(argmax(pts, 2));
    return [...keep].sort((a, b) => a - b).map((i) => pts[i]!);
  });
}

function argmax(pts: readonly (readonly number[])[], at: number): number {
  let best = 0;
  for (let i = 1; i < pts.length; i++) if (pts[i]![at]! > pts[best]![at]!) best = i;
  return best;
}

function overTime(id: string, title: string, metric: string, at: 1 | 2, runs: readonly Run[], dots: readonly [number, number, number][][], t0: number, width: number): Figure | null {
  const values = dots.flatMap((d) => d.map((p) => p[at]));
  if (values.length === 0) return null;
  const scale = chooseScale([extentOfValues(values)], true);
  const y = msAxis(scale, `${metric} (ms)`);
  const span = Math.max(...dots.flatMap((d) => d.map((p) => (p[0] - t0) / 1e9)), 1e-3);
  // Long runs in minutes or hours, so that the ticks stay short.
  const [unit, perUnit] = span > 7200 ? (['h', 3600] as const) : span > 300 ? (['min', 60] as const) : (['s', 1] as const);
  const when = (send: number): number => (send - t0) / 1e9 / perUnit;
  const hiX = span / perUnit;
  const ticks = niceTicks(0, hiX);
  const x: Axis = { label: `request sent at (${unit} from the first request)`, kind: 'linear', lo: 0, hi: Math.max(hiX * 1.02, ticks[ticks.length - 1]!) };
  const series: Series[] = runs.map((r, i) => ({ name: runs.length > 1 ? r.name : 'one request', color: r.color, style: 'points', points: dots[i]!.map((p) => [when(p[0]), p[at] / 1e6] as const) }));
  const marks: Mark[] = [];
  const notes: string[] = [];
  runs.forEach((r, i) => {
    const d = dots[i]!;
    if (d.length === 0) return;
    const p = d[argmax(d, at)]!;
    const t = when(p[0]);
    const v = Math.min(p[at], scale.hi) / 1e6;
    const text = `largest ${msText(p[at])} at ${t.toLocaleString('en-US', { maximumFractionDigits: t < 10 ? 2 : t < 1000 ? 1 : 0 })} ${unit}`;
    marks.push({ x: t, y: v, shape: 'diamond', color: r.color, title: `${runs.length > 1 ? `${r.name}: ` : ''}${text}`, ...(runs.length === 1 ? { label: text } : {}) });
  });
  if (scale.aboveCount > 0) notes.push(`${plural(scale.aboveCount, 'request')} beyond the axis (marked at its top): ${scale.above.slice(0, 3).map(msText).join(', ')}${scale.aboveCount > 3 ? ', …' : ''}.`);
  return { svg: chart({ id, title, x, y, series, marks, width, height: width < 880 ? 300 : 340, markLegend: [{ shape: 'diamond', name: runs.length > 1 ? 'largest per exp' : 'largest' }] }), notes };
}

export function timelineSection(a: Analysis): string {
  const timelines = a.figures?.timelines;
  if (!timelines) return '';
  const byFile = new Map<string, Run[]>();
  a.experiments.forEach((e, i) => {
    const t = timelines[i];
    if (!t || t.points.length === 0) return;
    const list = byFile.get(e.file) ?? [];
    list.push({ e, name: '', color: '', t });
    byFile.set(e.file, list);
  });
  const out: string[] = [`<h2>Latency over the run</h2>`];
  if (byFile.size === 0) return out.concat(`<p class="leftout">Latency over the run left out: no request completed.</p>`).join('\n');
  const files = [...byFile.entries()];
  files.slice(0, MAX_FILES).forEach(([file, list], f) => {
    const runs = list.slice(0, 12);
    const colors = orderedColors(runs.length);
    runs.forEach((r, i) => {
      r.color = colors[i]!;
      r.name = `exp ${r.e.index}${r.e.mode === null ? '' : ` · ${r.e.mode.replace('_', ' ')} ${r.e.value}`}`;
    });
    const t0 = Math.min(...runs.map((r) => r.e.start_offset_ns ?? r.t.points[0]![0]));
    const dots = thinned(runs, Math.floor(MAX_DOTS / Math.min(files.length, MAX_FILES)));
    const where = files.length > 1 ? ` · ${file.split('/').pop()}` : '';
    // Side by side for one experiment; full width for several, whose legend needs the room.
    const width = runs.length > 1 ? 880 : 560;
    const figs = [
      overTime(`ttft-over-time-${f}`, `Time to first token over the run${where}`, 'time to first token', 1, runs, dots, t0, width),
      overTime(`latency-over-time-${f}`, `Request latency over the run${where}`, 'request latency', 2, runs, dots, t0, width),
    ].filter((x) => x !== null);
    const shown = dots.reduce((n, d) => n + d.length, 0);
    const requests = runs.reduce((n, r) => n + r.t.requests, 0);
    const more = list.length > runs.length ? ` The first ${runs.length} of ${list.length} experiments.` : '';
    const thin = shown < requests ? `${shown.toLocaleString('en-US')} of ${requests.toLocaleString('en-US')} completed requests, evenly spaced in the order read, the largest values always among them.` : `Every completed request (${requests.toLocaleString('en-US')}).`;
    out.push(`${width < 880 ? '<div class="grid2">' : '<div>'}${figs.map(figureHtml).join('')}</div><p class="note">${esc(`Each dot one request, placed at its send time. ${thin}${more}`)}</p>`);
  });
  if (files.length > MAX_FILES) out.push(`<p class="note">Latency over the run for the first ${MAX_FILES} of ${files.length} inputs.</p>`);
  return out.join('\n');
}
