import { describe, expect, test } from '@jest/globals';
import { linearRegression } from 'simple-statistics';
import { linearFit, outliers, quadraticFit, quadraticMatters, weightedLinearFit } from '../../src/sweep/fit.js';

describe('fits', () => {
  test('weighted least squares equals ordinary least squares on the points repeated by weight', () => {
    const x = [64, 128, 256, 512];
    const y = [10.1, 10.3, 10.2, 10.9];
    const w = [3, 1, 4, 2];
    const pairs: [number, number][] = [];
    x.forEach((xi, i) => {
      for (let k = 0; k < w[i]!; k++) pairs.push([xi, y[i]!]);
    });
    const ref = linearRegression(pairs);
    const fit = weightedLinearFit(x, y, w)!;
    expect(fit.slope).toBeCloseTo(ref.m, 12);
    expect(fit.intercept).toBeCloseTo(ref.b, 12);
    const plain = linearFit(pairs.map((p) => p[0]), pairs.map((p) => p[1]))!;
    expect(plain.r2).toBeCloseTo(fit.r2, 12);
  });

  test('a noiseless line and a noiseless parabola are recovered exactly', () => {
    const x = [64, 128, 256, 512, 1024, 2048];
    const line = linearFit(x, x.map((v) => 2e7 + 5e4 * v))!;
    expect(line.intercept).toBeCloseTo(2e7, 3);
    expect(line.slope).toBeCloseTo(5e4, 6);
    expect(line.r2).toBeCloseTo(1, 12);
    const q = quadraticFit(x, x.map((v) => 2e7 + 5e4 * v + 20 * v * v))!;
    expect(q.intercept / 2e7).toBeCloseTo(1, 9);
    expect(q.slope / 5e4).toBeCloseTo(1, 9);
    expect(q.quadratic / 20).toBeCloseTo(1, 9);
    expect(quadraticMatters(linearFit(x, x.map((v) => 2e7 + 5e4 * v + 20 * v * v))!, q)).toBe(true);
  });

  test('too few distinct lengths: no fit', () => {
    expect(linearFit([5, 5, 5], [1, 2, 3])).toBeNull();
    expect(quadraticFit([1, 2, 1, 2], [1, 2, 3, 4])).toBeNull();
  });

  test('outliers need a large modified z-score and their own significance', () => {
    const residuals = [0.1, -0.2, 0.15, 30, -0.1, 0.05];
    expect(outliers(residuals, residuals.map(() => 0.5))).toEqual([3]);
    expect(outliers(residuals, residuals.map(() => 10))).toEqual([]);
    expect(outliers([1, 2, 100], [0, 0, 0])).toEqual([]);
  });
});
