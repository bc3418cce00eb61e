import { type Distribution, percentileKey } from '../metrics/distribution.js';
import type { SweepPoint, SweepSummary } from '../sweep/sweep.js';
import { grouped, ms } from './numbers.js';

/** Column titles of the per-length table (text and HTML). */
export function sweepHeader(unit: string): string[] {
  return [`length (${unit})`, 'n', 'failed', 'TTFT mean', 'p50', 'p90', 'p99', 't2t mean', 'p50', 'p99', 'ITL mean', 'latency mean'];
}

/** One length's cells, times in ms. */
export function sweepRow(p: SweepPoint): string[] {
  const at = (d: Distribution, q: number): number | null => d.percentiles[percentileKey(q)] ?? null;
  const t = p.metrics.time_to_first_token;
  const g = p.metrics.token_to_token_latency;
  return [
    String(p.length),
    grouped(p.requests.total),
    grouped(p.requests.failed),
    ms(t.mean),
    ms(at(t, 50)),
    ms(at(t, 90)),
    ms(at(t, 99)),
    ms(g.mean),
    ms(at(g, 50)),
    ms(at(g, 99)),
    ms(p.metrics.inter_token_latency.mean),
    ms(p.metrics.request_latency.mean),
  ];
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
