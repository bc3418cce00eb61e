/**
 * Goodput in the report (--slo): the fraction of requests meeting the SLO against prompt length,
 * with the --slo-target line and the capacity length with its bootstrap interval; against load
 * when an export has several levels; one line per experiment otherwise. Draws what the analysis
 * holds (metrics/slo.ts, sweep/slo-capacity.ts); computes nothing.
 */
import type { Goodput } from '../metrics/slo.js';
import type { SweepSummary } from '../sweep/sweep.js';
import { type Figure } from './charts.js';
import { type Axis, BRIGHT, chart, type Mark, type Series } from './svg.js';

const pct = (f: number | null): string => (f === null ? '–' : `${(100 * f).toFixed(1)}%`);

/** "372 of 400 requests (93.0%) met time_to_first_token<=200ms · 12.30 requests/s". */
export function goodputText(g: Goodput): string {
  const rate = g.requests_per_second === null ? '' : ` · goodput ${g.requests_per_second.toFixed(2)} requests/s`;
  return `${g.met.toLocaleString('en-US')} of ${g.requests.toLocaleString('en-US')} requests (${pct(g.fraction)}) met the SLO ${g.slo}${rate}`;
}

/** The y axis of a fraction, with the target among its ticks. */
function fractionAxis(target: number | null): Axis {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  if (target !== null && !ticks.includes(target)) ticks.push(target);
  return { label: 'fraction of requests meeting the SLO', kind: 'linear', lo: 0, hi: 1.04, ticks: ticks.sort((a, b) => a - b) };
}

/**
 * Goodput against prompt length: per length, the fraction of its requests meeting the SLO. With a
 * capacity (sweep/slo-capacity.ts), the target as a dashed line and the largest length reaching it
 * as a diamond on that line, its 95% bootstrap interval drawn through it. Null without --slo.
 */
export function goodputByLengthFigure(s: SweepSummary, x: Axis): Figure | null {
  const pts = s.points.filter((p) => p.goodput !== null && p.goodput.fraction !== null);
  if (pts.length === 0) return null;
  const cap = s.slo_capacity;
  const target = cap?.target ?? null;
  const series: Series[] = [{ name: 'fraction meeting the SLO', color: BRIGHT.blue, style: 'line+points', points: pts.map((p) => [p.length, p.goodput!.fraction!] as const) }];
  if (target !== null) series.push({ name: `target ${target} (--slo-target)`, color: BRIGHT.red, style: 'dashed', points: [[x.lo, target], [x.hi, target]] });
  const marks: Mark[] = [];
  const notes = [`SLO: ${pts[0]!.goodput!.slo}. A request meets it when it completed and every bound holds; failed requests miss it.`];
  const u = s.unit;
  if (cap) {
    const [lo, hi] = cap.interval;
    const end = (v: number | null): string => (v === null ? 'no length' : `${v.toLocaleString('en-US')} ${u}`);
    if (cap.length === null) notes.push(`No length reached the target ${target} (95% bootstrap interval of the capacity: ${end(lo)} – ${end(hi)}, ${cap.rounds} rounds).`);
    else {
      const range: [number, number] = [lo ?? x.lo, hi ?? cap.length];
      const title = `capacity ${end(cap.length)} (95% interval ${end(lo)} – ${end(hi)})`;
      marks.push({ x: cap.length, y: cap.target, shape: 'diamond', color: '#111827', title, label: `capacity ${end(cap.length)}`, xRange: range });
      notes.push(`Capacity: the largest length whose fraction reaches ${target}: ${end(cap.length)}; 95% bootstrap interval ${end(lo)} – ${end(hi)} (${cap.rounds} rounds, each length's requests redrawn).`);
    }
  }
  const topLabels = pts.length <= 16 ? pts.map((p) => ({ x: p.length, text: `${p.goodput!.met}/${p.goodput!.requests}` })) : undefined;
  return {
    svg: chart({
      id: 'goodput-vs-length',
      title: 'Goodput against prompt length',
      x,
      y: fractionAxis(target),
      series,
      marks,
      ...(topLabels ? { topLabels } : {}),
      ...(marks.length > 0 ? { markLegend: [{ shape: 'diamond' as const, name: 'capacity (95% CI)' }] } : {}),
    }),
    notes: topLabels ? [...notes, 'Along the top: requests meeting the SLO / requests, per length.'] : notes,
  };
}

/** Goodput against a load level (several experiments of one export): the fraction, and the rate meeting the SLO. */
export function goodputByLoadFigure(id: string, title: string, x: Axis, levels: readonly { value: number; goodput: Goodput }[]): Figure | null {
  const live = levels.filter((l) => l.goodput.fraction !== null);
  if (live.length === 0) return null;
  const series: Series[] = [{ name: 'fraction meeting the SLO', color: BRIGHT.blue, style: 'line+points', points: live.map((l) => [l.value, l.goodput.fraction!] as const) }];
  return {
    svg: chart({ id, title, x, y: fractionAxis(null), series, width: 560, height: 300 }),
    notes: [`SLO: ${live[0]!.goodput.slo}. Goodput in requests/s per level: the Experiments table above.`],
  };
}
