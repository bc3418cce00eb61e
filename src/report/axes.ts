/**
 * From the engine's axis decision (metrics/figures.ts chooseScale, in ns) to a drawn axis in ms,
 * and the sentence that names what an axis leaves out: a report never squashes a chart for one
 * point and never hides that point either.
 */
import { chooseScale, type Extent, type Scale, TOP } from '../metrics/figures.js';
import type { Axis } from './svg.js';

/**
 * ns as ms with about four significant digits: "612 ms", "12.34 ms", "0.123 ms"; or, given the
 * span of the axis a value sits on (ns), enough digits to tell values on it apart ("30.0012 ms").
 */
export function msText(ns: number, spanNs?: number): string {
  const v = ns / 1e6;
  const a = Math.abs(v);
  let digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  if (spanNs !== undefined && spanNs > 0) digits = Math.min(6, Math.max(digits, Math.ceil(-Math.log10(spanNs / 1e6)) + 2));
  return `${v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ms`;
}

export const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** A little room around the data so that marks at the ends are not cut in half. */
export function msAxis(s: Scale, label: string, pad = true): Axis {
  const lo = s.lo / 1e6;
  const hi = s.hi / 1e6;
  if (s.kind === 'log') return { label, kind: 'log', lo: pad ? lo / 1.04 : lo, hi: pad ? hi * 1.04 : hi };
  const span = hi - lo || Math.max(Math.abs(hi) * 0.01, 1e-6);
  const lo2 = lo === 0 ? 0 : lo - (pad ? span * 0.03 : 0);
  return { label, kind: 'linear', lo: hi === lo ? lo - span : lo2, hi: hi === lo ? hi + span : hi + (pad ? span * 0.03 : 0) };
}

/** What an axis left out, as one sentence, or null: "1 gap beyond the axis: 612 ms". */
export function scaleNote(s: Scale, noun: string): string | null {
  const parts: string[] = [];
  if (s.aboveCount > 0) {
    const listed = s.above.length <= 3 ? s.above.map(msText).join(', ') : `${msText(s.above[0]!)} to ${msText(s.above[s.above.length - 1]!)}`;
    parts.push(`${plural(s.aboveCount, noun)} beyond the axis: ${listed}`);
  }
  if (s.kind === 'log') {
    parts.push(`log axis: the values span ${Math.round(s.hi / s.lo).toLocaleString('en-US')}×`);
    if (s.belowCount > 0) parts.push(`${plural(s.belowCount, noun)} of 0 ms left of the axis`);
  }
  return parts.length === 0 ? null : parts.join('; ');
}

/** An extent of plain values (per-request points, per-length statistics). */
export function extentOfValues(values: readonly number[]): Extent {
  const sorted = [...values].sort((a, b) => a - b);
  const positive = sorted.find((v) => v > 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    minPositive: positive ?? null,
    zeros: sorted.filter((v) => v <= 0).length,
    top: sorted.slice(-TOP).reverse(),
  };
}

export { chooseScale };
