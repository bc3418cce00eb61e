/**
 * A real Triton server (nvidia-pytriton) serving a real small language model on the CPU
 * (test/real/triton_server.py), captured by palens and, where installed, by perf_analyzer in the same
 * run. Skips, saying why, where the stack is missing (bash test/real/setup.sh installs it); fails
 * instead under PALENS_REQUIRE_REAL (CI).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { ROOT, repoPath } from '../helpers/paths.js';
import { skipping } from '../helpers/skips.js';

const PYTHON = repoPath('.cache', 'real', 'triton-venv', 'bin', 'python');
const PA = repoPath('.cache', 'real', 'perf_analyzer.sh');
const have = existsSync(PYTHON);
if (!have && process.env.PALENS_REQUIRE_REAL) throw new Error(`PALENS_REQUIRE_REAL is set but ${PYTHON} is missing: run test/real/setup.sh`);
if (!have) skipping('the real Triton tests (test/real/triton.test.ts)', `${PYTHON} is missing`, 'bash test/real/setup.sh');
else if (!existsSync(PA)) skipping('perf_analyzer beside palens on the real server (test/real/triton.test.ts)', `${PA} is missing`, 'bash test/real/setup.sh');

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

let server: ChildProcess | null = null;
let target = '';

beforeAll(async () => {
  if (!have) return;
  const [grpc, http, metrics] = [await freePort(), await freePort(), await freePort()];
  target = `127.0.0.1:${grpc}`;
  // Its own process group: PyTriton starts tritonserver as a child, and both must go at the end.
  server = spawn(PYTHON, [repoPath('test', 'real', 'triton_server.py'), '--grpc-port', String(grpc), '--http-port', String(http), '--metrics-port', String(metrics)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server.unref();
  let log = '';
  server.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    server!.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('serving')) resolve();
    });
    server!.on('exit', (code) => reject(new Error(`triton_server.py exited (${code}): ${log}`)));
  });
}, 240_000);

afterAll(async () => {
  if (server === null || server.pid === undefined) return;
  const group = -server.pid;
  const done = new Promise((r) => server!.on('exit', r));
  process.kill(group, 'SIGINT');
  await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // already gone
  }
  server.stdout?.destroy();
  server.stderr?.destroy();
}, 30_000);

const analyze = async (file: string, extra: string[] = []): Promise<any> => JSON.parse((await spawnCli(['analyze', file, '-f', 'json', ...extra])).stdout);

describe('a real Triton server with a real model', () => {
  (have ? test : test.skip)('palens capture: a valid export, read alike by the seed formulas and palens', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'real.json');
      const r = await spawnCli(['capture', '-u', target, '-m', 'vllm_model', '--backend', 'vllm', '--max-tokens', '8', '--concurrency', '2', '--request-count', '12', '--prompt-words', '60', '-f', file]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('12 requests, 12 ok');
      expect((await spawnCli(['validate', file])).code).toBe(0);
      const a = await analyze(file);
      const seed = JSON.parse(execFileSync('python3', [repoPath('bench', 'seed_reference.py'), '--drop-empty', file], { encoding: 'utf8' }));
      expect(a.experiments[0].metrics.time_to_first_token.mean / 1e9).toBe(seed.time_to_first_token_s);
      expect(a.experiments[0].metrics.token_to_token_latency.mean / 1e9).toBe(seed.token_to_token_latency_s);
      expect(a.experiments[0].metrics.output_responses.mean).toBe(8);
    });
  }, 120_000);

  (have && existsSync(PA) ? test : test.skip)('perf_analyzer and palens capture on the same prompts: the same requests and tokens', async () => {
    await withTempDir(async (dir) => {
      // Only what does not depend on timing: how their TTFTs compare on a CPU-bound server that
      // shares two cores with both clients is a benchmark (bench/clients --abba, docs/BENCHMARKS.md).
      const prompt = Array.from({ length: 60 }, (_, i) => ['the', 'model', 'streams', 'one', 'token', 'at', 'a', 'time'][i % 8]).join(' ');
      const data = join(dir, 'prompts.json');
      await writeFile(data, JSON.stringify({ data: [{ text_input: [prompt], stream: [true], sampling_parameters: ['{"max_tokens": 8, "ignore_eos": true}'] }] }));
      const paFile = join(dir, 'pa.json');
      execFileSync(PA, ['-m', 'vllm_model', '-u', target, '-i', 'grpc', '--async', '--streaming', `--input-data=${data}`, `--profile-export-file=${paFile}`, '--measurement-mode=count_windows', '--measurement-request-count=5', '--stability-percentage=999'], { encoding: 'utf8' });
      // Empty finals kept: perf_analyzer 2.41 writes no outputs, so its export cannot say which
      // response is PyTriton's empty final, and both clients are read alike.
      const pa = await analyze(paFile, ['--keep-empty-responses']);
      const n = pa.experiments[0].requests.total;
      expect(n).toBeGreaterThan(0);
      // palens sends exactly as many requests as perf_analyzer exported.
      const palensFile = join(dir, 'palens.json');
      const r = await spawnCli(['capture', '-u', target, '-m', 'vllm_model', '--input-data', data, '--request-count', String(n), '-f', palensFile]);
      expect(r.code).toBe(0);
      const pl = await analyze(palensFile, ['--keep-empty-responses']);
      for (const file of [paFile, palensFile]) expect((await spawnCli(['validate', file])).code).toBe(0);
      for (const doc of [pa, pl]) {
        const e = doc.experiments[0];
        expect(e.requests.total).toBe(n);
        expect(e.requests.failed).toBe(0);
        expect(e.requests.completed).toBe(n);
        // Every request of both clients: the 8 tokens asked for and the empty final.
        expect(e.metrics.output_responses.min).toBe(9);
        expect(e.metrics.output_responses.max).toBe(9);
      }
    });
  }, 240_000);
});
