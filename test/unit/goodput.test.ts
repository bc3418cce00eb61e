/** Goodput: --slo parsing, the exact fraction of requests meeting every bound, the sweep's SLO capacity. */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExperimentAccumulator } from '../../src/metrics/experiment.js';
import { meetsSlo, parseSlo } from '../../src/metrics/slo.js';
import type { RequestRecord } from '../../src/records/record.js';
import { sweepCsvColumns } from '../../src/report/csv.js';
import { sloCapacity } from '../../src/sweep/slo-capacity.js';
import { runCli, withTempDir } from '../helpers/cli.js';

function record(sendNs: number, responses: number[], extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    experiment: 0,
    index: 0,
    sendNs,
    responseCount: responses.length,
    responseNs: Float64Array.from(responses),
    responseEmpty: null,
    promptWords: -1,
    promptChars: -1,
    promptText: null,
    status: null,
    ...extra,
  };
}

describe('--slo', () => {
  test('parses bounds with units into ns; every problem named', () => {
    expect(parseSlo('time_to_first_token<=200ms, inter_token_latency<=40ms').bounds).toEqual([
      { metric: 'time_to_first_token', op: '<=', value: 200e6 },
      { metric: 'inter_token_latency', op: '<=', value: 40e6 },
    ]);
    expect(parseSlo('request_latency<=1.5s,output_token_throughput_per_request>=20').bounds).toEqual([
      { metric: 'request_latency', op: '<=', value: 1.5e9 },
      { metric: 'output_token_throughput_per_request', op: '>=', value: 20 },
    ]);
    expect(() => parseSlo('ttft<200ms,time_to_first_token<=2h')).toThrow(/"ttft<200ms" is not METRIC<=VALUE.*unit "h"/);
    expect(() => parseSlo('p99_ttft<=1ms')).toThrow(/not a per-request metric/);
  });

  test('an unknown value misses its bound', () => {
    const slo = parseSlo('inter_token_latency<=40ms');
    const v = { time_to_first_token: 1, time_to_second_token: NaN, inter_token_latency: NaN, request_latency: 1, output_token_throughput_per_request: NaN, output_responses: 1 };
    expect(meetsSlo(slo, v)).toBe(false);
    expect(meetsSlo(slo, { ...v, inter_token_latency: 40e6 })).toBe(true);
  });

  test('a known share of requests inside the SLO gives that exact fraction; failed requests miss', () => {
    const slo = parseSlo('time_to_first_token<=200ms,inter_token_latency<=40ms');
    const acc = new ExperimentAccumulator({ keepEmptyResponses: false, percentiles: [50], slo });
    // 7 requests meet both bounds (TTFT 200 ms exactly, gaps 40 ms), 5 miss on TTFT, 4 on ITL,
    // 3 failed (one by status, one without responses): 7 of 19 meet.
    for (let i = 0; i < 7; i++) acc.add(record(0, [200e6, 240e6, 280e6]));
    for (let i = 0; i < 5; i++) acc.add(record(0, [200e6 + 1, 210e6]));
    for (let i = 0; i < 4; i++) acc.add(record(0, [100e6, 140e6 + 1]));
    acc.add(record(0, [], { status: 'server_error' }));
    acc.add(record(0, [10e6], { status: 'cancelled' }));
    acc.add(record(0, []));
    const s = acc.summary({ index: 0, mode: null, value: null, windows: null, requests: 19 });
    expect(s.goodput).toEqual({ slo: 'time_to_first_token<=200ms,inter_token_latency<=40ms', met: 7, requests: 19, fraction: 7 / 19, requests_per_second: (7 * 1e9) / 280e6 });
  });

  test('time to second token and output tokens per second per request', () => {
    const acc = new ExperimentAccumulator({ keepEmptyResponses: false, percentiles: [50] });
    acc.add(record(0, [100e6, 130e6, 150e6, 500e6], { outputTokens: 10 }));
    acc.add(record(0, [100e6, 110e6], { untimedResponses: 5, endNs: 250e6, outputTokens: 5 }));
    const s = acc.summary({ index: 0, mode: null, value: null, windows: null, requests: 2 });
    // The second request kept no gaps: no time to second token for it.
    expect(s.metrics.time_to_second_token.count).toBe(1);
    expect(s.metrics.time_to_second_token.mean).toBe(30e6);
    expect(s.metrics.output_token_throughput_per_request.count).toBe(2);
    expect(s.metrics.output_token_throughput_per_request.min).toBe(20);
    expect(s.metrics.output_token_throughput_per_request.max).toBe(20);
    expect(s.inter_token_latency_by_position.map((p) => [p.position, p.count, p.mean])).toEqual([
      [1, 1, 30e6],
      [2, 1, 20e6],
      [3, 1, 350e6],
    ]);
  });
});

