/**
 * The checks on `palens mock`'s options. The mock is a measuring stick: a negative latency, a rate
 * above 1 or a port that is not one would either serve a law other than the one asked for or fail
 * deep inside Node; each is refused here with one line naming the flag.
 */

/** Timers hold at most 2^31 − 1 ms (24.8 days); a longer pause would fire at once. */
const MAX_MS = 2 ** 31 - 1;

type Check = readonly [flag: string, min: number, max: number, integer: boolean];

const CHECKS: readonly Check[] = [
  ['port', 0, 65_535, true],
  ['prefill-base-ms', 0, MAX_MS, false],
  ['prefill-per-token-us', 0, 1e9, false],
  ['prefill-quadratic-ns', 0, 1e9, false],
  ['decode-gap-ms', 0, MAX_MS, false],
  ['decode-growth-ns', 0, 1e9, false],
  ['batching-us', 0, 1e9, false],
  ['jitter-ms', 0, MAX_MS, false],
  ['seed', 0, 2 ** 32 - 1, true],
  ['error-rate', 0, 1, false],
  ['stall-ms', 0, MAX_MS, false],
  ['stall-rate', 0, 1, false],
  ['drop-connection-after', 0, Number.MAX_SAFE_INTEGER, true],
  ['http-429-rate', 0, 1, false],
  ['http-500-rate', 0, 1, false],
];

/** Every problem with the mock's numeric options, one line each (none: empty). */
export function mockOptionProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [flag, min, max, integer] of CHECKS) {
    const given = raw[flag];
    if (given === undefined) continue;
    const v = typeof given === 'number' ? given : Number(String(given).trim() === '' ? NaN : given);
    if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      problems.push(`--${flag}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max.toLocaleString('en-US')}, got ${String(given)}`);
    }
  }
  return problems;
}
