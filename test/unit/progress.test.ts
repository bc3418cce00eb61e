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
