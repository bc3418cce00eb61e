import { type MetricSpec, metricSpec, SWEEP_METRICS } from '../metrics/catalogue.js';
import { percentileKey } from '../metrics/distribution.js';
import type { SweepPoint, SweepSummary } from '../sweep/sweep.js';
import { grouped, ms } from './numbers.js';

/** The sweep table's columns: per sweep metric of the catalogue, its mean and the percentiles it asks for. */
function sweepColumns(): { title: string; get: (p: SweepPoint) => number | null }[] {
  const out: { title: string; get: (p: SweepPoint) => number | null }[] = [];
  for (const key of SWEEP_METRICS) {
    const spec: MetricSpec = metricSpec(key);
    out.push({ title: `${spec.short} mean`, get: (p) => p.metrics[key].mean });
    for (const q of spec.sweepPercentiles ?? []) out.push({ title: `p${q}`, get: (p) => p.metrics[key].percentiles[percentileKey(q)] ?? null });
  }
  return out;
}

/** Column titles of the per-length table (text and HTML). */
export function sweepHeader(unit: string): string[] {
  return [`length (${unit})`, 'n', 'failed', ...sweepColumns().map((c) => c.title)];
}

/** One length's cells, times in ms. */
export function sweepRow(p: SweepPoint): string[] {
  return [String(p.length), grouped(p.requests.total), grouped(p.requests.failed), ...sweepColumns().map((c) => ms(c.get(p)))];
}

/** The legend under the sweep table: each short name in words. */
export function sweepLegend(): string {
  return `(times in ms; ${SWEEP_METRICS.map((key) => `${metricSpec(key).short} = ${metricSpec(key).title}`).join(', ')})`;
}

/**
 * A fitted coefficient as a signed term of the law: "+ 6.56 µs", "− 2.62 ns" (three significant
 * digits, in ns, µs or ms by size) — never "6.56e+3 ns" or "+ -2.62 ns".
 */
export function term(ns: number): string {
  const a = Math.abs(ns);
  const [scale, unit] = a >= 999.5e3 ? [1e6, 'ms'] : a >= 999.5 ? [1e3, 'µs'] : [1, 'ns'];
  return `${ns < 0 ? '−' : '+'} ${Number((a / scale).toPrecision(3))} ${unit}`;
}

/** Below this R², a fit's slope (and the prefill rate from it) is flagged as meaning little. */
export const POOR_FIT_R2 = 0.9;

/** The fitted laws in words, shared with the text table. */
export function fitLines(s: SweepSummary): string[] {
  const u = s.unit;
  const out: string[] = [];
  const t = s.fits.time_to_first_token;
  if (t === null) out.push('TTFT: no fit (needs requests at two or more prompt lengths)');
  else {
    const rate = t.prefill_units_per_s === null ? '' : `, prefill ${Math.round(t.prefill_units_per_s).toLocaleString('en-US')} ${u}/s`;
    out.push(
      `TTFT ≈ ${(t.intercept_ns / 1e6).toFixed(3)} ms ${term(t.slope_ns_per_unit)} × ${u}   (R² ${t.r2.toFixed(4)}, residual spread ${(t.residual_std_ns / 1e6).toFixed(3)} ms${rate})`,
    );
    // A rate read off a line that does not fit is a number without meaning: say so beside it.
    if (t.r2 < POOR_FIT_R2) out.push(`caution: R² ${t.r2.toFixed(4)}: TTFT is far from a line in prompt length here (noise, or lengths too few or too close), so the slope and the prefill rate mean little`);
    if (t.quadratic !== null && t.quadratic_preferred) {
      const q = t.quadratic;
      out.push(
        `TTFT ≈ ${(q.intercept_ns / 1e6).toFixed(3)} ms ${term(q.slope_ns_per_unit)} × ${u} ${term(q.quadratic_ns_per_unit2)} × ${u}²   (R² ${q.r2.toFixed(4)}; the quadratic term matters)`,
      );
    }
  }
  const d = s.fits.token_to_token_latency;
  if (d === null) out.push('token-to-token: no fit (needs gaps at two or more prompt lengths)');
  else {
    const pct = d.growth_percent_per_1000_units === null ? '' : ` (${d.growth_percent_per_1000_units >= 0 ? '+' : ''}${d.growth_percent_per_1000_units.toFixed(2)}%)`;
    out.push(
      `token-to-token ≈ ${(d.intercept_ns / 1e6).toFixed(3)} ms ${term(d.slope_ns_per_unit)} × ${u}   (R² ${d.r2.toFixed(4)}): ${d.growth_ns_per_1000_units >= 0 ? '+' : ''}${(d.growth_ns_per_1000_units / 1e6).toFixed(4)} ms${pct} per 1,000 ${u} of context`,
    );
  }
  return out;
}
