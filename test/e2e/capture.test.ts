/**
 * palens capture against an in-process palens mock: the driver's records are compared with the
 * mock's truth log (counts, order, statuses, causality), never with wall-clock thresholds.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputDataSource } from '../../src/driver/presets.js';
import { validateFile } from '../../src/export/validate.js';
import { readExport as readExportFile } from '../../src/export/reader.js';
import { joinStatuses, readSidecar as readSidecarFile } from '../../src/export/sidecar.js';
import { loadTokenizer } from '../../src/prompts/tokenizer.js';
import { PromptBuilder } from '../../src/prompts/builder.js';
import { expectExit, runCli, spawnCli, withTempDir } from '../helpers/cli.js';
import { tritonTarget } from '../../src/cli/capture.js';
import { capture, config, withMock } from '../helpers/mock.js';
import { fixture } from '../helpers/paths.js';
import { expectSchema } from '../helpers/schemas.js';
import { readSidecarLines } from '../helpers/sidecar.js';

/** The export with its big timestamps kept as strings. */
const readExport = (file: string): any => JSON.parse(readFileSync(file, 'utf8').replace(/(?<=[[,:])(\d{16,})(?=[\],}])/g, '"$1"'));
const readSidecar = readSidecarLines;
/** Every line of a sidecar matches its schema. */
const expectSidecarSchema = (side: { lines: unknown[] }): void => side.lines.forEach((l) => expectSchema('sidecar', l));

