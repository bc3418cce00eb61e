/**
 * bench/openai-rates: the highest streamed-event rate palens, AIPerf (`aiperf profile`) and GuideLLM
 * (`guidellm run`) each keep up with, against one server that logs what it wrote.
 *
 *   npm run build && node dist/bench/openai-rates.js [--streams 4,16,64,128] [--repeat 3] [--only palens]
 *
 * The server is `palens mock --api openai` in its own process: 20 ms to the first token, then one token
 * per event every 5 ms, no jitter, no slow-down with more streams, and a truth log of when it read each
 * request and wrote each event. Load level N = N concurrent streams, so the offered rate is N × 200
 * events/s; every client gets the same 64-token/word prompts, 100 output tokens, N warm-up requests, then
 * 3 × N measured ones. At each level the clients run one after another, and the levels repeat `--repeat`
 * times, so a change in the machine's load shows in every client's rows alike.
 *
 * A client sustains a level when its mean request latency, as it reports it, is within 5% of the server's
 * for the same requests (truth: [DONE] written − request read): a client that falls behind the stream
 * reads the last events late, and its request latency grows with the backlog. Also printed: the mean TTFT
 * and inter-token latency as each client reports them beside the server's, the event rate the server
 * actually wrote during the client's run, and the client's CPU per event (whole process, start-up included).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { cpuTimed } from './clients-common.js';
import { sidecarPath } from '../src/export/sidecar.js';
import { mockProcess } from '../test/helpers/mock-process.js';
import { fixture, repoPath } from '../test/helpers/paths.js';

const bin = repoPath('dist', 'src', 'cli', 'bin.js');
const out = repoPath('bench', 'out', 'openai-rates');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const real = repoPath('.cache', 'real');
const AIPERF = join(real, 'peers-aiperf-venv', 'bin', 'aiperf');
const GUIDELLM = join(real, 'peers-guidellm-venv', 'bin', 'guidellm');

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const LEVELS = arg('streams', '4,16,64,128').split(',').map(Number);
const REPEAT = Number(arg('repeat', '3'));
const ONLY = arg('only', 'palens,aiperf,guidellm').split(',');
const GAP_MS = 5;
const TTFT_MS = 20;
const ISL = 64;
const OSL = 100;
const MODEL = 'palens-mock';
const TOLERANCE = 0.05;

type Client = 'palens' | 'aiperf' | 'guidellm';
interface Means {
  ttftMs: number;
  itlMs: number;
  latencyMs: number;
}
interface Result {
  client: Client;
  streams: number;
  load: string;
  client_: Means;
  server: Means;
  /** Events the server wrote per second between the first request read and the last event written. */
  serverRate: number;
  cpuUsPerEvent: number;
  requests: number;
  sustained: boolean;
}

interface TruthLine {
  id: string;
  kind: string;
  emitted_epoch_ns: string;
  arrived_epoch_ns: string;
}

/** The server's view of the measured requests: means of TTFT, gap between content events, request latency. */
function serverMeans(file: string, skip: Set<string>): { means: Means; events: number; rate: number; requests: number } {
  const by = new Map<string, TruthLine[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const t = JSON.parse(line) as TruthLine;
    if (!by.has(t.id)) by.set(t.id, []);
    by.get(t.id)!.push(t);
  }
  let events = 0;
  let first = Infinity;
  let last = -Infinity;
  const ttft: number[] = [];
  const itl: number[] = [];
  const lat: number[] = [];
  for (const [id, lines] of by) {
    events += lines.length;
    const arrived = Number(BigInt(lines[0]!.arrived_epoch_ns) / 1000n) / 1e3;
    const at = lines.map((l) => Number(BigInt(l.emitted_epoch_ns) / 1000n) / 1e3);
    first = Math.min(first, arrived);
    last = Math.max(last, ...at);
    if (skip.has(id)) continue;
    const content = lines.map((l, k) => (l.kind === 'content' ? at[k]! : NaN)).filter((x) => !Number.isNaN(x));
    if (content.length === 0 || lines.at(-1)!.kind !== 'done') continue;
    ttft.push(content[0]! - arrived);
    if (content.length > 1) itl.push((content.at(-1)! - content[0]!) / (content.length - 1));
    lat.push(at.at(-1)! - arrived);
  }
  const mean = (a: number[]): number => a.reduce((s, x) => s + x, 0) / a.length;
  return { means: { ttftMs: mean(ttft), itlMs: mean(itl), latencyMs: mean(lat) }, events, rate: (events / (last - first)) * 1e3, requests: lat.length };
}

