/** `palens merge`: shard exports become one export whose analysis is the analysis of all shards' requests pooled. */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readExport } from '../../src/export/reader.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { MetricOptions } from '../../src/metrics/experiment.js';
import { mergeWindows, sumDecimals } from '../../src/pipeline/merge-check.js';
import { LayoutScanner } from '../../src/pipeline/merge-layout.js';
import { mergeEnds } from '../../src/pipeline/merge-sidecar.js';
import { parseDurationNs } from '../../src/cli/merge.js';
import { writeSyntheticExport } from '../../tools/synth.js';
import { runCli, withTempDir } from '../helpers/cli.js';

const metrics: MetricOptions = { keepEmptyResponses: false, percentiles: [0, 1, 10, 50, 90, 99, 99.9, 100] };

async function shardExport(file: string, o: { requests: number[]; values: number[]; seed: number; startNs: string; endpoint?: string }): Promise<void> {
  await writeSyntheticExport(file, {
    flavor: 'vllm-legacy',
    experiments: o.requests.map((n, i) => ({ mode: 'concurrency' as const, value: o.values[i]!, requests: n })),
    responses: 12,
    promptWords: (q) => 5 + ((q * 7 + o.seed) % 40),
    ttftBaseNs: 20e6,
    ttftPerWordNs: 40e3,
    gapNs: 9e6,
    jitterNs: 3e6,
    emptyFinal: true,
    failEvery: 11,
    seed: o.seed,
    startNs: o.startNs,
  });
}

/** Both exports read into one set of accumulators, B's times shifted onto A's base: the two analysed together. */
async function pooled(a: string, b: string): Promise<ExperimentSet> {
  const setA = new ExperimentSet(metrics);
  const ra = await readExport(a, setA, { failFast: true });
  const setB = new ExperimentSet(metrics);
  const rb = await readExport(b, setB, { failFast: true });
  setA.merge(setB.snapshot(), 0, Number(BigInt(rb.source.timeBaseNs!) - BigInt(ra.source.timeBaseNs!)));
  return setA;
}

async function summariesOf(file: string): Promise<ExperimentSet> {
  const set = new ExperimentSet(metrics);
  await readExport(file, set, { failFast: true });
  return set;
}