describe('capture against the mock', () => {
  test.each(['vllm', 'vllm-legacy', 'trtllm'] as const)('%s: every request with its responses, as the mock sent them', async (backend) => {
    await withTempDir(async (dir) => {
      await withMock(async (mock) => {
        const file = join(dir, `${backend}.json`);
        const res = await capture(config(mock, file, { backend, maxTokens: 5, warmup: 2 }));
        expect(res.levels[0]!.statuses.ok).toBe(8);
        expect((await validateFile(file)).valid).toBe(true);
        const side = readSidecar(file);
        expectSidecarSchema(side);
        expect(side.warmup).toHaveLength(2);
        expect(side.end.totals).toEqual({ sent: 10, ok: 10, failed: 0, in_flight: 0 });
        const exp = readExport(file);
        const requests = exp.experiments[0].requests;
        expect(requests).toHaveLength(8);
        // The legacy model sends a separate empty final response.
        const perRequest = backend === 'vllm-legacy' ? 6 : 5;
        for (const [i, r] of side.experiments[0]!.requests.entries()) {
          const truth = mock.truth.filter((t) => t.id === r.id).sort((a, b) => a.index - b.index);
          const q = requests[i];
          expect(q.response_timestamps).toHaveLength(perRequest);
          expect(truth).toHaveLength(perRequest);
          expect(r.responses).toBe(perRequest);
          expect(r.prompt_words).toBe(12);
          // Causality on one clock: sent before the mock saw it; each response stamped after it left.
          expect(BigInt(r.send_ns)).toBeLessThanOrEqual(BigInt(mock.clock.epochNs(truth[0]!.arrivedNs)));
          truth.forEach((t, k) => expect(BigInt(q.response_timestamps[k])).toBeGreaterThanOrEqual(BigInt(mock.clock.epochNs(t.emittedNs))));
          if (backend === 'vllm-legacy') expect(q.response_outputs.at(-1)).toEqual({});
        }
      });
    });
  });

  test('open loop: intended send times, schedule lag, Poisson arrivals', async () => {
    await withTempDir(async (dir) => {
      await withMock(async (mock) => {
        const file = join(dir, 'rate.json');
        const res = await capture(config(mock, file, { levels: [{ mode: 'request_rate', value: 200 }], arrival: 'poisson', requestCount: 30 }));
        const side = readSidecar(file);
        expect(side.experiments[0]!.requests.every((r: { intended_send_ns: string | null }) => r.intended_send_ns !== null)).toBe(true);
        expect(res.levels[0]!.scheduleLagNs).not.toBeNull();
        expect(side.end.timing_health.schedule_lag_ns).not.toBeNull();
        expect(res.levels[0]!.ttftFromIntendedMeanNs).not.toBeNull();
        const exp = readExport(file);
        expect(exp.experiments[0].experiment).toEqual({ mode: 'request_rate', value: 200 });
      });
    });
  });

  test('levels from a range are one experiment each; windows stop when stable', async () => {
    await withTempDir(async (dir) => {
      await withMock(async (mock) => {
        const file = join(dir, 'range.json');
        // A bound no timing can break (999 % is broken by a loaded machine's stall): this checks the
        // windows' mechanics; when a level is stable is driver/stability.ts's table test.
        const windows = { mode: 'count_windows' as const, requestCount: 5, intervalMs: 500, stabilityPercent: 1e9, maxTrials: 5 };
        const res = await capture(config(mock, file, { levels: [1, 2, 3].map((v) => ({ mode: 'concurrency' as const, value: v })), requestCount: null, windows }));
        expect(res.levels.map((l) => l.stable)).toEqual([true, true, true]);
        expect(res.levels.every((l) => l.windows === 3)).toBe(true);
        const exp = readExport(file);
        expect(exp.experiments.map((e: { experiment: { value: number } }) => e.experiment.value)).toEqual([1, 2, 3]);
        expect(exp.experiments[0].window_boundaries).toHaveLength(4);
      });
    });
  });

  test('injected faults surface as per-request statuses; nothing is lost', async () => {
    await withTempDir(async (dir) => {
      await withMock(
        async (mock) => {
          const file = join(dir, 'faults.json');
          const res = await capture(config(mock, file, { requestCount: 30, levels: [{ mode: 'concurrency', value: 3 }], maxErrors: 1000 }));
          const side = readSidecar(file);
          const statuses = side.experiments[0]!.requests.map((r: { status: string }) => r.status);
          expect(statuses).toHaveLength(30);
          expect(statuses).toContain('server_error');
          expect(statuses).toContain('client_error');
          expect(res.levels[0]!.statuses.ok + res.levels[0]!.statuses.server_error + res.levels[0]!.statuses.client_error).toBe(30);
          expect((await validateFile(file)).valid).toBe(true);
        },
        {},
        { errorRate: 0.3, dropConnectionAfter: 40 },
      );
    });
  });

  test("a reader of the export takes each request's status from the sidecar beside it", async () => {
    await withTempDir(async (dir) => {
      await withMock(
        async (mock) => {
          const file = join(dir, 'mixed.json');
          await capture(config(mock, file, { requestCount: 24, timeoutMs: 300, maxTokens: 4, maxErrors: 1000, levels: [{ mode: 'concurrency', value: 4 }] }));
          const side = readSidecar(file);
          const byIndex = side.experiments[0]!.requests.map((r: { status: string }) => r.status);
          expect(byIndex).toContain('timeout');
          expect(byIndex).toContain('server_error');
          expect(byIndex).toContain('ok');
          const seen: (string | null)[] = [];
          const sidecar = await readSidecarFile(file);
          await readExportFile(file, joinStatuses(sidecar, { record: (r) => void (seen[r.index] = r.status), experimentEnd: () => undefined }), { failFast: true });
          expect(seen).toEqual(byIndex);
          expect(sidecar!.failed(0)).toBe(byIndex.filter((s: string) => s !== 'ok').length);
        },
        {},
        { errorRate: 0.2, stallMs: 5000, stallRate: 0.3 },
      );
    });
  });

  test('a server that fails everything: the capture stops after the first requests, with the server text', async () => {
    await withTempDir(async (dir) => {
      await withMock(
        async (mock) => {
          const res = await capture(config(mock, join(dir, 'fail.json'), { requestCount: 1000, levels: [{ mode: 'concurrency', value: 2 }] }));
          expect(res.stoppedReason).toMatch(/^the first \d+ requests all failed$/);
          expect(res.firstError).toBe('mock: injected error');
          // Stopped at the rule's count, plus what was already in flight.
          expect(res.levels[0]!.requests).toBeGreaterThanOrEqual(5);
          expect(res.levels[0]!.requests).toBeLessThanOrEqual(6);
          expect(res.levels[0]!.statuses.ok).toBe(0);
        },
        {},
        { errorRate: 1 },
      );
    });
  });

  test('a request with no final response times out, with that status', async () => {
    await withTempDir(async (dir) => {
      await withMock(
        async (mock) => {
          const file = join(dir, 'timeout.json');
          await capture(config(mock, file, { requestCount: 4, timeoutMs: 150, maxTokens: 4 }));
          const side = readSidecar(file);
          expect(side.experiments[0]!.requests.map((r: { status: string }) => r.status)).toContain('timeout');
        },
        {},
        { stallMs: 5000, stallRate: 1 },
      );
    });
  });

  test('a preset that does not fit the model fails before sending anything', async () => {
    await withTempDir(async (dir) => {
      await withMock(async (mock) => {
        const c = config(mock, join(dir, 'x.json'), { backend: 'vllm' });
        await expect(capture({ ...c, model: 'vllm_legacy' })).rejects.toMatchObject({ code: 'PALENS_SERVER', message: expect.stringContaining("needs an input 'text_input'") });
        await expect(capture({ ...c, model: 'nope' })).rejects.toMatchObject({ code: 'PALENS_SERVER', message: expect.stringContaining("model 'nope' is not ready") });
        expect(mock.truth).toHaveLength(0);
      });
    });
  });
});