const tokenizerDir = join(out, 'tokenizer');
await mkdir(tokenizerDir, { recursive: true });
await writeFile(join(tokenizerDir, 'tokenizer.json'), readFileSync(fixture('tokenizer', 'tokenizer.json')));
await writeFile(join(tokenizerDir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast' }));

async function run(client: Client, streams: number, rep: number): Promise<Result> {
  const tag = `${client}-${streams}-${rep}`;
  const truthLog = join(out, `truth-${tag}.jsonl`);
  const mock = await mockProcess(['--api', 'openai', '--decode-gap-ms', String(GAP_MS), '--prefill-base-ms', String(TTFT_MS), '--prefill-per-token-us', '0', '--decode-growth-ns', '0', '--batching-us', '0', '--jitter-ms', '0', '--truth-log', truthLog]);
  const load = loadavg()[0]!.toFixed(1);
  const warm = streams;
  const count = 3 * streams;
  let t: { wall: number; cpu: number };
  let mine: Means;
  // Ids of warm-up requests (left out of the server's means): palens's are in its sidecar; the others send
  // no id of their own, so the mock numbers their requests in order of arrival and the first `warm` are warm-ups.
  const skip = new Set<string>();
  try {
    if (client === 'palens') {
      const file = join(out, `${tag}.json`);
      t = cpuTimed([process.execPath, bin, 'capture', '--api', 'openai', '-u', mock.target, '-m', MODEL, '--concurrency', String(streams), '--request-count', String(count), '--warmup', String(warm), '--prompt-words', String(ISL), '--max-tokens', String(OSL), '-f', file]);
      for (const line of readFileSync(sidecarPath(file), 'utf8').split('\n')) {
        const l = line === '' ? null : (JSON.parse(line) as { kind?: string; id?: string; warmup?: boolean });
        if (l?.kind === 'sent' && l.warmup === true) skip.add(l.id!);
      }
      const r = spawnSync(process.execPath, [bin, 'analyze', file, '-f', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const m = (JSON.parse(r.stdout) as { experiments: { metrics: Record<string, { mean: number }> }[] }).experiments[0]!.metrics;
      mine = { ttftMs: m.time_to_first_token!.mean / 1e6, itlMs: m.token_to_token_latency!.mean / 1e6, latencyMs: m.request_latency!.mean / 1e6 };
    } else if (client === 'aiperf') {
      const dir = join(out, tag);
      t = cpuTimed([AIPERF, 'profile', '--model', MODEL, '--url', mock.target, '--endpoint-type', 'chat', '--streaming', '--tokenizer', tokenizerDir, '--isl', String(ISL), '--isl-stddev', '0', '--osl', String(OSL), '--osl-stddev', '0', '--request-count', String(count), '--warmup-request-count', String(warm), '--concurrency', String(streams), '--artifact-dir', dir, '--ui-type', 'none', '--no-server-metrics', '--no-gpu-telemetry', '--random-seed', '7']);
      const s = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, { avg?: number }>;
      // Between chunks (events), AIPerf's own measure of the stream's pace; its inter_token_latency divides by tokens it counts itself.
      mine = { ttftMs: s.time_to_first_token!.avg!, itlMs: s.inter_chunk_latency!.avg!, latencyMs: s.request_latency!.avg! };
      for (let k = 0; k < warm; k++) skip.add(`mock-${k}`);
    } else {
      const file = join(out, `${tag}.json`);
      t = cpuTimed([GUIDELLM, 'run', '--backend', `kind=openai_http,target=${mock.target},model=${MODEL},validate_backend=false`, '--profile', `kind=concurrent,streams=${streams}`, '--data', `kind=synthetic_text,prompt_tokens=${ISL},output_tokens=${OSL}`, '--tokenizer', `kind=huggingface_auto,model=${tokenizerDir}`, '--constraint', `kind=max_requests,count=${count}`, '--output', `kind=json,path=${file}`, '--disable-console-interactive']);
      const g = JSON.parse(readFileSync(file, 'utf8')) as { benchmarks: { metrics: Record<string, { successful?: { mean?: number } }> }[] };
      const gm = g.benchmarks[0]!.metrics;
      const v = (k: string): number => gm[k]?.successful?.mean ?? NaN;
      mine = { ttftMs: v('time_to_first_token_ms'), itlMs: v('inter_token_latency_ms'), latencyMs: v('request_latency') * 1e3 };
      // GuideLLM has no warm-up requests: every request is measured. (validate_backend=false: its check asks
      // GET /health, which the mock does not serve.)
    }
  } finally {
    await mock.stop();
  }
  const s = serverMeans(truthLog, skip);
  return {
    client,
    streams,
    load,
    client_: mine,
    server: s.means,
    serverRate: s.rate,
    cpuUsPerEvent: (t.cpu * 1e6) / s.events,
    requests: s.requests,
    sustained: mine.latencyMs <= s.means.latencyMs * (1 + TOLERANCE),
  };
}

const have = (c: Client): boolean => (c === 'palens' ? true : existsSync(c === 'aiperf' ? AIPERF : GUIDELLM));
const clients = (['palens', 'aiperf', 'guidellm'] as const).filter((c) => ONLY.includes(c) && have(c));
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString()}`);
console.log(`Server: palens mock --api openai, ${TTFT_MS} ms to the first token, one token per event every ${GAP_MS} ms; ${ISL}-token prompts, ${OSL} output tokens; N warm-up + 3N requests at N streams.\n`);
console.log('| repeat | streams | offered events/s | client | load (1-min) | mean TTFT client / server (ms) | mean ITL client / server (ms) | mean request latency client / server (ms) | server wrote events/s | client CPU per event (µs) | sustained (latency within 5%) |');
console.log('|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|');
const best = new Map<Client, number[]>();
for (let rep = 1; rep <= REPEAT; rep++) {
  const failed = new Set<Client>();
  for (const streams of LEVELS) {
    for (const c of clients) {
      // A client that fell behind at a level is not tried at higher ones in this repeat.
      if (failed.has(c)) continue;
      let r: Result;
      try {
        r = await run(c, streams, rep);
      } catch (e) {
        console.log(`| ${rep} | ${streams} | ${streams * (1000 / GAP_MS)} | ${c} | | failed: ${(e as Error).message.split('\n')[0]!.slice(0, 120)} | | | | | no |`);
        failed.add(c);
        continue;
      }
      const f = (x: number): string => x.toFixed(2);
      console.log(`| ${rep} | ${streams} | ${streams * (1000 / GAP_MS)} | ${c} | ${r.load} | ${f(r.client_.ttftMs)} / ${f(r.server.ttftMs)} | ${f(r.client_.itlMs)} / ${f(r.server.itlMs)} | ${f(r.client_.latencyMs)} / ${f(r.server.latencyMs)} | ${r.serverRate.toFixed(0)} | ${r.cpuUsPerEvent.toFixed(0)} | ${r.sustained ? 'yes' : 'no'} |`);
      if (r.sustained) {
        if (!best.has(c)) best.set(c, Array(REPEAT).fill(0) as number[]);
        best.get(c)![rep - 1] = Math.max(best.get(c)![rep - 1]!, streams * (1000 / GAP_MS));
      } else failed.add(c);
    }
  }
}
console.log('\nHighest offered event rate sustained, per repeat:');
for (const c of clients) console.log(`- ${c}: ${(best.get(c) ?? []).join(', ') || 'none'} events/s`);
