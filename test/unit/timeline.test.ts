import { describe, expect, test } from '@jest/globals';
import { RequestTimeline, TIMELINE_CAP } from '../../src/metrics/timeline.js';

describe('requests over time: bounded, and the largest never thinned away', () => {
  test('few requests: every one, in send order', () => {
    const t = new RequestTimeline();
    for (const send of [30, 10, 20]) t.add(send, send + 1, send + 2, send + 1.5);
    expect(t.points(false)).toEqual({ points: [[10, 11, 12], [20, 21, 22], [30, 31, 32]], requests: 3, stride: 1 });
    expect(t.points(true).points.map((p) => p[2])).toEqual([11.5, 21.5, 31.5]);
  });

  test('many requests: at most the cap plus the largest, evenly strided, one stall kept', () => {
    const t = new RequestTimeline();
    const n = 100_003;
    for (let i = 0; i < n; i++) t.add(i * 1000, 5e6, i === 77_777 ? 600e6 : 50e6, 50e6);
    const { points, requests, stride } = t.points(false);
    expect(requests).toBe(n);
    expect(points.length).toBeLessThanOrEqual(TIMELINE_CAP + 32);
    expect(points.length).toBeGreaterThan(TIMELINE_CAP / 2);
    expect(stride).toBe(64);
    expect(points.find((p) => p[2] === 600e6)?.[0]).toBe(77_777_000);
    const strided = points.filter((p) => p[0] % (stride * 1000) === 0);
    expect(strided.length).toBe(Math.ceil(n / stride));
  });

  test('merging a part read elsewhere: its times shifted, both at the coarser stride, its largest kept', () => {
    const a = new RequestTimeline();
    const b = new RequestTimeline();
    for (let i = 0; i < 3000; i++) a.add(i, 1, 1, 1);
    for (let i = 0; i < 100; i++) b.add(i, i, i === 41 ? 999 : 1, 1);
    a.merge(b.snapshot(), 1e6);
    const { points, requests, stride } = a.points(false);
    expect(requests).toBe(3100);
    expect(stride).toBe(2);
    const fromB = points.filter((p) => p[0] >= 1e6).map((p) => p[0] - 1e6);
    // b's requests at the common stride (every other one), plus its largest, odd or not.
    expect(fromB).toEqual(expect.arrayContaining(Array.from({ length: 50 }, (_, i) => 2 * i)));
    expect(fromB).toEqual(expect.arrayContaining([41, 99]));
    expect(points.find((p) => p[2] === 999)?.[1]).toBe(41);
  });
});
