/**
 * What must agree for shard exports to merge into one measurement, and the few values a merged
 * experiment derives from its shards (load level, window boundaries). Pure: no I/O.
 */
import { UsageError } from '../errors.js';
import type { ExportLayout } from './merge-layout.js';

export interface ExperimentHeader {
  mode: string;
  /** The load level's value as the export wrote it (JSON number text). */
  value: string;
}

/** An experiment's `{"mode":…,"value":…}` as written; null parts when absent. */
export function parseHeader(raw: string | null): ExperimentHeader | null {
  if (raw === null) return null;
  const h = JSON.parse(raw) as { mode?: unknown; value?: unknown };
  if (typeof h.mode !== 'string' || typeof h.value !== 'number') return null;
  return { mode: h.mode, value: JSON.stringify(h.value) };
}

/**
 * The exact decimal sum of JSON numbers (a merged load level is the sum of its shards': 3 + 3
 * streams, 2.5 + 2.5 requests/s), without the rounding a double sum would add (0.1 + 0.2).
 */
export function sumDecimals(values: readonly string[]): string {
  const parts = values.map((v) => {
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(v);
    if (m === null) throw new Error(`sumDecimals: not a JSON number: ${v}`);
    let digits = m[2]! + (m[3] ?? '');
    let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
    if (scale < 0) {
      digits += '0'.repeat(-scale);
      scale = 0;
    }
    return { n: BigInt(m[1] + digits), scale };
  });
  const scale = Math.max(0, ...parts.map((p) => p.scale));
  let total = 0n;
  for (const p of parts) total += p.n * 10n ** BigInt(scale - p.scale);
  const negative = total < 0n;
  let text = (negative ? -total : total).toString().padStart(scale + 1, '0');
  if (scale > 0) text = `${text.slice(0, -scale)}.${text.slice(-scale)}`.replace(/\.?0+$/, '');
  return (negative ? '-' : '') + text;
}

/** Refuses shards whose documents or experiments differ where a merge needs them alike. */
export function checkExportsAlike(files: readonly string[], layouts: readonly ExportLayout[]): ExperimentHeader[] {
  const first = layouts[0]!;
  for (const [i, layout] of layouts.entries()) {
    for (const field of ['version', 'service_kind', 'endpoint'] as const) {
      if (layout.root[field] !== first.root[field]) mismatch(field, files[0]!, first.root[field], files[i]!, layout.root[field]);
    }
    if (layout.experiments.length !== first.experiments.length) {
      mismatch('experiments (number of load levels)', files[0]!, String(first.experiments.length), files[i]!, String(layout.experiments.length));
    }
  }
  return first.experiments.map((e, k) => {
    const headers = layouts.map((l) => parseHeader(l.experiments[k]!.header));
    const mode = headers[0]?.mode;
    for (const [i, h] of headers.entries()) {
      if (h === null) throw new UsageError(`${files[i]}: experiment ${k} has no mode and value; merge needs both to add up the load`);
      if (h.mode !== mode) mismatch(`experiments[${k}].experiment.mode`, files[0]!, mode ?? null, files[i]!, h.mode);
    }
    return { mode: mode!, value: sumDecimals(headers.map((h) => h!.value)) };
  });
}

/** Throws the refusal that names the field two inputs disagree on. */
export function mismatch(field: string, fileA: string, a: string | null, fileB: string, b: string | null): never {
  throw new UsageError(
    `cannot merge: ${field} differs: ${fileA} has ${a ?? '(none)'}, ${fileB} has ${b ?? '(none)'}`,
    'merge combines the shards of one capture (palens capture --shard I/N with the same options)',
  );
}

/** The first key path where two JSON values differ, or null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return JSON.stringify(a) === JSON.stringify(b) ? null : path;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
    if (d !== null) return d;
  }
  return null;
}

/** A JSON value at a dotted key path (for naming what differs). */
export function valueAt(doc: unknown, path: string): string | null {
  let v: unknown = doc;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v === undefined ? null : JSON.stringify(v);
}

/**
 * Window boundaries of a merged experiment, from its shards' (ns since the epoch, decimal strings,
 * each on its own machine's clock). When every shard has the same number of boundaries, boundary 0
 * is the earliest shard's (the merged measurement starts when the first shard starts measuring) and
 * every later one the latest shard's (a merged window ends when every shard has ended it); otherwise
 * one window, from the earliest start to the latest end. Each boundary is therefore uncertain by
 * the clock offset between the machines (docs/SCALE.md).
 */
export function mergeWindows(shards: readonly (readonly string[])[]): string[] {
  const present = shards.filter((w) => w.length > 0);
  if (present.length === 0) return [];
  const min = (xs: string[]): string => xs.reduce((m, x) => (BigInt(x) < BigInt(m) ? x : m));
  const max = (xs: string[]): string => xs.reduce((m, x) => (BigInt(x) > BigInt(m) ? x : m));
  const n = present[0]!.length;
  if (present.every((w) => w.length === n) && present.length === shards.length) {
    return Array.from({ length: n }, (_, j) => (j === 0 ? min(present.map((w) => w[0]!)) : max(present.map((w) => w[j]!))));
  }
  const firsts = present.map((w) => w[0]!);
  const lasts = present.map((w) => w[w.length - 1]!);
  const start = min(firsts);
  const end = max(lasts);
  return start === end ? [start] : [start, end];
}
