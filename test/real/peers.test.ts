/**
 * Real AIPerf and GuideLLM outputs read by palens: mean time to first token and mean request latency
 * equal each tool's own summary (the summary file the tool wrote) within 0.01%.
 *
 * Two sources: the real outputs bundled in samples/peers/ (always), and fresh runs of AIPerf 0.13
 * and GuideLLM 0.8.1 against GuideLLM's mock server on 127.0.0.1 when test/real/setup-peers.sh has
 * installed them into .cache/real (skipped, saying why, when not; required under PALENS_REQUIRE_PEERS).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { fixture, repoPath } from '../helpers/paths.js';
import { skipping } from '../helpers/skips.js';

const run = promisify(execFile);
const AIPERF = repoPath('.cache', 'real', 'peers-aiperf-venv', 'bin', 'aiperf');
const GUIDELLM = repoPath('.cache', 'real', 'peers-guidellm-venv', 'bin', 'guidellm');
const have = existsSync(AIPERF) && existsSync(GUIDELLM);
if (!have && process.env.PALENS_REQUIRE_PEERS) throw new Error(`PALENS_REQUIRE_PEERS is set but ${AIPERF} or ${GUIDELLM} is missing: run test/real/setup-peers.sh`);
if (!have) skipping('fresh AIPerf/GuideLLM runs (test/real/peers.test.ts)', `${AIPERF} or ${GUIDELLM} is missing`, 'bash test/real/setup.sh (it runs test/real/setup-peers.sh)');

const TOLERANCE = 1e-4;
const close = (mine: number, theirs: number): void => expect(Math.abs(mine - theirs) / theirs).toBeLessThanOrEqual(TOLERANCE);

async function analyze(file: string): Promise<any> {
  const r = await spawnCli(['analyze', file, '-f', 'json']);
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** AIPerf: profile_export.jsonl against profile_export_aiperf.json (profiling phase, ms). */
async function checkAiperf(dir: string): Promise<void> {
  const summary = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8'));
  const doc = await analyze(join(dir, 'profile_export.jsonl'));
  expect(doc.inputs[0].format).toBe('aiperf');
  const [e] = doc.experiments;
  expect(e.requests.completed).toBe(summary.time_to_first_token.count);
  close(e.metrics.time_to_first_token.mean / 1e6, summary.time_to_first_token.avg);
  close(e.metrics.request_latency.mean / 1e6, summary.request_latency.avg);
}

/** GuideLLM: each benchmark's successful requests against its metrics block (TTFT in ms, latency in s). */
async function checkGuidellm(file: string): Promise<void> {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const doc = await analyze(file);
  expect(doc.inputs[0].format).toBe('guidellm');
  expect(doc.experiments).toHaveLength(report.benchmarks.length);
  report.benchmarks.forEach((b: any, i: number) => {
    const e = doc.experiments[i];
    expect(e.requests.completed).toBe(b.metrics.request_totals.successful);
    close(e.metrics.time_to_first_token.mean / 1e6, b.metrics.time_to_first_token_ms.successful.mean);
    close(e.metrics.request_latency.mean / 1e9, b.metrics.request_latency.successful.mean);
  });
}

