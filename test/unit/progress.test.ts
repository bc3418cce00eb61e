/** Progress of long reads where stderr is a log, not a terminal: a plain line every few seconds. */
import { describe, expect, test } from '@jest/globals';
import { byteProgress, PLAIN_EVERY_S } from '../../src/cli/progress.js';

describe('plain progress (stderr not a terminal)', () => {
  test('one line per PLAIN_EVERY_S seconds of an injected clock, one prefix, nothing for small files', async () => {
    const lines: string[] = [];
    let now = 1_000;
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => lines.push(s) }, env: {}, stdoutIsTTY: false, stderrIsTTY: false, now: () => now };
    const p = await byteProgress(io);
    const MiB = 2 ** 20;
    p.update('big.json', 10 * MiB, 200 * MiB);
    now += PLAIN_EVERY_S * 1000 - 1;
    p.update('big.json', 20 * MiB, 200 * MiB);
    expect(lines).toEqual([]);
    now += 1;
    p.update('big.json', 100 * MiB, 200 * MiB);
    p.update('big.json', 101 * MiB, 200 * MiB);
    now += PLAIN_EVERY_S * 1000;
    p.update('small.json', 1 * MiB, 2 * MiB);
    p.update('big.json', 150 * MiB, 200 * MiB);
    p.stop();
    expect(lines).toEqual(['palens: reading big.json: 50% (100 of 200 MiB)\n', 'palens: reading big.json: 75% (150 of 200 MiB)\n']);
  });
});

describe('plain progress of a scenario (several lengths)', () => {
  test("each line counts the length its label names, then every length's", async () => {
    const { captureProgress, PLAIN_EVERY_MS } = await import('../../src/cli/capture-progress.js');
    const lines: string[] = [];
    let now = 1_000;
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => lines.push(s) }, env: {}, stdoutIsTTY: false, stderrIsTTY: false };
    // 2 lengths × 4 measured requests.
    const p = await captureProgress(io, 2, 8, () => now);
    const at = (done: number, errors = 0) => ({ level: 0, levels: 1, sent: done, done, errors, phase: 'measure' as const });
    p.update('prefill 64 words', 0, at(3));
    now += PLAIN_EVERY_MS;
    p.update('prefill 64 words', 0, at(4, 1));
    p.update('prefill 64 words', 1, { ...at(0), phase: 'drain' });
    p.update('prefill 128 words', 1, at(1));
    now += PLAIN_EVERY_MS;
    p.update('prefill 128 words', 1, at(2));
    p.stop();
    expect(lines).toEqual([
      'palens: prefill 64 words (length 1/2): 4/4 requests ended (measure), 1 failed · all lengths 4/8, 0.8 req/s\n',
      'palens: prefill 128 words (length 2/2): 2/4 requests ended (measure), 0 failed · all lengths 6/8, 0.6 req/s\n',
    ]);
  });
});