describe('SLO capacity of a sweep', () => {
  test('the largest length whose fraction reaches the target, with a seeded interval', () => {
    const points = [
      { length: 64, met: 100, requests: 100 },
      { length: 256, met: 95, requests: 100 },
      { length: 1024, met: 40, requests: 100 },
    ];
    const c = sloCapacity(points, 0.9);
    expect(c.length).toBe(256);
    expect(c.interval[0]).toBe(256);
    expect(c.interval[1]).toBe(256);
    expect(sloCapacity(points, 0.9)).toEqual(c);
    expect(sloCapacity(points, 0.999).length).toBe(64);
    expect(sloCapacity([{ length: 8, met: 1, requests: 10 }], 0.9)).toMatchObject({ length: null, interval: [null, null] });
  });

  test('palens analyze --sweep --slo over the AIPerf samples', async () => {
    const { code, stdout } = await runCli(['analyze', '--sweep', 'samples/peers/aiperf-isl*/profile_export.jsonl', '--slo', 'time_to_first_token<=3600s', '-f', 'json']);
    expect(code).toBe(0);
    const s = JSON.parse(stdout).sweep;
    expect(s.points.map((p: { goodput: { fraction: number } }) => p.goodput.fraction)).toEqual([1, 1, 1]);
    expect(s.slo_capacity).toMatchObject({ target: 0.9, length: 1024, interval: [1024, 1024] });
  });

  test('the sweep CSV carries the goodput of each length and the SLO capacity, as the JSON has them', async () => {
    const args = ['analyze', '--sweep', 'samples/peers/aiperf-isl*/profile_export.jsonl', '--slo', 'time_to_first_token<=3600s'];
    const doc = JSON.parse((await runCli([...args, '-f', 'json'])).stdout);
    const json = doc.sweep;
    const csv = await runCli([...args, '-f', 'csv']);
    expect(csv.code).toBe(0);
    const [head, ...rows] = csv.stdout.trimEnd().split('\n').map((l) => l.split(','));
    expect(head).toEqual(sweepCsvColumns(doc.options.percentiles));
    const col = (name: string): number => head!.indexOf(name);
    const find = (length: string, metric: string): string[] => {
      const r = rows.filter((x) => x[col('length')] === length && x[col('metric')] === metric);
      expect(r).toHaveLength(1);
      return r[0]!;
    };
    for (const p of json.points) {
      const f = find(String(p.length), 'goodput_fraction');
      expect([f[col('unit')], Number(f[col('count')]), Number(f[col('value')])]).toEqual(['fraction', p.goodput.requests, p.goodput.fraction]);
      const g = find(String(p.length), 'goodput');
      expect([g[col('unit')], Number(g[col('count')]), Number(g[col('value')])]).toEqual(['requests/s', p.goodput.met, p.goodput.requests_per_second]);
      expect(g[col('mean')]).toBe('');
    }
    expect(Number(find('', 'slo_target')[col('value')])).toBe(0.9);
    const cap = find('', 'slo_capacity');
    expect([cap[col('unit')], Number(cap[col('count')]), Number(cap[col('value')])]).toEqual([json.unit, json.slo_capacity.rounds, json.slo_capacity.length]);
    expect(Number(find('', 'slo_capacity_low')[col('value')])).toBe(json.slo_capacity.interval[0]);
    expect(Number(find('', 'slo_capacity_high')[col('value')])).toBe(json.slo_capacity.interval[1]);
    // An SLO no request meets: every fraction 0, and no capacity (an empty value, null in the JSON).
    const none = await runCli(['analyze', '--sweep', 'samples/peers/aiperf-isl*/profile_export.jsonl', '--slo', 'time_to_first_token<=1ns', '-f', 'csv']);
    const noneRows = none.stdout.trimEnd().split('\n').map((l) => l.split(','));
    expect(noneRows.filter((x) => x[2] === 'goodput_fraction').map((x) => x.at(-1))).toEqual(['0', '0', '0']);
    expect(noneRows.find((x) => x[2] === 'slo_capacity')!.at(-1)).toBe('');
    // Without --slo: no goodput rows, no capacity.
    const plain = await runCli(['analyze', '--sweep', 'samples/peers/aiperf-isl*/profile_export.jsonl', '-f', 'csv']);
    expect(plain.stdout).not.toMatch(/goodput|slo_/);
  });

  test('--slo-target without --sweep is a usage error', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'x.json');
      await writeFile(file, '{}');
      const { code, stderr } = await runCli(['analyze', file, '--slo', 'time_to_first_token<=1ms', '--slo-target', '0.5']);
      expect(code).toBe(2);
      expect(stderr).toMatch(/--slo-target goes with --sweep and --slo/);
    });
  });
});