describe('bundled real outputs (samples/peers)', () => {
  test.each(['aiperf-isl64', 'aiperf-isl256', 'aiperf-isl1024', 'aiperf-errors'])('AIPerf 0.13 %s: mean TTFT and request latency equal its summary', async (name) => {
    await checkAiperf(repoPath('samples', 'peers', name));
  });

  test.each(['aiperf-isl64', 'aiperf-isl256', 'aiperf-isl1024', 'aiperf-errors'])('AIPerf 0.13 %s --phase warmup: mean TTFT and request latency equal its warmup_metrics', async (name) => {
    const dir = repoPath('samples', 'peers', name);
    const warmup = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')).warmup_metrics;
    const r = await spawnCli(['analyze', join(dir, 'profile_export.jsonl'), '--phase', 'warmup', '-f', 'json']);
    expect(r.code).toBe(0);
    const [e] = JSON.parse(r.stdout).experiments;
    expect(e.requests.completed).toBe(warmup.time_to_first_token.count);
    close(e.metrics.time_to_first_token.mean / 1e6, warmup.time_to_first_token.avg);
    close(e.metrics.request_latency.mean / 1e6, warmup.request_latency.avg);
  });

  test.each(['guidellm-concurrent2', 'guidellm-streams-1-2-errors'])('GuideLLM 0.8.1 %s: mean TTFT and request latency equal its summary', async (name) => {
    await checkGuidellm(repoPath('samples', 'peers', name, 'benchmarks.json'));
  });

  test('palens analyze --sweep over three AIPerf runs at different input lengths finds three lengths', async () => {
    const r = await spawnCli(['analyze', '--sweep', 'samples/peers/aiperf-isl*/profile_export.jsonl', '-f', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.sweep.points.map((p: { length: number }) => p.length)).toEqual([64, 256, 1024]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

(have ? describe : describe.skip)('fresh runs against GuideLLM mock-server on 127.0.0.1', () => {
  let mock: ChildProcess | undefined;
  let url = '';
  let tokenizerDir = '';
  const env = { ...process.env, NO_COLOR: '1' };

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // No --processor: the mock counts tokens with its own built-in tokenizer (nothing downloaded).
    mock = spawn(GUIDELLM, ['mock-server', '--host', '127.0.0.1', '--port', String(port), '--model', 'mock-model', '--ttft-ms', '20', '--itl-ms', '5', '--output-tokens', '16'], { stdio: 'ignore', env });
    for (let i = 0; i < 120; i++) {
      try {
        if ((await fetch(`${url}/v1/models`)).ok) break;
      } catch {
        // Not up yet.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // A local tokenizer for both tools: the fixture tokenizer.json in a folder transformers can load.
    tokenizerDir = repoPath('.cache', 'real', 'peers-tokenizer');
    await mkdir(tokenizerDir, { recursive: true });
    await writeFile(join(tokenizerDir, 'tokenizer.json'), readFileSync(fixture('tokenizer', 'tokenizer.json')));
    await writeFile(join(tokenizerDir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast' }));
  }, 120_000);

  afterAll(() => {
    mock?.kill('SIGTERM');
  });

  test('AIPerf 0.13 profile_export.jsonl', async () => {
    await withTempDir(async (dir) => {
      // A local path is loaded as such; HF_HUB_OFFLINE must stay unset (AIPerf then looks only in the hub cache).
      await run(AIPERF, ['profile', '--model', 'mock-model', '--url', url, '--endpoint-type', 'chat', '--streaming', '--tokenizer', tokenizerDir, '--isl', '64', '--isl-stddev', '0', '--osl', '16', '--osl-stddev', '0', '--request-count', '10', '--warmup-request-count', '2', '--concurrency', '2', '--artifact-dir', dir, '--ui-type', 'none', '--no-server-metrics', '--no-gpu-telemetry', '--random-seed', '7'], { env, timeout: 240_000, maxBuffer: 1 << 26 });
      await checkAiperf(dir);
    });
  }, 300_000);

  test('GuideLLM 0.8.1 benchmarks.json (two benchmarks)', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'benchmarks.json');
      await run(GUIDELLM, ['run', '--backend', `kind=openai_http,target=${url},model=mock-model`, '--profile', 'kind=concurrent,streams=1', '--override', 'profile.streams', '1,2', '--data', 'kind=synthetic_text,prompt_tokens=64,output_tokens=16', '--tokenizer', `kind=huggingface_auto,model=${tokenizerDir}`, '--constraint', 'kind=max_requests,count=8', '--output', `kind=json,path=${out}`, '--disable-console-interactive'], { env, timeout: 240_000, maxBuffer: 1 << 26 });
      await checkGuidellm(out);
    });
  }, 300_000);
});
