/** Number formatting shared by the renderers. */

/**
 * A float written as Python's repr()/str() writes it: the shortest digits that round-trip,
 * fixed notation for exponents −4..15 (with ".0" on whole numbers), else "1.5e-05" style.
 * The seed's snippets print `str(avg) + " s"`, and palens prints its seed lines the same way.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    if (exp >= digits.length - 1) return sign + digits + '0'.repeat(exp - digits.length + 1) + '.0';
    if (exp >= 0) return sign + digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    return sign + '0.' + '0'.repeat(-exp - 1) + digits;
  }
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}

/** 1234567 → "1,234,567". */
export function grouped(n: number): string {
  return GROUPED.format(Math.round(n));
}

/** One formatter: toLocaleString would build a new one per call. */
const GROUPED = new Intl.NumberFormat('en-US');

/** ns → ms with 3 decimals (µs resolution), for tables. */
export function ms(ns: number | null): string {
  return ns === null ? '–' : (ns / 1e6).toFixed(3);
}

/** Human-readable byte size. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** ns → "12.3 s" / "45.6 ms" for durations in prose. */
export function duration(ns: number | null): string {
  if (ns === null) return '–';
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e3).toFixed(2)} µs`;
}
