/**
 * Least-squares fits of latency against prompt length (docs/METRICS.md, "Sweep fits").
 * Pure functions over numbers; no I/O.
 */
import { linearRegression, median, medianAbsoluteDeviation, rSquared } from 'simple-statistics';

export interface LinearFit {
  intercept: number;
  slope: number;
  /** Coefficient of determination on the fitted points. */
  r2: number;
  /** √(Σ w·residual² / Σ w): the spread of the points around the line. */
  residualStd: number;
  n: number;
}

export interface QuadraticFit {
  intercept: number;
  slope: number;
  quadratic: number;
  r2: number;
  residualStd: number;
  n: number;
}

/** Ordinary least squares on (x, y) points (simple-statistics). Null with fewer than 2 distinct x. */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): LinearFit | null {
  const n = x.length;
  if (n < 2 || distinct(x) < 2) return null;
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) pairs.push([x[i]!, y[i]!]);
  const { m, b } = linearRegression(pairs);
  const line = (v: number): number => b + m * v;
  let ss = 0;
  for (const [xi, yi] of pairs) ss += (yi - line(xi)) ** 2;
  return { intercept: b, slope: m, r2: rSquared(pairs, line), residualStd: Math.sqrt(ss / n), n };
}

/** Weighted least squares: minimises Σ w·(y − a − b·x)². Null with fewer than 2 distinct x. */
export function weightedLinearFit(x: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number>): LinearFit | null {
  const n = x.length;
  if (n < 2 || distinct(x) < 2) return null;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    sx += w[i]! * x[i]!;
    sy += w[i]! * y[i]!;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += w[i]! * dx * dx;
    sxy += w[i]! * dx * dy;
    syy += w[i]! * dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += w[i]! * (y[i]! - intercept - slope * x[i]!) ** 2;
  return { intercept, slope, r2: syy === 0 ? 1 : 1 - ss / syy, residualStd: Math.sqrt(ss / sw), n };
}

/** Least squares y ≈ a + b·x + c·x² (x scaled for conditioning). Null with fewer than 3 distinct x. */
export function quadraticFit(x: ArrayLike<number>, y: ArrayLike<number>): QuadraticFit | null {
  const n = x.length;
  if (n < 3 || distinct(x) < 3) return null;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(x[i]!));
  // Normal equations in u = x / scale: Σ [1 u u²]ᵀ[1 u u²] · θ = Σ [1 u u²]ᵀ y
  const m = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i]!;
  my /= n;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const u = x[i]! / scale;
    const row = [1, u, u * u];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r]![c]! += row[r]! * row[c]!;
      m[r]![3]! += row[r]! * y[i]!;
    }
    syy += (y[i]! - my) ** 2;
  }
  const theta = solve3(m);
  if (theta === null) return null;
  const [a, bu, cu] = theta as [number, number, number];
  const b = bu / scale;
  const c = cu / (scale * scale);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i]! - a - b * x[i]! - c * x[i]! * x[i]!) ** 2;
  return { intercept: a, slope: b, quadratic: c, r2: syy === 0 ? 1 : 1 - ss / syy, residualStd: Math.sqrt(ss / n), n };
}

/**
 * Whether the quadratic term materially improves on the line: positive curvature (attention's
 * L²), at least 10% less residual sum of squares, and a partial F statistic above 10.
 */
export function quadraticMatters(lin: LinearFit, quad: QuadraticFit): boolean {
  if (quad.quadratic <= 0 || quad.n < 4) return false;
  const rssLin = lin.residualStd ** 2 * lin.n;
  const rssQuad = quad.residualStd ** 2 * quad.n;
  if (rssQuad > 0.9 * rssLin) return false;
  if (rssQuad === 0) return true;
  const f = (rssLin - rssQuad) / (rssQuad / (quad.n - 3));
  return f > 10;
}

/**
 * Indexes of outlying points: a residual that stands out from the others by its modified z-score
 * (0.6745·|r − median| / MAD > 3.5, Iglewicz and Hoaglin) and is also more than four standard
 * errors of its own point's mean from the fit, so that noise around a tight fit is not called an
 * outlier. None with fewer than 4 points.
 */
export function outliers(residuals: readonly number[], standardErrors: readonly number[]): number[] {
  if (residuals.length < 4) return [];
  const mid = median([...residuals]);
  const mad = medianAbsoluteDeviation([...residuals]);
  return residuals.flatMap((r, i) => {
    const z = mad === 0 ? (r === mid ? 0 : Infinity) : (0.6745 * Math.abs(r - mid)) / mad;
    return z > 3.5 && Math.abs(r) > 4 * standardErrors[i]! ? [i] : [];
  });
}

function distinct(x: ArrayLike<number>): number {
  const seen = new Set<number>();
  for (let i = 0; i < x.length && seen.size < 3; i++) seen.add(x[i]!);
  return seen.size;
}

/** Gaussian elimination with partial pivoting on a 3×4 augmented matrix. */
function solve3(m: number[][]): number[] | null {
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-300) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c < 4; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return [m[0]![3]! / m[0]![0]!, m[1]![3]! / m[1]![1]!, m[2]![3]! / m[2]![2]!];
}