/** A JSONL sidecar for a synthetic shard: header, per experiment its request lines, experiment ends, end. */
function sidecarLines(o: { shard: [number, number]; requests: number[]; config?: Record<string, unknown>; warmups?: number; ends?: string[][] }): string {
  const [index, count] = o.shard;
  const prefix = `palens-${index}of${count}-`;
  const lines: unknown[] = [
    { kind: 'header', schemaVersion: 2, tool: { name: 'palens', version: 'test' }, export: `shard-${index}.json`, clock: 'test clock', config: { target: '127.0.0.1:1', levels: [4, 8], seed: 1, ...o.config, shard: { index, count } } },
  ];
  let serial = 0;
  for (const [k, n] of o.requests.entries()) {
    lines.push({ kind: 'experiment', index: k, mode: 'concurrency', value: 2 });
    for (let w = 0; w < (o.warmups ?? 0); w++) {
      const id = `${prefix}${k}-${serial++}`;
      lines.push({ kind: 'sent', experiment: k, id, warmup: true, send_ns: '1764671400000000001', intended_send_ns: null, prompt_tokens: null, prompt_words: 5 });
      lines.push({ kind: 'request', experiment: k, id, warmup: true, index: w, status: 'ok', error: null, responses: 3, send_ns: '1764671400000000001', intended_send_ns: null, prompt_tokens: null, prompt_words: 5 });
    }
    for (let q = 0; q < n; q++) {
      const id = `${prefix}${k}-${serial++}`;
      lines.push({ kind: 'sent', experiment: k, id, warmup: false, send_ns: '1764671400000000123', intended_send_ns: null, prompt_tokens: null, prompt_words: 5 });
      lines.push({ kind: 'request', experiment: k, id, warmup: false, index: q, status: q % 11 === 0 ? 'server_error' : 'ok', error: null, responses: 12, send_ns: '1764671400000000123', intended_send_ns: null, prompt_tokens: null, prompt_words: 5 });
    }
    lines.push({ kind: 'experiment_end', index: k, requests: n, windows: o.ends?.[k] ?? ['1764671400000000000', '1764671410000000000'], stable: true });
  }
  lines.push({
    kind: 'end',
    interrupted: false,
    stopped_reason: null,
    timing_health: { event_loop_delay_ns: { p50: 10 * index, p99: 100 * index, max: 1000 * index }, schedule_lag_ns: null, max_responses_per_read: index },
    totals: { sent: serial, ok: serial - 1, failed: 1, in_flight: 0 },
  });
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('palens merge', () => {
  test('the merged export analyses exactly as both shards pooled: every statistic of every experiment', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      const out = join(dir, 'all.json');
      // Start times whose low digits a double would lose.
      await shardExport(a, { requests: [37, 0, 64], values: [2, 1, 4], seed: 3, startNs: '1764671400123456789' });
      await shardExport(b, { requests: [29, 5, 64], values: [1, 1, 4], seed: 9, startNs: '1764671400987654321' });
      const res = await runCli(['merge', a, b, '-o', out, '--clock-offset-bound', '1ms']);
      expect(res.stderr).toContain('merged 2 shards');
      expect(res.code).toBe(0);

      const merged = (await summariesOf(out)).summaries();
      const together = (await pooled(a, b)).summaries();
      expect(merged).toHaveLength(3);
      for (const [k, m] of merged.entries()) {
        const t = together[k]!;
        // The load level is the shards' sum; everything measured is the pooled requests' own.
        expect(m.value).toBe([3, 2, 8][k]);
        expect(m.mode).toBe('concurrency');
        const { value: _mv, windows: _mw, ...mRest } = m;
        const { value: _tv, windows: _tw, ...tRest } = t;
        expect(mRest).toEqual(tRest);
      }
      expect(merged.map((m) => m.requests.total)).toEqual([66, 5, 128]);
      // Every request's bytes are the shard's own: the first request of b's first experiment appears verbatim.
      const bText = readFileSync(b, 'utf8');
      const firstB = bText.slice(bText.indexOf('{"timestamp":'), bText.indexOf('},{"timestamp":') + 1);
      expect(readFileSync(out, 'utf8')).toContain(firstB);
      expect(readFileSync(out, 'utf8')).toContain('"timestamp":1764671400987654321');
    });
  });

  test('a .json.gz shard merges like its plain twin', async () => {
    await withTempDir(async (dir) => {
      const { gzipSync } = await import('node:zlib');
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      await shardExport(a, { requests: [20], values: [2], seed: 1, startNs: '1764671400000000007' });
      await shardExport(b, { requests: [15], values: [2], seed: 2, startNs: '1764671400000000011' });
      await writeFile(`${b}.gz`, gzipSync(readFileSync(b)));
      expect((await runCli(['merge', a, b, '-o', join(dir, 'plain.json')])).code).toBe(0);
      expect((await runCli(['merge', a, `${b}.gz`, '-o', join(dir, 'gz.json')])).code).toBe(0);
      expect(readFileSync(join(dir, 'gz.json'), 'utf8')).toBe(readFileSync(join(dir, 'plain.json'), 'utf8'));
    });
  });

  test('exports that differ in their document or load levels are refused with exit 2, naming the field', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      const c = join(dir, 'c.json');
      await shardExport(a, { requests: [5, 5], values: [1, 1], seed: 1, startNs: '1764671400000000000' });
      await shardExport(b, { requests: [5], values: [1], seed: 2, startNs: '1764671400000000000' });
      await shardExport(c, { requests: [5, 5], values: [1, 1], seed: 2, startNs: '1764671400000000000' });
      const text = readFileSync(c, 'utf8').replace(/"endpoint":"[^"]*"/, '"endpoint":"v2/models/other"');
      await writeFile(c, text.includes('"endpoint"') ? text : text.replace(/}\s*$/, ',"endpoint":"v2/models/other"}'));
      const levels = await runCli(['merge', a, b, '-o', join(dir, 'x.json')]);
      expect(levels.code).toBe(2);
      expect(levels.stderr).toContain('experiments (number of load levels) differs');
      const endpoint = await runCli(['merge', a, c, '-o', join(dir, 'x.json')]);
      expect(endpoint.code).toBe(2);
      expect(endpoint.stderr).toContain('endpoint differs');
      expect(existsSync(join(dir, 'x.json'))).toBe(false);
    });
  });

  test('an invalid shard is reported as invalid input (exit 1), and nothing is written', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      await shardExport(a, { requests: [5], values: [1], seed: 1, startNs: '1764671400000000000' });
      await writeFile(b, '{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":"x"}]}]}');
      const res = await runCli(['merge', a, b, '-o', join(dir, 'x.json')]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(b);
      expect(existsSync(join(dir, 'x.json'))).toBe(false);
    });
  });

  test('sidecars merge: one header, request positions shifted past earlier shards, ids unique, totals added', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'shard-1.json');
      const b = join(dir, 'shard-2.json');
      const out = join(dir, 'all.json');
      await shardExport(a, { requests: [6, 4], values: [2, 4], seed: 1, startNs: '1764671400000000000' });
      await shardExport(b, { requests: [5, 4], values: [2, 4], seed: 2, startNs: '1764671400000000500' });
      await writeFile(`${a}.palens.jsonl`, sidecarLines({ shard: [1, 2], requests: [6, 4], warmups: 2 }));
      // Shard 2 was killed while writing its last line: that line is left out, and said so.
      const cut = sidecarLines({ shard: [2, 2], requests: [5, 4], warmups: 1, ends: [['1764671399000000000', '1764671411000000000'], ['1764671400000000000', '1764671410000000000']] });
      await writeFile(`${b}.palens.jsonl`, cut.slice(0, cut.lastIndexOf('{"kind":"end"') + 20));
      const res = await runCli(['merge', a, b, '-o', out, '--clock-offset-bound', '500us']);
      expect(res.code).toBe(0);
      expect(res.stderr).toContain('cut short');
      const lines = readFileSync(`${out}.palens.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const header = lines[0]!;
      expect(header.kind).toBe('header');
      expect((header.config as Record<string, unknown>).shard).toBeUndefined();
      expect((header.merge as { clock_offset_bound_ns: string }).clock_offset_bound_ns).toBe('500000');
      const requests = lines.filter((l) => l.kind === 'request');
      const ids = requests.map((l) => l.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(requests).toHaveLength(2 * 2 + 1 * 2 + 6 + 4 + 5 + 4);
      for (const k of [0, 1]) {
        const measured = requests.filter((l) => l.experiment === k && l.warmup === false).map((l) => l.index);
        expect(measured).toEqual([...Array(measured.length).keys()]);
        const warm = requests.filter((l) => l.experiment === k && l.warmup === true).map((l) => l.index);
        expect(warm).toEqual([0, 1, 2]);
      }
      const ends = lines.filter((l) => l.kind === 'experiment_end');
      expect(ends.map((e) => e.requests)).toEqual([11, 8]);
      // The merged sidecar's windows are the merged export's (digits, never doubles); each shard's own are kept beside them.
      const exportWindows = [...readFileSync(out, 'utf8').matchAll(/"window_boundaries":\[([^\]]*)\]/g)].map((m) => m[1]!.split(','));
      expect(ends.map((e) => e.windows)).toEqual(exportWindows);
      expect((ends[0]!.shard_windows as string[][])[1]).toEqual(['1764671399000000000', '1764671411000000000']);
      // Shard 2 has no end line (cut short): the merged sidecar has none either, as the capture was not ended in order.
      expect(lines.filter((l) => l.kind === 'end')).toHaveLength(0);
    });
  });

  test('sidecars of different configurations, or the same shard twice, are refused with exit 2', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      await shardExport(a, { requests: [3, 3], values: [2, 4], seed: 1, startNs: '1764671400000000000' });
      await shardExport(b, { requests: [3, 3], values: [2, 4], seed: 2, startNs: '1764671400000000000' });
      await writeFile(`${a}.palens.jsonl`, sidecarLines({ shard: [1, 2], requests: [3, 3] }));
      await writeFile(`${b}.palens.jsonl`, sidecarLines({ shard: [2, 2], requests: [3, 3], config: { seed: 7 } }));
      const config = await runCli(['merge', a, b, '-o', join(dir, 'x.json')]);
      expect(config.code).toBe(2);
      expect(config.stderr).toContain('config.seed differs');
      await writeFile(`${b}.palens.jsonl`, sidecarLines({ shard: [1, 2], requests: [3, 3] }));
      const twice = await runCli(['merge', a, b, '-o', join(dir, 'x.json')]);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toContain('both shard 1/2');
    });
  });
});

describe('merge parts', () => {
  test('the layout scanner finds request ranges and values whatever the chunking, strings with brackets and escapes included', () => {
    const doc =
      '{ "experiments" : [ {"experiment":{"mode":"request_rate","value":2.5},"requests":[{"timestamp":1,"request_inputs":{"text_input":"a ] } \\" [ {"},"response_timestamps":[2]} , {"timestamp":3,"response_timestamps":[]}],"window_boundaries":[1,9]},' +
      '{"requests":[],"experiment":{"mode":"concurrency","value":1}}],"version":"2.41.0","service_kind":"triton","endpoint":"" }';
    const bytes = Buffer.from(doc);
    for (const step of [1, 2, 7, bytes.length]) {
      const s = new LayoutScanner();
      for (let i = 0; i < bytes.length; i += step) s.feed(bytes.subarray(i, i + step));
      const layout = s.finish();
      expect(layout.root).toEqual({ version: '"2.41.0"', service_kind: '"triton"', endpoint: '""' });
      expect(layout.experiments.map((e) => [e.header, e.windows, e.requests])).toEqual([
        ['{"mode":"request_rate","value":2.5}', '[1,9]', 2],
        ['{"mode":"concurrency","value":1}', null, 0],
      ]);
      const e0 = layout.experiments[0]!;
      expect(JSON.parse(`[${doc.slice(e0.requestsStart, e0.requestsEnd)}]`)).toHaveLength(2);
    }
  });

  test.each([
    [['4', '4'], '8'],
    [['0.1', '0.2'], '0.3'],
    [['3.333333', '3.333333', '3.333334'], '10'],
    [['2.5', '1e1'], '12.5'],
    [['1.25', '-0.25'], '1'],
  ])('sumDecimals %p = %s (no double rounding)', (values, sum) => {
    expect(sumDecimals(values)).toBe(sum);
  });

  test('mergeWindows: same shape → earliest start, latest later boundaries; else one window over all', () => {
    expect(mergeWindows([['1764671400000000001', '1764671405000000001', '1764671410000000001'], ['1764671400000000000', '1764671405000000003', '1764671410000000002']])).toEqual([
      '1764671400000000000',
      '1764671405000000003',
      '1764671410000000002',
    ]);
    expect(mergeWindows([['10', '20', '30'], ['5', '40']])).toEqual(['5', '40']);
    expect(mergeWindows([[], []])).toEqual([]);
  });

  test('mergeEnds: totals add, health is the worst shard\'s, interrupted if any was', () => {
    const end = (i: number, interrupted: boolean) => ({
      kind: 'end',
      interrupted,
      stopped_reason: interrupted ? 'SIGINT' : null,
      timing_health: { event_loop_delay_ns: { p50: 10 * i, p99: 100 * i, max: 1000 * i }, schedule_lag_ns: i === 1 ? null : { p50: 1, p99: 2, max: 3 }, max_responses_per_read: i },
      totals: { sent: 10 * i, ok: 9 * i, failed: i, in_flight: 0 },
    });
    expect(mergeEnds([end(1, false), end(3, true)])).toEqual({
      kind: 'end',
      interrupted: true,
      stopped_reason: 'SIGINT',
      timing_health: { event_loop_delay_ns: { p50: 30, p99: 300, max: 3000 }, schedule_lag_ns: { p50: 1, p99: 2, max: 3 }, max_responses_per_read: 3 },
      totals: { sent: 40, ok: 36, failed: 4, in_flight: 0 },
    });
  });

  test.each([
    ['2ms', 2_000_000n],
    ['500us', 500_000n],
    ['0.5ms', 500_000n],
    ['1s', 1_000_000_000n],
    ['250', 250n],
  ])('--clock-offset-bound %s = %s ns', (text, ns) => {
    expect(parseDurationNs(text, '--clock-offset-bound')).toBe(ns);
  });

  test('--clock-offset-bound refuses what is not a duration', () => {
    expect(parseDurationNs('soon', '--clock-offset-bound')).toContain('expected a duration');
    expect(parseDurationNs('0.5ns', '--clock-offset-bound')).toContain('finer than 1 ns');
  });
});
