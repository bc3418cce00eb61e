/** AIPerf profile_export.jsonl: exact times from float ms, phases, failed records, clear errors. */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readAiperf } from '../../src/formats/aiperf.js';
import { formatOfHead } from '../../src/formats/detect.js';
import { readRecords } from '../../src/formats/source.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../../src/records/record.js';
import { runCli, withTempDir } from '../helpers/cli.js';

/** 1796202522567091339: its low digits are lost in a double (2^53 ≈ 9.0e15). */
const START = 1796202522567091339n;

interface Req {
  startNs: bigint;
  phase?: string;
  ttftMs?: number;
  iclMs?: number[];
  cancelled?: boolean;
  error?: { code: number; type: string; message: string };
  isl?: number;
  osl?: number;
  profilingIndex?: number;
}

/** One line as AIPerf 0.13 writes it (the fields palens reads, plus some it does not). */
function line(r: Req): string {
  const metrics: Record<string, unknown> = {};
  if (r.ttftMs !== undefined) {
    metrics.time_to_first_token = { value: r.ttftMs, unit: 'ms' };
    metrics.inter_chunk_latency = { value: r.iclMs ?? [], unit: 'ms' };
    metrics.request_latency = { value: r.ttftMs + (r.iclMs ?? []).reduce((a, b) => a + b, 0), unit: 'ms' };
    metrics.http_req_waiting = { value: 1.5, unit: 'ms' };
  }
  if (r.isl !== undefined) metrics.input_sequence_length = { value: r.isl, unit: 'tokens' };
  if (r.osl !== undefined) metrics.output_sequence_length = { value: r.osl, unit: 'tokens' };
  const phase = r.phase ?? 'profiling';
  // request_start_ns is spliced in as digits: JSON.stringify of a number would round it.
  const md = `{"session_num":0,"x_request_id":"x","request_start_ns":${r.startNs},"request_end_ns":${r.startNs + 1000n},"benchmark_phase":"${phase}","phase_name":"${phase}","profiling_index":${phase === 'profiling' ? (r.profilingIndex ?? 0) : null},"was_cancelled":${r.cancelled === true}}`;
  return `{"metadata":${md},"metrics":${JSON.stringify(metrics)}${r.error ? `,"error":${JSON.stringify(r.error)}` : ''}}`;
}

interface Copy {
  experiment: number;
  sendNs: number;
  responses: number[];
  status: string | null;
  outputTokens: number | undefined;
  promptTokens: number | undefined;
}

class Collect implements RecordSink {
  records: Copy[] = [];
  ends: ExperimentInfo[] = [];
  record(r: RequestRecord): void {
    this.records.push({
      experiment: r.experiment,
      sendNs: r.sendNs,
      responses: Array.from(r.responseNs.subarray(0, r.responseCount)),
      status: r.status,
      outputTokens: r.outputTokens,
      promptTokens: r.promptTokens,
    });
  }
  experimentEnd(info: ExperimentInfo): void {
    this.ends.push(info);
  }
}

async function read(lines: string[], gz = false): Promise<{ sink: Collect; result: Awaited<ReturnType<typeof readAiperf>> }> {
  return withTempDir(async (dir) => {
    const file = join(dir, 'profile_export.jsonl');
    const text = lines.join('\n') + '\n';
    await writeFile(file, gz ? gzipSync(text) : text);
    const sink = new Collect();
    const result = await readRecords(file, sink, { failFast: true });
    return { sink, result };
  });
}

