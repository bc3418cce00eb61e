/** The capture's named parts, each a small table: pacer, stability judge, flight table, failure rule, sidecar reader. */
import { describe, expect, test } from '@jest/globals';
import { FailureRule } from '../../src/driver/failure-rule.js';
import { FlightTable } from '../../src/driver/flights.js';
import { closedLoop, constantRate, pacerFor, poissonRate } from '../../src/driver/pacer.js';
import { judge, latencyStable, throughputStable, withinPercent } from '../../src/driver/stability.js';
import { outputsAreEmpty, promptOfInputs } from '../../src/export/outputs.js';
import { readSidecar } from '../../src/export/sidecar.js';
import { captureProgress, PLAIN_EVERY_MS } from '../../src/cli/capture-progress.js';
import { timingWarnings } from '../../src/records/timing-health.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

const MS = 1_000_000;

describe('pacer: next intended send from (elapsed, requests sent)', () => {
  test.each([
    // rate/s, elapsed ns, hits, wait ns
    [10, 0, 0, 0],
    [10, 0, 1, 100 * MS],
    [10, 50 * MS, 1, 50 * MS],
    [10, 250 * MS, 2, 0], // late: send at once
    [10, 250 * MS, 3, 50 * MS],
    [1000, 10 * MS, 10, 0],
    [1000, 10 * MS, 11, 1 * MS],
    [4, 0, 4, 1000 * MS],
  ])('constant %d/s at %d ns after %d requests waits %d ns', (rate, elapsed, hits, waitNs) => {
    expect(constantRate(rate).waitNs(elapsed, hits)).toBeCloseTo(waitNs, 3);
  });

  test('closed loop never waits and has no intended times', () => {
    expect(closedLoop.waitNs(123, 456)).toBe(0);
    expect(closedLoop.intendedNs(3)).toBeNull();
    expect(pacerFor({ mode: 'concurrency', value: 4 }, 'poisson', 1)).toBe(closedLoop);
  });

  test('Poisson: the same seed gives the same schedule, due times increase, mean gap near 1/rate', () => {
    const a = poissonRate(100, 7);
    const b = poissonRate(100, 7);
    const n = 20_000;
    // Asked out of order, the schedule is the same: a function of the request number alone.
    expect(b.intendedNs(500)).toBe(a.intendedNs(500));
    expect(a.intendedNs(0)).toBe(0);
    let prev = -1;
    for (let k = 0; k < n; k++) {
      const t = a.intendedNs(k)!;
      expect(t).toBeGreaterThan(prev);
      expect(b.intendedNs(k)).toBe(t);
      prev = t;
    }
    const meanGapMs = a.intendedNs(n - 1)! / (n - 1) / MS;
    expect(meanGapMs).toBeGreaterThan(9.5);
    expect(meanGapMs).toBeLessThan(10.5);
    expect(poissonRate(100, 8).intendedNs(10)).not.toBe(a.intendedNs(10));
    expect(a.waitNs(a.intendedNs(5)! - 3, 5)).toBe(3);
  });
});

describe('stability judge: perf_analyzer window rules', () => {
  const w = (throughput: number, latencyNs: number) => ({ throughput, latencyNs });
  const rule = { stabilityPercent: 10, maxTrials: 5 };
  test.each([
    ['fewer than three windows', [w(10, 100), w(10, 100)], 'measure_more'],
    ['three alike', [w(10, 100), w(10.5, 104), w(10.9, 109)], 'stable'],
    ['throughput apart', [w(10, 100), w(12, 100), w(10, 100)], 'measure_more'],
    ['latency apart', [w(10, 100), w(10, 120), w(10, 100)], 'measure_more'],
    ['only the last three count', [w(1, 1), w(10, 100), w(10, 100), w(10, 100)], 'stable'],
    ['a window with nothing done', [w(0, 0), w(0, 0), w(0, 0)], 'measure_more'],
    ['max trials without agreement', [w(1, 100), w(2, 100), w(3, 100), w(4, 100), w(5, 100)], 'gave_up'],
    ['stable on the last trial', [w(1, 100), w(2, 100), w(10, 100), w(10, 100), w(10, 100)], 'stable'],
  ] as const)('%s', (_name, windows, verdict) => {
    expect(judge(windows, rule)).toBe(verdict);
  });

  test('-s 999 makes any three working windows stable; the predicates alone', () => {
    expect(judge([w(1, 1), w(9, 9), w(5, 5)], { stabilityPercent: 999, maxTrials: 10 })).toBe('stable');
    expect(withinPercent([100, 110], 10)).toBe(true);
    expect(withinPercent([100, 110.01], 10)).toBe(false);
    expect(withinPercent([], 10)).toBe(false);
    expect(throughputStable([w(10, 1), w(10, 99)], 10)).toBe(true);
    expect(latencyStable([w(10, 1), w(10, 99)], 10)).toBe(false);
  });
});