describe('perf_analyzer input data', () => {
  test("the seed's prompts.json drives vllm_legacy unchanged, with --max-tokens", async () => {
    await withTempDir(async (dir) => {
      const prompts = join(dir, 'prompts.json');
      await writeFile(prompts, JSON.stringify({ data: [{ PROMPT: ['Hello, my name is'], STREAM: [true] }] }));
      await withMock(async (mock) => {
        const file = join(dir, 'seed.json');
        const c = config(mock, file, { backend: 'vllm-legacy', requestCount: 3 });
        await capture({ ...c, prompts: null, makeSource: () => inputDataSource(prompts, { maxTokens: 7, ignoreEos: false, extraInputs: [], requestParameters: {} }) });
        const exp = readExport(file);
        const q = exp.experiments[0].requests[0];
        expect(q.request_inputs.PROMPT).toBe('Hello, my name is');
        expect(JSON.parse(q.request_inputs.SAMPLING_PARAMETERS)).toEqual({ max_tokens: 7 });
        expect(q.response_timestamps).toHaveLength(8);
        const seed = JSON.parse(
          (await import('node:child_process')).execFileSync('python3', [fixture('..', '..', 'bench', 'seed_reference.py'), file], { encoding: 'utf8' }),
        ) as { ttft_count: number };
        expect(seed.ttft_count).toBe(3);
      });
    });
  });

  test('content+shape and b64 forms, round robin over steps', async () => {
    await withTempDir(async (dir) => {
      const data = join(dir, 'data.json');
      const b64 = (s: string): string => {
        const body = Buffer.from(s);
        const len = Buffer.alloc(4);
        len.writeUInt32LE(body.length);
        return Buffer.concat([len, body]).toString('base64');
      };
      await writeFile(
        data,
        JSON.stringify({
          data: [
            [
              { text_input: { content: ['first prompt'], shape: [1] }, max_tokens: [3], stream: [true] },
              { text_input: { b64: b64('second prompt') }, max_tokens: { content: [4], shape: [1] }, stream: [true] },
            ],
          ],
        }),
      );
      await withMock(async (mock) => {
        const file = join(dir, 'e.json');
        const c = config(mock, file, { backend: 'trtllm', requestCount: 4, levels: [{ mode: 'concurrency', value: 1 }] });
        await capture({ ...c, prompts: null, makeSource: () => inputDataSource(data, { maxTokens: null, ignoreEos: false, extraInputs: [], requestParameters: {} }) });
        const requests = readExport(file).experiments[0].requests;
        expect(requests.map((q: { request_inputs: { text_input: string } }) => q.request_inputs.text_input)).toEqual(['first prompt', 'second prompt', 'first prompt', 'second prompt']);
        expect(requests.map((q: { response_timestamps: string[] }) => q.response_timestamps.length)).toEqual([3, 4, 3, 4]);
      });
    });
  });

  test.each([
    ['non-JSON sampling parameters', 'vllm-legacy', { data: [{ PROMPT: ['x'], SAMPLING_PARAMETERS: ['max_tokens=3'] }] }, '/data/0/SAMPLING_PARAMETERS/0'],
    ['invalid base64', 'trtllm', { data: [{ text_input: { b64: 'not base64!' }, max_tokens: [3] }] }, '/data/0/text_input/b64'],
    ['content against shape', 'trtllm', { data: [[{ text_input: { content: ['a', 'b'], shape: [1] }, max_tokens: [3] }]] }, '/data/0/0/text_input/shape'],
  ] as const)('input data with %s: an InputError with file and pointer, before anything is sent', async (_name, backend, doc, pointer) => {
    await withTempDir(async (dir) => {
      const data = join(dir, 'bad.json');
      await writeFile(data, JSON.stringify(doc));
      await withMock(async (mock) => {
        const c = config(mock, join(dir, 'x.json'), { backend });
        await expect(capture({ ...c, prompts: null, makeSource: () => inputDataSource(data, { maxTokens: null, ignoreEos: false, extraInputs: [], requestParameters: {} }) })).rejects.toMatchObject({
          code: 'PALENS_INPUT_SCHEMA',
          file: data,
          pointer,
        });
        expect(mock.truth).toHaveLength(0);
      });
    });
  });

  test('input data naming an input the model lacks fails fast', async () => {
    await withTempDir(async (dir) => {
      const data = join(dir, 'bad.json');
      await writeFile(data, JSON.stringify({ data: [{ PROMPT: ['x'], NOPE: [1] }] }));
      await withMock(async (mock) => {
        const c = config(mock, join(dir, 'x.json'), { backend: 'vllm-legacy' });
        await expect(capture({ ...c, prompts: null, makeSource: () => inputDataSource(data, { maxTokens: null, ignoreEos: false, extraInputs: [], requestParameters: {} }) })).rejects.toMatchObject({
          message: expect.stringContaining("has no input 'NOPE'"),
        });
      });
    });
  });
});

