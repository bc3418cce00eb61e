import { describe, expect, test } from '@jest/globals';
import { chart, type ChartSpec } from '../../src/report/svg.js';

const spec = (marks: ChartSpec['marks'], topLabels?: ChartSpec['topLabels']): ChartSpec => ({
  id: 't',
  title: 't',
  x: { label: 'x', kind: 'linear', lo: 0, hi: 100 },
  y: { label: 'y', kind: 'linear', lo: 0, hi: 1 },
  series: [{ name: 'a', color: '#000', style: 'line', points: [[0, 0], [100, 1]] }],
  marks,
  ...(topLabels ? { topLabels } : {}),
});

const labels = (svg: string): { x: number; y: number; end: boolean; text: string }[] =>
  [...svg.matchAll(/<text class="tick marklabel" x="([\d.]+)" y="([\d.]+)"( text-anchor="end")?>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), end: m[3] !== undefined, text: m[4]! }));
const markAt = (svg: string, title: string): { x: number; y: number } => {
  const m = new RegExp(`<rect x="([\\d.]+)" y="([\\d.]+)" width="8" height="8" class="mark"[^>]*><title>${title}`).exec(svg)!;
  return { x: Number(m[1]) + 4, y: Number(m[2]) + 4 };
};

describe('mark labels keep clear of a rising curve and inside the plot', () => {
  test('a label with room goes right of its mark and below it (where a rising curve is higher)', () => {
    const svg = chart(spec([{ x: 50, y: 0.5, shape: 'square', color: '#000', title: 'mid', label: 'p50 50 ms' }]));
    const [l] = labels(svg);
    const m = markAt(svg, 'mid');
    expect(l!.end).toBe(false);
    expect(l!.x).toBeGreaterThan(m.x);
    expect(l!.y).toBeGreaterThan(m.y);
  });

  test('a label that would run past the plot goes left of its mark and above it (where a rising curve is lower)', () => {
    const svg = chart(spec([{ x: 97, y: 0.99, shape: 'square', color: '#000', title: 'tail', label: 'p99 97.0 ms' }]));
    const [l] = labels(svg);
    const m = markAt(svg, 'tail');
    expect(l!.end).toBe(true);
    expect(l!.x).toBeLessThan(m.x);
    expect(l!.y).toBeLessThan(m.y);
  });

  test('labels along the top that would overlap the one before are left out', () => {
    const svg = chart(spec([], [{ x: 10, text: 'n=1000' }, { x: 10.5, text: 'n=1001' }, { x: 60, text: 'n=1002' }]));
    const tops = [...svg.matchAll(/class="tick n"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(tops).toEqual(['n=1000', 'n=1002']);
  });
});
