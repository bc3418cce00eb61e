/**
 * bench/openai-clients: palens, AIPerf (`aiperf profile`) and GuideLLM (`guidellm run`) against the
 * same OpenAI-compatible server — GuideLLM's mock-server (20 ms to the first token, 5 ms between
 * tokens, one token per event) — with the same load: 4 concurrent streams, 40 requests, 64-word/token
 * prompts, 64 output tokens. Each tool runs under GNU time; reported: mean TTFT and inter-token
 * latency as each tool reports them, and the tool's CPU per streamed event (events per request taken
 * from palens's export of the same server: tokens + finish + usage + [DONE]).
 *
 *   npm run build && node dist/bench/openai-clients.js
 *
 * The tools come from .cache/real (test/real/setup.sh and the peers' venvs); a missing one is skipped.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { cpuTimed } from './clients-common.js';
import { fixture, repoPath } from '../test/helpers/paths.js';

const bin = repoPath('dist', 'src', 'cli', 'bin.js');
const out = repoPath('bench', 'out', 'openai-clients');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const real = repoPath('.cache', 'real');
const AIPERF = join(real, 'peers-aiperf-venv', 'bin', 'aiperf');
const GUIDELLM = [join(real, 'peers-guidellm-venv', 'bin', 'guidellm'), join(real, 'openai-venv', 'bin', 'guidellm')].find(existsSync);
if (GUIDELLM === undefined) throw new Error('GuideLLM is not installed (bash test/real/setup.sh)');

const STREAMS = 4;
const REQUESTS = 40;
const ISL = 64;
const OSL = 64;

const port = 18000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;
const server: ChildProcess = spawn(GUIDELLM, ['mock-server', '--host', '127.0.0.1', '--port', String(port), '--model', 'mock-model', '--ttft-ms', '20', '--itl-ms', '5', '--output-tokens', String(OSL)], { stdio: 'ignore', detached: true });
const env = { ...process.env, NO_COLOR: '1' };
try {
  for (let i = 0; i < 240; i++) {
    if (await fetch(`${url}/v1/models`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // A local tokenizer folder for AIPerf and GuideLLM (the fixture's, nothing downloaded).
  const tokenizerDir = join(out, 'tokenizer');
  await mkdir(tokenizerDir, { recursive: true });
  await writeFile(join(tokenizerDir, 'tokenizer.json'), readFileSync(fixture('tokenizer', 'tokenizer.json')));
  await writeFile(join(tokenizerDir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast' }));

  const rows: string[] = [];
  // palens
  const pFile = join(out, 'palens.json');
  const pt = cpuTimed([process.execPath, bin, 'capture', '-u', url, '-m', 'mock-model', '--max-tokens', String(OSL), '--concurrency', String(STREAMS), '--request-count', String(REQUESTS), '--warmup', String(STREAMS), '--prompt-words', String(ISL), '-f', pFile]);
  const doc = JSON.parse(readFileSync(pFile, 'utf8')) as { experiments: { requests: { response_timestamps: unknown[] }[] }[] };
  const eventsPerRequest = doc.experiments[0]!.requests.reduce((n, r) => n + r.response_timestamps.length, 0) / REQUESTS;
  const events = eventsPerRequest * (REQUESTS + STREAMS);
  const analyzed = spawnSync(process.execPath, [bin, 'analyze', pFile, '-f', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = (JSON.parse(analyzed.stdout) as { experiments: { metrics: Record<string, { mean: number | null }> }[] }).experiments[0]!.metrics;
  const ms = (ns: number | null | undefined): string => (ns === null || ns === undefined ? '–' : (ns / 1e6).toFixed(2));
  rows.push(`| palens | ${ms(m.time_to_first_token?.mean)} | ${ms(m.token_to_token_latency?.mean)} between events; ${ms(m.inter_token_latency?.mean)} per request | ${((pt.cpu * 1e6) / events).toFixed(0)} | ${pt.wall.toFixed(1)} |`);

  // AIPerf
  if (existsSync(AIPERF)) {
    const dir = join(out, 'aiperf');
    const at = cpuTimed([AIPERF, 'profile', '--model', 'mock-model', '--url', url, '--endpoint-type', 'chat', '--streaming', '--tokenizer', tokenizerDir, '--isl', String(ISL), '--isl-stddev', '0', '--osl', String(OSL), '--osl-stddev', '0', '--request-count', String(REQUESTS), '--warmup-request-count', String(STREAMS), '--concurrency', String(STREAMS), '--artifact-dir', dir, '--ui-type', 'none', '--no-server-metrics', '--no-gpu-telemetry', '--random-seed', '7']);
    const s = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, { avg?: number }>;
    const f = (k: string): string => (s[k]?.avg === undefined ? '–' : s[k]!.avg!.toFixed(2));
    rows.push(`| AIPerf (aiperf profile) | ${f('time_to_first_token')} | ${f('inter_token_latency')} (per token) | ${((at.cpu * 1e6) / events).toFixed(0)} | ${at.wall.toFixed(1)} |`);
  } else rows.push('| AIPerf | not installed | | | |');

  // GuideLLM
  {
    const file = join(out, 'guidellm.json');
    const gt = cpuTimed([GUIDELLM, 'run', '--backend', `kind=openai_http,target=${url},model=mock-model`, '--profile', `kind=concurrent,streams=${STREAMS}`, '--data', `kind=synthetic_text,prompt_tokens=${ISL},output_tokens=${OSL}`, '--tokenizer', `kind=huggingface_auto,model=${tokenizerDir}`, '--constraint', `kind=max_requests,count=${REQUESTS}`, '--output', `kind=json,path=${file}`, '--disable-console-interactive']);
    const g = JSON.parse(readFileSync(file, 'utf8')) as { benchmarks: { metrics: Record<string, { successful?: { mean?: number } }> }[] };
    const gm = g.benchmarks[0]!.metrics;
    const f = (k: string): string => (gm[k]?.successful?.mean === undefined ? '–' : gm[k]!.successful!.mean!.toFixed(2));
    rows.push(`| GuideLLM (guidellm run) | ${f('time_to_first_token_ms')} | ${f('inter_token_latency_ms')} (per token) | ${((gt.cpu * 1e6) / (eventsPerRequest * REQUESTS)).toFixed(0)} | ${gt.wall.toFixed(1)} |`);
  }

  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
  console.log(`Server: GuideLLM mock-server (20 ms TTFT, 5 ms per token, one token per event), ${STREAMS} streams, ${REQUESTS} requests (+${STREAMS} warm-up), ${ISL} prompt words/tokens, ${OSL} output tokens; ${eventsPerRequest.toFixed(1)} events per request.\n`);
  console.log('| client | mean TTFT (ms) | mean ITL (ms) as reported | client CPU per event (µs, whole process) | wall (s) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(r);
} finally {
  if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
}