describe('flight table', () => {
  test('lanes, deadlines, one end per request, late answers ignored', () => {
    const t = new FlightTable<string>(2);
    expect(t.freeLane()).toBe(0);
    const a = t.open('a', 0, 'A');
    expect(t.freeLane()).toBe(1);
    const b = t.open('b', 1, 'B');
    const c = t.open('c', 1, 'C');
    expect(t.freeLane()).toBe(-1);
    expect(t.inLane(1)).toBe(2);
    expect(() => t.open('a', 1, 'again')).toThrow();
    // Not sent yet: no deadline.
    expect(t.expired(1e18)).toEqual([]);
    t.sent(a, 100, 50);
    t.sent(b, 120, 50);
    t.sent(c, 200, 50);
    expect(t.expired(160).map((f) => f.id)).toEqual(['a']);
    expect(t.expired(171).map((f) => f.id)).toEqual(['a', 'b']);
    expect(t.finish(a, 'timeout', 'late')).toBe(a);
    expect(a.status).toBe('timeout');
    // A second end (the final response after the timeout) changes nothing.
    expect(t.finish(a, 'ok', null)).toBeNull();
    expect(a.status).toBe('timeout');
    expect(t.get('a')).toBeUndefined();
    expect(t.freeLane()).toBe(0);
    expect(t.flying(1).map((f) => f.id)).toEqual(['b', 'c']);
    t.finish(b, 'ok', null);
    t.finish(c, 'client_error', 'stream failed');
    expect(t.size).toBe(0);
    expect(t.flying()).toEqual([]);
    expect(c.error).toBe('stream failed');
  });
});

describe('failure rule: a capture stops when nothing succeeds', () => {
  const run = (statuses: string[], rule = new FailureRule({ kind: 'default' })): [number, string | null] => {
    for (const [i, s] of statuses.entries()) {
      const why = rule.add(s, s === 'ok' ? null : `error ${i}`);
      if (why !== null) return [i + 1, why];
    }
    return [statuses.length, null];
  };
  const fail = (n: number): string[] => new Array<string>(n).fill('server_error');
  const ok = (n: number): string[] => new Array<string>(n).fill('ok');
  test.each([
    ['the first five fail', fail(10), 5, 'the first 5 requests all failed'],
    ['four failures, then successes', [...fail(4), ...ok(30)], 34, null],
    ['one success first, then failures past half', [...ok(1), ...fail(30)], 20, '19 of 20 requests failed (more than 50%)'],
    ['a third failing goes on', [...ok(2), 'timeout', ...ok(2), 'timeout', ...ok(2), 'timeout', ...ok(20)], 29, null],
  ] as const)('%s', (_name, statuses, endedAt, why) => {
    expect(run([...statuses])).toEqual([endedAt, why]);
  });

  test('--max-errors replaces the rule; the first error text is kept', () => {
    const rule = new FailureRule({ kind: 'max_errors', maxErrors: 7 });
    expect(run(fail(20), rule)).toEqual([8, 'more than 7 failed requests (--max-errors)']);
    expect(rule.firstError).toBe('error 0');
  });
});

describe('which responses are empty, as the export parser decides', () => {
  test.each([
    [{}, true],
    [{ text_output: '' }, true],
    [{ text_output: 'a' }, false],
    [{ text_output: '', other: 'x' }, true], // a text output decides alone
    [{ other: '' }, true],
    [{ other: 'x' }, false],
    [{ response: 'data: [DONE]\n\n' }, true],
    [{ response: 'data: {"choices":[{"text":"hi"}]}\n\n' }, false],
  ])('%j → %s', (outputs, empty) => {
    expect(outputsAreEmpty(outputs)).toBe(empty);
  });

  test('the prompt of request inputs: the last prompt input wins; payloads are read', () => {
    expect(promptOfInputs({ PROMPT: 'a b', STREAM: true })).toBe('a b');
    expect(promptOfInputs({ text_input: 'x', PROMPT: 'y' })).toBe('y');
    expect(promptOfInputs({ payload: '{"prompt":"p q"}' })).toBe('p q');
    expect(promptOfInputs({ max_tokens: 3 })).toBeNull();
  });
});

