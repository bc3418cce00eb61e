/** vLLM bench --save-detailed JSON: columns joined into records in two passes, float s to integer ns. */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRecords } from '../../src/formats/source.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../../src/records/record.js';
import { runCli, withTempDir } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

class Collect implements RecordSink {
  records: { sendNs: number; responses: number[]; endNs: number | undefined; status: string | null; prompt: number | undefined; output: number | undefined }[] = [];
  ends: ExperimentInfo[] = [];
  record(r: RequestRecord): void {
    this.records.push({ sendNs: r.sendNs, responses: Array.from(r.responseNs.subarray(0, r.responseCount)), endNs: r.endNs, status: r.status, prompt: r.promptTokens, output: r.outputTokens });
  }
  experimentEnd(info: ExperimentInfo): void {
    this.ends.push(info);
  }
}

const doc = {
  date: '20261202-101500',
  backend: 'openai-chat',
  model_id: 'm',
  max_concurrency: 2,
  request_rate: 'inf',
  duration: 1.5,
  input_lens: [128, 512],
  output_lens: [3, 0],
  ttfts: [0.25, 0.0],
  itls: [[0.125, 0.0625], []],
  latencies: [0.5, 0.0],
  start_times: [100.5, 100.75],
  generated_texts: ['a b c', ''],
  errors: ['', 'Traceback: ServerDisconnectedError'],
  mean_ttft_ms: 250,
};