describe('AIPerf reader', () => {
  test('send times are exact ns offsets; float ms become the integer ns AIPerf measured', async () => {
    const { sink, result } = await read([
      line({ startNs: START, ttftMs: 35.394509, iclMs: [20.345167, 15.641843999999999, 7.565576999999999], isl: 64, osl: 41 }),
      line({ startNs: START + 123_456_789n, ttftMs: 0.000001, iclMs: [] }),
    ]);
    expect(result.source.format).toBe('aiperf');
    expect(result.source.timeBaseNs).toBe(START.toString());
    expect(sink.records[0]).toEqual({
      experiment: 0,
      sendNs: 0,
      responses: [35394509, 35394509 + 20345167, 35394509 + 20345167 + 15641844, 35394509 + 20345167 + 15641844 + 7565577],
      status: 'ok',
      outputTokens: 41,
      promptTokens: 64,
    });
    expect(sink.records[1]!.sendNs).toBe(123_456_789);
    expect(sink.records[1]!.responses).toEqual([123_456_790]);
  });

  test('warm-up records are left out and counted; profiling runs are experiments', async () => {
    const { sink, result } = await read([
      line({ startNs: START, phase: 'warmup', ttftMs: 5 }),
      line({ startNs: START + 10n, ttftMs: 5 }),
      line({ startNs: START + 20n, ttftMs: 6, profilingIndex: 1 }),
    ]);
    expect(sink.records.map((r) => r.experiment)).toEqual([0, 1]);
    expect(sink.records[0]!.sendNs).toBe(0);
    expect(sink.ends.map((e) => [e.index, e.requests])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(result.source.notes).toEqual(['1 warm-up request left out (AIPerf benchmark_phase "warmup"; --phase warmup or --phase all reads them)']);
  });

  test('--phase warmup reads the warm-up alone; --phase all reads both, warm-up first; other phases are counted', async () => {
    const lines = [
      line({ startNs: START, phase: 'warmup', ttftMs: 5 }),
      line({ startNs: START + 5n, phase: 'warmup', ttftMs: 7 }),
      line({ startNs: START + 10n, ttftMs: 1 }),
      line({ startNs: START + 20n, ttftMs: 2, profilingIndex: 1 }),
      line({ startNs: START + 30n, phase: 'cooldown', ttftMs: 3 }),
    ];
    const at = async (phase: 'profiling' | 'warmup' | 'all'): Promise<{ sink: Collect; notes: string[] | undefined }> =>
      withTempDir(async (dir) => {
        const file = join(dir, 'profile_export.jsonl');
        await writeFile(file, lines.join('\n') + '\n');
        const sink = new Collect();
        const result = await readRecords(file, sink, { failFast: true, phase });
        return { sink, notes: result.source.notes };
      });
    const profiling = await at('profiling');
    expect(profiling.sink.records.map((r) => [r.experiment, r.responses[0]])).toEqual([
      [0, 1e6],
      [1, 10 + 2e6],
    ]);
    expect(profiling.notes).toEqual([
      '2 warm-up requests left out (AIPerf benchmark_phase "warmup"; --phase warmup or --phase all reads them)',
      '1 request of AIPerf benchmark_phase "cooldown" left out (palens reads "warmup" and "profiling")',
    ]);
    const warmup = await at('warmup');
    expect(warmup.sink.records.map((r) => [r.experiment, r.responses[0]])).toEqual([
      [0, 5e6],
      [0, 5 + 7e6],
    ]);
    expect(warmup.sink.ends.map((e) => [e.index, e.requests])).toEqual([[0, 2]]);
    expect(warmup.notes).toEqual([
      '2 profiling requests left out (AIPerf benchmark_phase "profiling"; --phase warmup reads the warm-up only)',
      '1 request of AIPerf benchmark_phase "cooldown" left out (palens reads "warmup" and "profiling")',
    ]);
    const all = await at('all');
    // The time base is the first record read: the warm-up's here.
    expect(all.sink.records.map((r) => [r.experiment, r.sendNs])).toEqual([
      [0, 0],
      [0, 5],
      [1, 10],
      [2, 20],
    ]);
    expect(all.sink.ends.map((e) => [e.index, e.requests])).toEqual([
      [0, 2],
      [1, 1],
      [2, 1],
    ]);
    expect(all.notes).toEqual([
      '1 request of AIPerf benchmark_phase "cooldown" left out (palens reads "warmup" and "profiling")',
      '--phase all: experiment 0 is the warm-up, experiment k + 1 the profiling run k',
    ]);
  });

  test('palens analyze --phase: the real sample\'s 2 warm-up and 12 profiling requests; a usage error for another value; a warning for a file without phases', async () => {
    const file = 'samples/peers/aiperf-isl64/profile_export.jsonl';
    const totals = async (phase: string): Promise<number[]> => {
      const { code, stdout } = await runCli(['analyze', file, '--phase', phase, '-f', 'json']);
      expect(code).toBe(0);
      // The analysis says which phase it read.
      expect(JSON.parse(stdout).options.phase).toBe(phase);
      return JSON.parse(stdout).experiments.map((e: { requests: { total: number } }) => e.requests.total);
    };
    expect(await totals('profiling')).toEqual([12]);
    expect(await totals('warmup')).toEqual([2]);
    expect(await totals('all')).toEqual([2, 12]);
    const bad = await runCli(['analyze', file, '--phase', 'steady']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--phase|phase/);
    const other = await runCli(['analyze', 'samples/peers/guidellm-concurrent2/benchmarks.json', '--phase', 'warmup', '-f', 'json']);
    expect(JSON.parse(other.stdout).warnings).toContain('samples/peers/guidellm-concurrent2/benchmarks.json: --phase warmup applies to AIPerf files only; this guidellm file has no phases, and every request in it is read');
    // A sweep and a comparison read the phase chosen too.
    const sweep = await runCli(['analyze', '--sweep', 'samples/peers/aiperf-isl*/profile_export.jsonl', '--phase', 'warmup', '-f', 'json']);
    expect(JSON.parse(sweep.stdout).sweep.requests).toBe(6);
    expect(JSON.parse(sweep.stdout).options.phase).toBe('warmup');
    const compare = await runCli(['compare', file, file, '--phase', 'all', '-f', 'json']);
    expect(compare.code).toBe(0);
    expect(JSON.parse(compare.stdout).groups.map((g: { key: number }) => g.key)).toEqual([0, 1]);
  });

  test('cancelled and errored records are failed requests', async () => {
    const lines = [
      line({ startNs: START, ttftMs: 10, iclMs: [5] }),
      line({ startNs: START + 1n, cancelled: true, error: { code: 499, type: 'RequestCancellationError', message: 'cancelled' } }),
      line({ startNs: START + 2n, error: { code: 500, type: 'Internal Server Error', message: 'boom' } }),
      line({ startNs: START + 3n, error: { code: 400, type: 'Bad Request', message: 'no' } }),
    ];
    const { sink } = await read(lines);
    expect(sink.records.map((r) => r.status)).toEqual(['ok', 'cancelled', 'server_error', 'client_error']);
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.jsonl');
      await writeFile(file, lines.join('\n'));
      const set = new ExperimentSet({ keepEmptyResponses: false, percentiles: [50] });
      await readRecords(file, set, { failFast: true });
      const [e] = set.summaries();
      expect(e!.requests).toMatchObject({ total: 4, completed: 1, failed: 3 });
      expect(e!.metrics.time_to_first_token.mean).toBe(10e6);
      expect(e!.metrics.request_latency.mean).toBe(15e6);
    });
  });

  test('gzip content is read whatever the name', async () => {
    const { sink } = await read([line({ startNs: START, ttftMs: 2 })], true);
    expect(sink.records[0]!.responses).toEqual([2e6]);
  });

  test('a bad line is reported with its line number and JSON pointer', async () => {
    const bad = line({ startNs: START + 5n, ttftMs: 2 }).replace('"value":2,"unit":"ms"', '"value":"2","unit":"ms"');
    await expect(read([line({ startNs: START, ttftMs: 1 }), bad])).rejects.toMatchObject({
      code: 'PALENS_INPUT_SCHEMA',
      pointer: '/1/metrics/time_to_first_token/value',
      message: expect.stringContaining('line 2: expected a non-negative number, found the string "2"'),
    });
    await expect(read([line({ startNs: START, ttftMs: 1 }), '{"metadata": {"request_start_ns": 1, "benchmark_phase": "profiling"}, "metrics": {'])).rejects.toMatchObject({
      code: 'PALENS_INPUT_SYNTAX',
      pointer: '/1',
      message: expect.stringContaining('line 2: expected one JSON object per line'),
    });
  });

  test('detected from content: the first line, not the name', () => {
    expect(formatOfHead(line({ startNs: START, ttftMs: 1 }) + '\n')).toBe('aiperf');
    expect(formatOfHead('{"experiments": []}')).toBe('perf_analyzer');
    expect(formatOfHead('{"metadata": {"version": 2, "guidellm_version": "0.8.1"}, "benchmarks": []}')).toBe('guidellm');
    expect(formatOfHead('{"date": "20261202-101010", "backend": "openai", "ttfts": [0.1]}')).toBe('vllm');
  });

  test('palens analyze reads an AIPerf file as it reads an export', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'results.json');
      await writeFile(file, [line({ startNs: START, ttftMs: 10, iclMs: [4, 6], isl: 8 }), line({ startNs: START + 1_000_000n, ttftMs: 20, iclMs: [5, 5], isl: 8 })].join('\n') + '\n');
      const { code, stdout } = await runCli(['analyze', file, '-f', 'json']);
      expect(code).toBe(0);
      const doc = JSON.parse(stdout);
      expect(doc.inputs[0].format).toBe('aiperf');
      expect(doc.experiments[0].metrics.time_to_first_token.mean).toBe(15e6);
      expect(doc.experiments[0].metrics.token_to_token_latency.mean).toBe(5e6);
      expect(doc.experiments[0].metrics.request_latency.mean).toBe(25e6);
    });
  });
});
