/** GuideLLM benchmarks.json: benchmarks as experiments, exact times from float seconds, first/last token only. */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readGuidellm } from '../../src/formats/guidellm.js';
import { readRecords } from '../../src/formats/source.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../../src/records/record.js';
import { runCli, withTempDir } from '../helpers/cli.js';

/** Seconds since the epoch as GuideLLM writes them (time.time() doubles); 2^-22 s apart. */
const T0 = 1796202807;

interface Req {
  start: number;
  first?: number;
  last?: number;
  end?: number;
  iterations?: number;
  prompt?: number;
  output?: number;
}

function request(r: Req, status: string): unknown {
  return {
    type_: 'generative_request_stats',
    request_id: 'r',
    request_args: '{"body":{"stream":true}}',
    output: 'text',
    info: {
      status,
      timings: {
        request_start: r.start,
        first_token_iteration: r.first ?? null,
        last_token_iteration: r.last ?? null,
        request_end: r.end ?? null,
        token_iterations: r.iterations ?? 0,
      },
      error: status === 'errored' ? 'HTTPStatusError(500)' : null,
    },
    input_metrics: { text_tokens: r.prompt ?? 0, text_words: 3, text_characters: 17 },
    prompt_tokens: r.prompt ?? null,
    output_tokens: r.output ?? null,
    request_latency: r.end === undefined ? null : r.end - r.start,
  };
}

function doc(benchmarks: { streams: number; ok: Req[]; errored?: Req[] }[]): string {
  return JSON.stringify(
    {
      metadata: { version: 2, guidellm_version: '0.8.1' },
      config: { whatever: [1, 2, { nested: 'x' }] },
      benchmarks: benchmarks.map((b) => ({
        type_: 'generative_benchmark',
        config: { strategy: { type_: 'concurrent', streams: b.streams } },
        scheduler_state: { start_time: T0 },
        metrics: { request_totals: { successful: b.ok.length, errored: b.errored?.length ?? 0 }, time_to_first_token_ms: { successful: { mean: 1 } } },
        requests: { successful: b.ok.map((r) => request(r, 'completed')), errored: (b.errored ?? []).map((r) => request(r, 'errored')), incomplete: [] },
        start_time: T0,
      })),
      conclusions: null,
    },
    null,
    1,
  );
}

class Collect implements RecordSink {
  records: { experiment: number; sendNs: number; responses: number[]; untimed: number | undefined; endNs: number | undefined; status: string | null; prompt: number | undefined }[] = [];
  ends: ExperimentInfo[] = [];
  record(r: RequestRecord): void {
    this.records.push({ experiment: r.experiment, sendNs: r.sendNs, responses: Array.from(r.responseNs.subarray(0, r.responseCount)), untimed: r.untimedResponses, endNs: r.endNs, status: r.status, prompt: r.promptTokens });
  }
  experimentEnd(info: ExperimentInfo): void {
    this.ends.push(info);
  }
}

const text = doc([
  { streams: 1, ok: [{ start: T0 + 0.5, first: T0 + 0.75, last: T0 + 1.25, end: T0 + 1.5, iterations: 16, prompt: 64, output: 16 }] },
  { streams: 2, ok: [{ start: T0 + 2, first: T0 + 2.125, last: T0 + 2.625, end: T0 + 2.75, iterations: 5, prompt: 64, output: 5 }], errored: [{ start: T0 + 3 }] },
]);

describe('GuideLLM reader', () => {
  test.each([1 << 20, 7, 1])('benchmarks are experiments, times exact ns offsets (chunks of %d bytes)', async (chunkBytes) => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'benchmarks.json');
      await writeFile(file, text);
      const sink = new Collect();
      const result = await readGuidellm(file, sink, { failFast: true, chunkBytes });
      expect(result.source.format).toBe('guidellm');
      expect(result.source.version).toBe('0.8.1');
      expect(result.source.timeBaseNs).toBe(`${T0}000000000`);
      expect(result.experiments).toBe(2);
      expect(sink.ends.map((e) => [e.index, e.mode, e.value, e.requests])).toEqual([
        [0, 'concurrency', 1, 1],
        [1, 'concurrency', 2, 2],
      ]);
      expect(sink.records).toEqual([
        { experiment: 0, sendNs: 500e6, responses: [750e6, 1250e6], untimed: 14, endNs: 1500e6, status: 'ok', prompt: 64 },
        { experiment: 1, sendNs: 2000e6, responses: [2125e6, 2625e6], untimed: 3, endNs: 2750e6, status: 'ok', prompt: 64 },
        { experiment: 1, sendNs: 3000e6, responses: [], untimed: 0, endNs: -1, status: 'server_error', prompt: -1 },
      ]);
    });
  });

  test('request latency runs to request_end; ITL over every response; no gap is invented', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      await writeFile(file, text);
      const set = new ExperimentSet({ keepEmptyResponses: false, percentiles: [50] });
      const result = await readRecords(file, set, { failFast: true });
      const [a, b] = set.summaries();
      expect(a!.metrics.time_to_first_token.mean).toBe(250e6);
      expect(a!.metrics.request_latency.mean).toBe(1000e6);
      // GuideLLM's ITL: (last − first) / (responses − 1) = 500 ms / 15.
      expect(a!.metrics.inter_token_latency.mean).toBe(500e6 / 15);
      expect(a!.metrics.output_responses.mean).toBe(16);
      expect(a!.metrics.token_to_token_latency.count).toBe(0);
      expect(a!.metrics.token_to_token_latency.mean).toBeNull();
      expect(b!.requests).toMatchObject({ total: 2, completed: 1, failed: 1 });
      expect(result.source.notes?.join('\n')).toMatch(/not available \(GuideLLM keeps only the first and last token time/);
    });
  });

  test('a truncated file is an error naming where it stopped', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      await writeFile(file, text.slice(0, text.lastIndexOf('"errored"') + 20));
      await expect(readRecords(file, new Collect(), { failFast: true })).rejects.toMatchObject({ code: 'PALENS_INPUT_SYNTAX', pointer: '/benchmarks/1/requests/errored' });
    });
  });

  test('a request without its start time is reported by JSON pointer', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      await writeFile(file, text.replace(`"request_start": ${T0 + 2}`, '"request_start": "soon"'));
      await expect(readRecords(file, new Collect(), { failFast: true })).rejects.toMatchObject({
        code: 'PALENS_INPUT_SCHEMA',
        pointer: '/benchmarks/1/requests/successful/0/info/timings/request_start',
      });
    });
  });

  test('compare and --fail-if-slower across formats: an AIPerf run gated against a GuideLLM run', async () => {
    const a = 'samples/peers/guidellm-concurrent2/benchmarks.json';
    const b = 'samples/peers/aiperf-isl1024/profile_export.jsonl';
    const gate = await runCli(['compare', a, b, '--fail-if-slower', '5', '--metric', 'time_to_first_token', '-f', 'json']);
    const doc = JSON.parse(gate.stdout);
    // B's mean TTFT (86 ms) is well above A's (46 ms): the gate fails.
    expect(gate.code).toBe(1);
    expect(JSON.stringify(doc)).toContain('time_to_first_token');
    const back = await runCli(['compare', b, a, '--fail-if-slower', '5', '--metric', 'time_to_first_token']);
    expect(back.code).toBe(0);
    // GuideLLM kept no gaps: no token-to-token interval is invented.
    expect(back.stdout).toMatch(/token-to-token latency\s+mean\s+[0-9.]+\s+–\s+–\s+–\s+\[–, –\]/);
  });
});
