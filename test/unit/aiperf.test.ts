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
    expect(result.source.notes).toEqual(['1 warm-up request left out (AIPerf benchmark_phase "warmup")']);
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
