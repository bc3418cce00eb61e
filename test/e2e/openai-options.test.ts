/**
 * Every option of the Triton capture that makes sense for an OpenAI-compatible server, checked to
 * carry over to `--api openai`: load ranges, request rates with Poisson arrivals, windows and
 * stability, warm-up, salt and seed, `--max-errors`, and an interrupt's grace. Each row asserts the
 * option's effect in what the capture wrote (export, sidecar), never a duration.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSidecar } from '../../src/export/sidecar.js';
import { validateFile } from '../../src/export/validate.js';
import { DEFAULT_LAW } from '../../src/mock/latency.js';
import { type RunningOpenAIMock, startOpenAIMock } from '../../src/mock/openai/server.js';
import { type CliResult, spawnCli } from '../helpers/cli.js';
import { BIN, ROOT } from '../helpers/paths.js';
import { expectSchema } from '../helpers/schemas.js';
import { readSidecarLines, type SidecarLines } from '../helpers/sidecar.js';

const law = { ...DEFAULT_LAW, prefillBaseMs: 1, prefillPerTokenUs: 0, decodeGapMs: 1, jitterMs: 0 };

interface Captured {
  res: CliResult;
  sidecar: SidecarLines;
  doc: { experiments: { experiment: { mode: string; value: number }; requests: { request_inputs: { payload: string } }[] }[] };
}

let dir: string;
let mock: RunningOpenAIMock;
let serial = 0;

async function cap(args: string[], target = mock.target): Promise<Captured> {
  const out = join(dir, `c${serial++}.json`);
  const res = await spawnCli(['capture', '--api', 'openai', '-u', target, '-m', 'palens-mock', '--max-tokens', '2', '--prompt-words', '6', ...args, '-f', out]);
  const sidecar = readSidecarLines(out);
  for (const l of sidecar.lines) expectSchema('sidecar', l);
  return { res, sidecar, doc: JSON.parse(readFileSync(out, 'utf8')) };
}

const prompts = (c: Captured): string[] => c.doc.experiments.flatMap((e) => e.requests.map((r) => JSON.parse(r.request_inputs.payload).messages[0].content as string));
/** Intended send times of the measured requests, ns from the first (exact: BigInt). */
const intended = (c: Captured): bigint[] => {
  const times = c.sidecar.sent.filter((l) => !l.warmup).map((l) => BigInt(l.intended_send_ns as string));
  return times.map((t) => t - times[0]!);
};
const SALT = /^r[0-9a-z]+x[0-9a-z]+$/;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palens-openai-options-'));
  mock = await startOpenAIMock({ port: 0, law });
});
afterAll(async () => {
  await mock.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Triton capture options with --api openai', () => {
  test.each<[string, string[], (c: Captured) => void]>([
    [
      '--concurrency-range: one experiment per level, each its request count',
      ['--concurrency-range', '1:3:2', '--request-count', '4'],
      (c) => {
        expect(c.doc.experiments.map((e) => e.experiment)).toEqual([
          { mode: 'concurrency', value: 1 },
          { mode: 'concurrency', value: 3 },
        ]);
        expect(c.sidecar.experiments.map((e) => e.requests.length)).toEqual([4, 4]);
      },
    ],
    [
      '--request-rate-range: open-loop levels, every request with its intended send time',
      ['--request-rate-range', '40:80:40', '--request-count', '4'],
      (c) => {
        expect(c.doc.experiments.map((e) => e.experiment)).toEqual([
          { mode: 'request_rate', value: 40 },
          { mode: 'request_rate', value: 80 },
        ]);
        for (const e of c.sidecar.experiments) for (const r of e.requests) expect(r.intended_send_ns).toMatch(/^\d+$/);
      },
    ],
    [
      '--request-rate with constant arrivals: intended sends exactly 1/rate apart',
      ['--request-rate', '50', '--request-count', '5'],
      (c) => {
        const t = intended(c);
        for (let i = 1; i < t.length; i++) expect(Number(t[i]! - t[i - 1]!)).toBeCloseTo(20e6, -1);
      },
    ],
    [
      'count windows until stable (--measurement-mode, --measurement-request-count, --stability-percentage, --max-trials)',
      ['--measurement-mode', 'count_windows', '--measurement-request-count', '3', '--stability-percentage', '999', '--max-trials', '5'],
      (c) => {
        const end = c.sidecar.experiments[0]!.end;
        expect(end.stable).toBe(true);
        // Stable needs three windows of 3 requests; the judge stops at the first stable verdict.
        expect(end.windows).toHaveLength(4);
        expect(c.sidecar.experiments[0]!.requests.length).toBeGreaterThanOrEqual(9);
      },
    ],
    [
      'time windows, not stable within --max-trials: as many windows as trials, verdict recorded',
      ['--measurement-interval', '150', '--stability-percentage', '0', '--max-trials', '2'],
      (c) => {
        const end = c.sidecar.experiments[0]!.end;
        expect(end.stable).toBe(false);
        expect(end.windows).toHaveLength(3);
        expect(c.res.stderr).toContain('not stable after 2 windows');
      },
    ],
    [
      '--warmup: sent first, kept in the sidecar, left out of the export',
      ['--warmup', '3', '--request-count', '4'],
      (c) => {
        expect(c.sidecar.warmup).toHaveLength(3);
        expect(c.doc.experiments[0]!.requests).toHaveLength(4);
        for (const w of c.sidecar.warmup) expect(w.status).toBe('ok');
      },
    ],
    [
      'salted prompts by default: each starts with its own salt',
      ['--request-count', '4'],
      (c) => {
        const first = prompts(c).map((p) => p.split(' ')[0]!);
        for (const w of first) expect(w).toMatch(SALT);
        expect(new Set(first).size).toBe(4);
        for (const p of prompts(c)) expect(p.split(' ')).toHaveLength(6);
      },
    ],
    [
      '--no-salt: no salt word',
      ['--request-count', '4', '--no-salt'],
      (c) => {
        for (const p of prompts(c)) expect(p.split(' ')[0]).not.toMatch(SALT);
        expect(c.sidecar.header.config.salt).toBe(false);
      },
    ],
  ])('%s', async (_name, args, check) => {
    const c = await cap(args);
    expect(c.res.code).toBe(0);
    check(c);
  });

  test('--seed: the same seed gives the same prompts and Poisson schedule; another seed others', async () => {
    const args = ['--request-rate', '60', '--arrival', 'poisson', '--request-count', '6'];
    const [a, b, other] = [await cap([...args, '--seed', '7']), await cap([...args, '--seed', '7']), await cap([...args, '--seed', '8'])];
    // The export holds requests in the order they ended; the prompts sent are the same set.
    const sorted = (c: Captured) => prompts(c).sort();
    expect(sorted(a)).toEqual(sorted(b));
    expect(intended(a)).toEqual(intended(b));
    expect(sorted(other)).not.toEqual(sorted(a));
    expect(intended(other)).not.toEqual(intended(a));
    // Poisson gaps vary; constant ones would all be 1/60 s.
    const gaps = intended(a).slice(1).map((t, i) => t - intended(a)[i]!);
    expect(new Set(gaps.map(String)).size).toBeGreaterThan(1);
  });

  test('--workers (Triton gRPC lane threads) is refused for an OpenAI server, also when -u http://… implies it', async () => {
    for (const api of [['--api', 'openai'], []]) {
      const res = await spawnCli(['capture', ...api, '-u', mock.target, '-m', 'palens-mock', '--workers', '2', '--request-count', '1', '--prompt-words', '4', '-f', join(dir, 'never.json')]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--workers carries Triton gRPC streams');
    }
  });

  test('--max-errors: stops after more than N failed requests, each with the server message', async () => {
    const failing = await startOpenAIMock({ port: 0, law, faults: { rate500: 1 } });
    try {
      const c = await cap(['--max-errors', '2', '--request-count', '50'], failing.target);
      expect(c.res.code).toBe(1);
      expect(c.res.stderr).toContain('stopped early: more than 2 failed requests (--max-errors)');
      const requests = c.sidecar.experiments[0]!.requests;
      expect(requests).toHaveLength(3);
      for (const r of requests) {
        expect(r.status).toBe('server_error');
        expect(r.error).toBe('HTTP 500 Internal Server Error: mock: injected server error (InternalServerError, 500)');
      }
    } finally {
      await failing.close();
    }
  });

  test('Ctrl-C: the grace, then every request in flight cancelled and its stream closed; both files valid', async () => {
    const stalling = await startOpenAIMock({ port: 0, law, faults: { stallMs: 600_000, stallRate: 1 } });
    const file = join(dir, 'interrupted.json');
    let child: ChildProcess | null = null;
    try {
      child = spawn(process.execPath, [BIN, 'capture', '--api', 'openai', '-u', stalling.target, '-m', 'palens-mock', '--max-tokens', '4', '--concurrency', '3', '--request-count', '100', '--prompt-words', '6', '--grace', '300', '-f', file], { cwd: ROOT });
      child.stdout!.resume();
      child.stderr!.resume();
      const exit = new Promise<number | null>((resolve) => child!.on('close', (code) => resolve(code)));
      // Wait for what is needed (three requests on the wire), never for a fixed time.
      const sent = () => (existsSync(`${file}.palens.jsonl`) ? readFileSync(`${file}.palens.jsonl`, 'utf8').split('\n').filter((l) => l.includes('"kind":"sent"')).length : 0);
      while (sent() < 3 || stalling.active() < 3) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      expect(await exit).toBe(130);
      expect((await validateFile(file)).valid).toBe(true);
      const side = (await readSidecar(file))!;
      expect(side.inFlight).toHaveLength(0);
      expect(side.end).toMatchObject({ interrupted: true });
      const requests = readSidecarLines(file).lines.filter((l) => l.kind === 'request');
      expect(requests).toHaveLength(3);
      for (const r of requests) {
        expect(r.status).toBe('cancelled');
        // The mock saw each cancelled request's connection close.
        expect(stalling.truth.some((t) => t.id === r.id && t.kind === 'closed')).toBe(true);
      }
    } finally {
      child?.kill('SIGKILL');
      await stalling.close();
    }
  }, 90_000);
});

describe('events after [DONE]', () => {
  test('a server that sends more after a stream\'s [DONE]: the requests end at [DONE], and the capture counts what came after', async () => {
    const event = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
    const body = [
      event({ choices: [{ index: 0, delta: { role: 'assistant' } }] }),
      event({ choices: [{ index: 0, delta: { content: 'one' } }] }),
      'data: [DONE]\n\n',
      event({ choices: [{ index: 0, delta: { content: 'late' } }] }),
    ].join('');
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        const json = head.startsWith('GET /v1/models') ? JSON.stringify({ data: [{ id: 'late-model' }] }) : null;
        if (json !== null) socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`);
        else socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const file = join(dir, 'after-done.json');
      const r = await spawnCli(['capture', '-u', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '-m', 'late-model', '--request-count', '3', '--prompt-words', '4', '-f', file]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('3 requests, 3 ok');
      expect(r.stderr).toContain("palens: warning: 3 events came after their stream's [DONE] and are in no record (a request ends at [DONE])");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