describe('sidecar reader', () => {
  const header = { kind: 'header', schemaVersion: 2, tool: { name: 'palens', version: '0' }, prompt: { unit: 'words', tokenizer: null }, config: { model: 'm' } };
  const sent = (id: string) => ({ kind: 'sent', experiment: 0, id, warmup: false, intended_send_ns: null, prompt_tokens: null, prompt_words: 7 });
  const request = (id: string, index: number, status: string) => ({ ...sent(id), kind: 'request', index, status, error: null, responses: 1, send_ns: '1700000000000000001' });
  const write = async (dir: string, text: string): Promise<string> => {
    const file = join(dir, 'e.json');
    await writeFile(`${file}.palens.jsonl`, text);
    return file;
  };

  test('statuses and lengths by export index, requests in flight, a last line cut short left out', async () => {
    await withTempDir(async (dir) => {
      const ls = [header, { kind: 'experiment', index: 0, mode: 'concurrency', value: 2 }, sent('a'), sent('b'), sent('c'), request('b', 0, 'ok'), request('a', 1, 'timeout')];
      const file = await write(dir, ls.map((l) => JSON.stringify(l)).join('\n') + '\n{"kind":"requ');
      const s = (await readSidecar(file))!;
      expect(s.truncated).toBe(true);
      expect(s.status(0, 0)).toBe('ok');
      expect(s.status(0, 1)).toBe('timeout');
      expect(s.status(0, 2)).toBeNull();
      expect(s.failed(0)).toBe(1);
      expect(s.inFlight.map((r) => r.id)).toEqual(['c']);
      expect(s.lengths.unit).toBe('words');
      expect(s.lengths.lookup(0, 1)).toBe(7);
      expect(s.config).toEqual({ model: 'm' });
      expect(s.end).toBeNull();
    });
  });

  test('a bad line that is not the last is an InputError with its line number', async () => {
    await withTempDir(async (dir) => {
      const file = await write(dir, `${JSON.stringify(header)}\n{oops\n${JSON.stringify(sent('a'))}\n`);
      await expect(readSidecar(file)).rejects.toMatchObject({ code: 'PALENS_INPUT_SCHEMA', message: expect.stringContaining('line 2') });
      const wrong = await write(dir, `${JSON.stringify(header)}\n${JSON.stringify({ ...request('a', 0, 'fine') })}\n`);
      await expect(readSidecar(wrong)).rejects.toMatchObject({ message: expect.stringContaining('line 2') });
    });
  });

  test('the earlier single-document sidecar is read too', async () => {
    const s = (await readSidecar(repoPath('samples', 'real-triton', 'prefill-64.json')))!;
    expect(s.schemaVersion).toBe(1);
    expect(s.status(0, 0)).toBe('ok');
    expect(s.lengths.lookup(0, 0)).toBeGreaterThan(0);
  });
});

describe('capture progress without a terminal', () => {
  test('one plain line every few seconds, one prefix, counts over levels', async () => {
    let t = 0;
    let out = '';
    const io = { stderr: { write: (s: string) => void (out += s) }, stderrIsTTY: false, env: {} } as unknown as Parameters<typeof captureProgress>[0];
    const view = await captureProgress(io, 1, 40, () => t);
    const p = (level: number, done: number) => ({ level, levels: 2, sent: done, done, errors: 1, phase: 'measure' as const });
    view.update('capture', 0, p(0, 5));
    t = PLAIN_EVERY_MS - 1;
    view.update('capture', 0, p(0, 20));
    expect(out).toBe('');
    t = PLAIN_EVERY_MS;
    view.update('capture', 0, p(1, 3));
    expect(out).toBe('palens: capture: 23/40 requests ended (measure), 4.6 req/s, 2 failed\n');
    t = PLAIN_EVERY_MS + 10;
    view.update('capture', 0, p(1, 4));
    expect(out.split('\n')).toHaveLength(2);
  });
});

describe('timing health', () => {
  test('a busy client is a warning; a quiet one is not', () => {
    const quiet = { event_loop_delay_ns: { p50: 20_000, p99: 400_000, max: 2_000_000 }, schedule_lag_ns: null, max_responses_per_read: 3 };
    expect(timingWarnings(quiet)).toEqual([]);
    const busy = { ...quiet, event_loop_delay_ns: { p50: 20_000, p99: 3_500_000, max: 9_000_000 } };
    expect(timingWarnings(busy)[0]).toContain('event-loop delay p99 3.50 ms');
    expect(timingWarnings({ ...quiet, schedule_lag_ns: { p50: 1, p99: 2_000_000, max: 5_000_000 } })[0]).toContain('schedule lag p99 2.00 ms');
  });
});