describe('vLLM bench reader', () => {
  test.each([1 << 20, 5])('records from the columns, exact ns (chunks of %d bytes)', async (chunkBytes) => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'vllm.json');
      await writeFile(file, JSON.stringify(doc, null, 2));
      const sink = new Collect();
      const result = await readRecords(file, sink, { failFast: true, chunkBytes });
      expect(result.source.format).toBe('vllm');
      expect(sink.records).toEqual([
        { sendNs: 0, responses: [250e6, 375e6, 437.5e6], endNs: 500e6, status: 'ok', prompt: 128, output: 3 },
        { sendNs: 250e6, responses: [], endNs: -1, status: 'server_error', prompt: 512, output: 0 },
      ]);
      expect(sink.ends).toEqual([{ index: 0, mode: 'concurrency', value: 2, windows: null, requests: 2 }]);
    });
  });

  test('request latency is vLLM latency (to its last chunk); ITL pooled gaps as vLLM', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'vllm.json');
      await writeFile(file, JSON.stringify(doc));
      const set = new ExperimentSet({ keepEmptyResponses: false, percentiles: [50] });
      await readRecords(file, set, { failFast: true });
      const [e] = set.summaries();
      expect(e!.requests).toMatchObject({ total: 2, completed: 1, failed: 1 });
      expect(e!.metrics.request_latency.mean).toBe(500e6);
      expect(e!.metrics.token_to_token_latency.mean).toBe(93.75e6);
    });
  });

  test('the bundled documented-format sample analyses; a bad itl is located by JSON pointer', async () => {
    const { code, stdout } = await runCli(['analyze', repoPath('samples', 'peers', 'vllm-bench-documented-format', 'vllm-result.json'), '-f', 'json']);
    expect(code).toBe(0);
    const a = JSON.parse(stdout);
    expect(a.inputs[0].format).toBe('vllm');
    expect(a.experiments[0].requests).toMatchObject({ total: 6, completed: 5, failed: 1 });
    await withTempDir(async (dir) => {
      const file = join(dir, 'vllm.json');
      await writeFile(file, JSON.stringify({ ...doc, itls: [[0.125, 'x'], []] }));
      await expect(readRecords(file, new Collect(), { failFast: true })).rejects.toMatchObject({ code: 'PALENS_INPUT_SCHEMA', pointer: '/itls/0/1' });
    });
  });

  describe('--append-result: one file, several results, one experiment each', () => {
    // As vllm bench serve --append-result writes: each run json.dump'ed on one line, a newline
    // before every run but the first, none at the end.
    const runs = [
      { ...doc, max_concurrency: 1, start_times: [5.5, 6.0], itls: [[0.125], []] },
      { ...doc, max_concurrency: 4, start_times: [0.25, 0.5] },
      { ...doc, max_concurrency: null, request_rate: 8, start_times: [1000.0, 1000.125], ttfts: [0.5, 0.375], errors: ['', ''], itls: [[0.25], [0.125, 0.125]], latencies: [0.75, 0.625] },
    ];
    const appended = runs.map((r) => JSON.stringify(r)).join('\n');

    test.each([1 << 20, 7])('three appended results are experiments 0, 1, 2, each with its own time base (chunks of %d bytes)', async (chunkBytes) => {
      await withTempDir(async (dir) => {
        const file = join(dir, 'vllm-appended.json');
        await writeFile(file, appended);
        const sink = new Collect();
        const experiments: number[] = [];
        const result = await readRecords(file, { record: (r) => (experiments.push(r.experiment), sink.record(r)), experimentEnd: (i) => sink.experimentEnd(i) }, { failFast: true, chunkBytes });
        expect(result.source.format).toBe('vllm');
        expect(result.experiments).toBe(3);
        expect(result.requests).toBe(6);
        expect(experiments).toEqual([0, 0, 1, 1, 2, 2]);
        expect(sink.ends).toEqual([
          { index: 0, mode: 'concurrency', value: 1, windows: null, requests: 2 },
          { index: 1, mode: 'concurrency', value: 4, windows: null, requests: 2 },
          { index: 2, mode: 'request_rate', value: 8, windows: null, requests: 2 },
        ]);
        // perf_counter stamps of three processes: each run starts at its own 0.
        expect(sink.records.map((r) => r.sendNs)).toEqual([0, 500e6, 0, 250e6, 0, 125e6]);
        expect(sink.records[4]).toEqual({ sendNs: 0, responses: [500e6, 750e6], endNs: 750e6, status: 'ok', prompt: 128, output: 3 });
        expect(sink.records[5]!.responses).toEqual([125e6 + 375e6, 125e6 + 500e6, 125e6 + 625e6]);
        expect(result.source.notes).toContain('3 results appended to one file (vllm bench serve --append-result): one experiment each, in file order');
      });
    });

    test('palens analyze reports each appended result; a problem names its result; garbage between results is an error', async () => {
      await withTempDir(async (dir) => {
        const file = join(dir, 'vllm-appended.json');
        await writeFile(file, appended + '\n');
        const { code, stdout } = await runCli(['analyze', file, '-f', 'json']);
        expect(code).toBe(0);
        const a = JSON.parse(stdout);
        expect(a.experiments.map((e: { index: number; requests: { total: number; failed: number } }) => [e.index, e.requests.total, e.requests.failed])).toEqual([
          [0, 2, 1],
          [1, 2, 1],
          [2, 2, 0],
        ]);
        expect(a.experiments[2].metrics.request_latency.mean).toBe(687.5e6);
        const bad = join(dir, 'bad.json');
        await writeFile(bad, [runs[0], runs[1], { ...runs[2], itls: [[0.25], [0.125, -1]] }].map((r) => JSON.stringify(r)).join('\n'));
        await expect(readRecords(bad, new Collect(), { failFast: true })).rejects.toMatchObject({ code: 'PALENS_INPUT_SCHEMA', pointer: '/itls/1/1', message: expect.stringContaining('result 3: expected a non-negative number (seconds)') });
        const garbage = join(dir, 'garbage.json');
        await writeFile(garbage, JSON.stringify(runs[0]) + '\n]');
        await expect(readRecords(garbage, new Collect(), { failFast: true })).rejects.toMatchObject({ code: 'PALENS_INPUT_SCHEMA', message: "result 2: expected a JSON object (one vLLM bench result), found ']'" });
        const scalar = join(dir, 'scalar.json');
        await writeFile(scalar, JSON.stringify(runs[0]) + '\n42');
        await expect(readRecords(scalar, new Collect(), { failFast: true })).rejects.toMatchObject({ code: 'PALENS_INPUT_SCHEMA', message: "result 2: expected a JSON object (one vLLM bench result), found '4'" });
        const cut = join(dir, 'cut.json');
        await writeFile(cut, appended.slice(0, -20));
        await expect(readRecords(cut, new Collect(), { failFast: true })).rejects.toMatchObject({ code: 'PALENS_INPUT_SYNTAX', message: expect.stringContaining('truncated') });
      });
    });
  });
});