describe('prompts of exact length', () => {
  test('N tokens by a local tokenizer, checked by encoding again; salted and seeded', async () => {
    const tok = await loadTokenizer(fixture('tokenizer'));
    for (const n of [1, 7, 64, 300]) {
      const b = new PromptBuilder({ unit: 'tokens', length: n, seed: 3, salt: true }, tok);
      const a = b.next();
      const c = b.next();
      expect(tok.count(a.text)).toBe(n);
      expect(a.tokens).toBe(n);
      expect(tok.count(c.text)).toBe(n);
      if (n >= 7) expect(a.text).not.toBe(c.text); // one token cannot hold a salt
    }
    const words = new PromptBuilder({ unit: 'words', length: 50, seed: 9, salt: false }, null);
    const again = new PromptBuilder({ unit: 'words', length: 50, seed: 9, salt: false }, null);
    const w = words.next();
    expect(w.text.split(' ')).toHaveLength(50);
    expect(again.next().text).toBe(w.text);
  });
});

describe('the CLI', () => {
  test('capture --mock, then validate and the seed reference accept the export', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'cli.json');
      const r = await spawnCli(['capture', '--mock', '--backend', 'vllm', '--max-tokens', '8', '--concurrency', '4', '--request-count', '20', '--prompt-words', '40', '-f', file]);
      expectExit(r, 0);
      expect(r.stderr).toContain('20 requests, 20 ok');
      expectExit((await spawnCli(['validate', file])), 0);
      const analysis = JSON.parse((await spawnCli(['analyze', file, '-f', 'json'])).stdout);
      expect(analysis.experiments[0].requests.completed).toBe(20);
      expect(analysis.experiments[0].metrics.output_responses.mean).toBe(8);
    });
  });

  test('capture prints the analysis palens analyze prints for its export: JSON equal to the last digit, and the table', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      const cap = await spawnCli(['capture', '--mock', '-m', 'vllm_legacy', '--backend', 'vllm-legacy', '--max-tokens', '24', '--concurrency', '4', '--request-count', '40', '--prompt-words', '50', '-f', file, '--format', 'json']);
      expectExit(cap, 0);
      const live = JSON.parse(cap.stdout);
      expectSchema('analysis', live);
      const read = JSON.parse((await spawnCli(['analyze', file, '-f', 'json'])).stdout);
      expect(live.experiments[0].requests.completed).toBe(40);
      // The legacy model's empty finals are seen alike on both sides.
      expect(live.experiments[0].responses.empty).toBe(40);
      expect(live.experiments[0].metrics).toEqual(read.experiments[0].metrics);
      expect(live).toEqual(read);
      const range = join(dir, 'range.json');
      const table = await spawnCli(['capture', '--mock', '--max-tokens', '4', '--concurrency-range', '1:2', '--request-count', '6', '--prompt-words', '10', '-f', range]);
      expectExit(table, 0);
      expect(table.stdout).toBe((await spawnCli(['analyze', range])).stdout);
      // Each level's table on stderr as the level ends.
      expect(table.stderr).toContain('Experiment 0 · concurrency 1');
      expect(table.stderr).toContain('Experiment 1 · concurrency 2');
    });
  });

  test.each([
    [['--grace', '-5'], '--grace: expected milliseconds ≥ 0'],
    [['--timeout', '0'], '--timeout: expected milliseconds above 0'],
    [['--request-rate', '1e-9'], 'request rate 1e-9'],
    [['-u', ''], "-u '': expected the server's gRPC address"],
  ])('capture %j is a usage error with one clear message', async (args, message) => {
    const r = await runCli(['capture', '-m', 'vllm', '--prompt-words', '3', '--request-count', '1', '-f', '/nonexistent/x.json', ...args]);
    expectExit(r, 2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('bug in palens');
  });

  test('-u HOST without a port uses 8001 and says so; a wrong model name lists the models there; the README name works on the mock', async () => {
    const io = { stderr: { write: (t: string) => void (said += t) } } as unknown as Parameters<typeof tritonTarget>[1];
    let said = '';
    expect(tritonTarget('127.0.0.1', io)).toBe('127.0.0.1:8001');
    expect(said).toContain('using 127.0.0.1:8001');
    expect(tritonTarget('[::1]:9001', io)).toBe('[::1]:9001');
    await withTempDir(async (dir) => {
      const wrong = await runCli(['capture', '--mock', '-m', 'nope', '--prompt-words', '3', '--request-count', '1', '-f', join(dir, 'w.json')]);
      expectExit(wrong, 1);
      expect(wrong.stderr).toContain('the server has: vllm, vllm_legacy, ensemble, vllm_model');
      expect(wrong.stderr).toContain('latency law TTFT = 15 ms');
      const readme = await runCli(['capture', '--mock', '-m', 'vllm_model', '--max-tokens', '3', '--prompt-words', '3', '--request-count', '2', '-f', join(dir, 'r.json')]);
      expectExit(readme, 0);
    });
  });

  test("analyze of a capture warns when the capture's client was the bottleneck (from the sidecar's timing health)", async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'busy.json');
      expectExit((await spawnCli(['capture', '--mock', '--max-tokens', '3', '--prompt-words', '5', '--request-count', '4', '-f', file])), 0);
      const sidecar = `${file}.palens.jsonl`;
      const ls = readFileSync(sidecar, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const end = ls.at(-1);
      expect(end.kind).toBe('end');
      expect(end.timing_health.max_responses_per_read).toBeGreaterThan(0);
      end.timing_health.event_loop_delay_ns = { p50: 100_000, p99: 4_000_000, max: 9_000_000 };
      await writeFile(sidecar, ls.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const analysis = JSON.parse((await spawnCli(['analyze', file, '-f', 'json'])).stdout);
      expect(analysis.warnings[0]).toContain('capture: the client was busy: event-loop delay p99 4.00 ms');
    });
  });

  test('SIGINT mid-run: a valid export, a sidecar marked interrupted, exit 130', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'int.json');
      const { spawn } = await import('node:child_process');
      const { BIN, ROOT } = await import('../helpers/paths.js');
      const child = spawn(process.execPath, [BIN, 'capture', '--mock', '--max-tokens', '400', '--concurrency', '3', '--request-count', '1000', '--prompt-words', '8', '--grace', '300', '-f', file], { cwd: ROOT });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      // Interrupt once the capture is sending (its export file exists), not after a fixed time.
      const { existsSync } = await import('node:fs');
      while (!existsSync(file)) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
      expect(code).toBe(130);
      expect(stderr).toContain('(interrupted)');
      expect((await validateFile(file)).valid).toBe(true);
      const side = readSidecar(file);
      expect(side.end.interrupted).toBe(true);
      expectSidecarSchema(side);
      for (const r of side.experiments[0]!.requests) expect(['ok', 'cancelled']).toContain(r.status);
      // Every request sent has ended, in one way or another.
      expect(side.end.totals.in_flight).toBe(0);
      expect(side.lines.filter((l) => l.kind === 'request')).toHaveLength(side.sent.length);
      // The capture's own analysis says what `palens analyze` of its files says: it was interrupted.
      const warning = `warning: ${file}: INTERRUPTED: the capture was interrupted: only the requests that ended have latencies`;
      expect(stdout).toContain(warning);
      expect((await spawnCli(['analyze', file])).stdout).toContain(warning);
    });
  });

  test('prefill over three lengths: one export and sidecar each, then the sweep', async () => {
    await withTempDir(async (dir) => {
      const r = await spawnCli(['prefill', '--mock', '--lengths', '16,64,256', '--request-count', '4', '--results', dir]);
      expectExit(r, 0);
      for (const L of [16, 64, 256]) {
        expect((await validateFile(join(dir, `prefill-${L}.json`))).valid).toBe(true);
        expect(readSidecar(join(dir, `prefill-${L}.json`)).experiments[0]!.requests[0].prompt_words).toBe(L);
      }
      expect(r.stdout).toContain('length by meta');
      expect(readFileSync(join(dir, 'prefill-report.html'), 'utf8')).toContain('<svg');
    });
  });
});
