/**
 * Real OpenAI-compatible servers this project did not write, captured by palens --api openai:
 * llama.cpp's server (through llama-cpp-python) serving a tiny random-weight Llama GGUF that
 * test/real/tiny_gguf.py writes (nothing downloaded), and GuideLLM's mock server. Every request must
 * end ok, and the tokens palens saw must equal the server's usage. Each server skips, saying why,
 * where it is not installed (bash test/real/setup.sh installs both); PALENS_REQUIRE_REAL makes a
 * missing one fail instead.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { ROOT, repoPath } from '../helpers/paths.js';
import { readSidecarLines } from '../helpers/sidecar.js';
import { skipping } from '../helpers/skips.js';

const VENV = repoPath('.cache', 'real', 'openai-venv', 'bin');
const LLAMA_PY = join(VENV, 'python');
const haveLlama = existsSync(LLAMA_PY) && spawnSync(LLAMA_PY, ['-c', 'import llama_cpp.server, gguf'], { stdio: 'ignore' }).status === 0;
// GuideLLM: the peers' venv when it is there (one install for both), else ours.
const GUIDELLM = [repoPath('.cache', 'real', 'peers-guidellm-venv', 'bin', 'guidellm'), join(VENV, 'guidellm')].find((p) => existsSync(p)) ?? null;

for (const [name, ok, where] of [
  ['llama.cpp (llama-cpp-python)', haveLlama, LLAMA_PY],
  ['GuideLLM mock-server', GUIDELLM !== null, 'guidellm'],
] as const) {
  if (!ok && process.env.PALENS_REQUIRE_REAL) throw new Error(`PALENS_REQUIRE_REAL is set but ${name} is missing (${where}): run test/real/setup.sh`);
  if (!ok) skipping(`the real ${name} tests (test/real/openai.test.ts)`, `${where} is not installed`, 'bash test/real/setup.sh');
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Starts a server in its own process group and waits until GET /v1/models answers. */
async function startServer(argv: string[], url: string): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  child.unref();
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  for (let i = 0; i < 600; i++) {
    if (exited !== undefined) throw new Error(`${argv.join(' ')} exited (${exited}): ${log}`);
    const up = await fetch(`${url}/v1/models`).then((r) => r.ok, () => false);
    if (up) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${argv.join(' ')} did not answer GET /v1/models in 120 s: ${log}`);
}

async function stopServer(child: ChildProcess | null): Promise<void> {
  if (child === null || child.pid === undefined || child.exitCode !== null) return;
  const done = new Promise((r) => child.on('exit', r));
  process.kill(-child.pid, 'SIGINT');
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
}

/** Captures with palens and checks what the issue asks of a real server. */
async function captureAndCheck(url: string, model: string, endpoint: string, extra: string[], tokensWithoutUsage: number | null = null): Promise<void> {
  await withTempDir(async (dir) => {
    const out = join(dir, `${endpoint}.json`);
    const res = await spawnCli(['capture', '-u', url, '-m', model, '--endpoint', endpoint, '--max-tokens', '16', '--concurrency', '2', '--request-count', '6', '--warmup', '1', '--prompt-words', '40', ...extra, '-f', out]);
    expect(res.stderr).toContain('6 requests, 6 ok');
    expect(res.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.service_kind).toBe('openai');
    for (const line of readSidecarLines(out).experiments[0]!.requests) {
      expect(line.status).toBe('ok');
      expect(line.tokens.output).toBeGreaterThan(0);
      // The tokens palens saw are the server's count (with one token per event, or continuous usage).
      if (line.tokens.usage_completion_tokens !== null) expect(line.tokens.output + line.tokens.without_content).toBe(line.tokens.usage_completion_tokens);
      else expect([line.tokens.source, line.tokens.output]).toEqual(['events', tokensWithoutUsage]);
    }
    const analyzed = await spawnCli(['analyze', out, '-f', 'json']);
    expect(analyzed.code).toBe(0);
    expect(JSON.parse(analyzed.stdout).experiments[0].requests.completed).toBe(6);
  });
}

(haveLlama ? describe : describe.skip)('llama.cpp server (llama-cpp-python) with a tiny random-weight GGUF', () => {
  let server: ChildProcess | null = null;
  let url = '';
  beforeAll(async () => {
    const gguf = join(repoPath('.cache', 'real'), 'tiny-llama.gguf');
    if (!existsSync(gguf)) {
      const made = spawnSync(LLAMA_PY, [repoPath('test', 'real', 'tiny_gguf.py'), gguf], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`tiny_gguf.py failed: ${made.stderr}`);
    }
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await startServer([LLAMA_PY, '-m', 'llama_cpp.server', '--model', gguf, '--model_alias', 'tiny', '--host', '127.0.0.1', '--port', String(port), '--n_ctx', '4096', '--n_threads', '1', '--interrupt_requests', 'False'], url);
    // (By default a new request interrupts the one running: the interrupted stream ends with [DONE] and no content.)
  }, 150_000);
  afterAll(() => stopServer(server));

  // The random model would stop at </s> early: a logit bias keeps it to max_tokens (ignore_eos is vLLM's).
  // llama-cpp-python streams no usage (it ignores stream_options): with </s> held off, the server makes
  // exactly 16 tokens, each a word piece streamed in its own event, so 16 is the count to see.
  const keepGoing = ['--extra-body', '{"logit_bias":{"2":-100},"temperature":0}'];
  test('chat: every request ok, 16 tokens each', () => captureAndCheck(url, 'tiny', 'chat', keepGoing, 16), 120_000);
  test('completions: every request ok, 16 tokens each', () => captureAndCheck(url, 'tiny', 'completions', keepGoing, 16), 120_000);
});

(GUIDELLM !== null ? describe : describe.skip)("GuideLLM's mock-server", () => {
  let server: ChildProcess | null = null;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = await startServer([GUIDELLM!, 'mock-server', '--host', '127.0.0.1', '--port', String(port), '--model', 'guidellm-mock', '--ttft-ms', '20', '--itl-ms', '5', '--output-tokens', '16'], url);
  }, 150_000);
  afterAll(() => stopServer(server));

  test('chat: every request ok, tokens equal usage', () => captureAndCheck(url, 'guidellm-mock', 'chat', []), 120_000);
  test('completions: every request ok, tokens equal usage', () => captureAndCheck(url, 'guidellm-mock', 'completions', []), 120_000);
});
