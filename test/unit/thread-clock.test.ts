/** The capture clock read from another thread is the same clock: ordered with the main thread's readings. */
import { describe, expect, test } from '@jest/globals';
import { Worker } from 'node:worker_threads';
import { MonotonicClock } from '../../src/records/clock.js';
import { AnchoredHrClock, anchorOf, parseWorkers } from '../../src/driver/thread-clock.js';

describe('the clock shared with lane workers', () => {
  test('a reading in this thread through the anchor falls between two readings of the main clock', () => {
    const clock = new MonotonicClock();
    const shared = new AnchoredHrClock(anchorOf(clock));
    for (let i = 0; i < 1000; i++) {
      const before = clock.nowNs();
      const mid = shared.nowNs();
      const after = clock.nowNs();
      // The anchor is rounded to whole ns once, and the two clocks are read back to back: within 1 µs.
      expect(mid).toBeGreaterThanOrEqual(before - 1000);
      expect(mid).toBeLessThanOrEqual(after + 1000);
    }
    expect(shared.epochNs(123_456_789)).toBe(clock.epochNs(123_456_789));
  });

  test('a reading in a worker thread falls between the main thread\'s readings before and after it', async () => {
    const clock = new MonotonicClock();
    const anchor = anchorOf(clock);
    const url = new URL('../../src/driver/thread-clock.js', import.meta.url).href;
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.url).then(({ AnchoredHrClock }) => {
         const c = new AnchoredHrClock(workerData.anchor);
         parentPort.on('message', () => parentPort.postMessage(c.nowNs()));
         parentPort.postMessage('ready');
       });`,
      { eval: true, workerData: { url, anchor } },
    );
    try {
      const next = (): Promise<unknown> => new Promise((resolve) => worker.once('message', resolve));
      expect(await next()).toBe('ready');
      for (let i = 0; i < 20; i++) {
        const before = clock.nowNs();
        const reply = next();
        worker.postMessage('now');
        const there = (await reply) as number;
        const after = clock.nowNs();
        expect(there).toBeGreaterThanOrEqual(before - 1000);
        expect(there).toBeLessThanOrEqual(after + 1000);
      }
    } finally {
      await worker.terminate();
    }
  });

  test.each([
    ['1', 8, 1],
    ['3', 8, 3],
    ['auto', 8, 7],
    ['auto', 1, 1],
  ])('--workers %s on %i cores: %i lane threads', (text, cores, n) => {
    expect(parseWorkers(text, cores)).toBe(n);
  });

  test.each(['0', '-1', 'two', '1.5'])('--workers %s is refused', (text) => {
    expect(typeof parseWorkers(text, 4)).toBe('string');
  });
});
