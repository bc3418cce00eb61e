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
});
