/**
 * bench/openai: the OpenAI driver beside the gRPC driver, and its stamps against an independent
 * server's writes.
 *
 *   npm run build && node dist/bench/openai.js
 *
 * 1. Same machine, same run, same latency law (20 ms + 50 µs/word, then 10 ms per token, no jitter),
 *    one token per event: palens capture over gRPC against `palens mock`, and over HTTP/SSE against
 *    `palens mock --api openai`, each mock in its own process logging when every response/event left.
 *    Client CPU per response (gRPC) or per event (SSE, all events: role, content, finish, usage, [DONE]),
 *    and the stamp errors measured as bench/driver does, on each side's own clock (no offset enters):
 *      TTFT error = (first content stamped − sent) − (first content emitted − request arrived);
 *      gap error  = (content k stamped − content k−1 stamped) − (emitted k − emitted k−1).
 * 2. The independent Python server with adversarial framing (test/fixtures/openai-adversarial), 2–3
 *    tokens per event, events split mid-JSON across writes with a pause, two events per write: for
 *    every content event, (palens's stamp − its send) − (the server's write that completed it − the
 *    request's arrival): durations on each side's own clock, so no offset between the clocks enters.
 *
 *   node dist/bench/openai.js --marginal 7 --streams 1,4,32
 *     only the client CPU (user, system) per further event or response, 7 rounds in ABBA order
 *     (gRPC, SSE, then SSE, gRPC, …, so a drift in the machine's load falls on both alike)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { cpuTimed, exportSeen, percentile } from './clients-common.js';
import { mockProcess } from '../test/helpers/mock-process.js';
import { repoPath } from '../test/helpers/paths.js';
import { readSidecarLines } from '../test/helpers/sidecar.js';

const bin = repoPath('dist', 'src', 'cli', 'bin.js');
const out = repoPath('bench', 'out', 'openai');
await mkdir(out, { recursive: true });

interface Truth {
  id: string;
  index: number;
  /** Content (a token) or not (role, finish, usage, [DONE]; Triton's empty finals). */
  content: boolean;
  emitted: bigint;
  arrived: bigint;
}

function readTruth(file: string): Map<string, Truth[]> {
  const by = new Map<string, Truth[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const t = JSON.parse(line) as { id: string; index: number; kind?: string; empty?: boolean; emitted_epoch_ns: string; arrived_epoch_ns: string };
    const e: Truth = { id: t.id, index: t.index, content: t.kind === undefined ? t.empty !== true : t.kind === 'content', emitted: BigInt(t.emitted_epoch_ns), arrived: BigInt(t.arrived_epoch_ns) };
    if (!by.has(e.id)) by.set(e.id, []);
    by.get(e.id)!.push(e);
  }
  for (const l of by.values()) l.sort((a, b) => a.index - b.index);
  return by;
}

interface Row {
  api: string;
  streams: number;
  requests: number;
  responses: number;
  tokens: number;
  cpuUsPerResponse: number;
  responsesPerSecond: number;
  ttft: [number, number];
  gap: [number, number];
  /** Whole-process CPU (s; user + system, and each), and the responses or events it read, warm-ups included. */
  cpu: number;
  user: number;
  sys: number;
  read: number;
  /** The capture's own CPU from its first request to its end (sidecar end.timing_health.client_cpu_ns), µs per response or event read: start-up and module loading left out. */
  inCapture: { user: number; sys: number };
}

async function driverRun(api: 'triton' | 'openai', streams: number, tokens: number, perStream: number): Promise<Row> {
  const tag = `${api}-${streams}`;
  const truthLog = join(out, `truth-${tag}.jsonl`);
  const file = join(out, `capture-${tag}.json`);
  await rm(truthLog, { force: true });
  const mock = await mockProcess([...(api === 'openai' ? ['--api', 'openai'] : []), '--decode-gap-ms', '10', '--prefill-base-ms', '20', '--prefill-per-token-us', '50', '--jitter-ms', '0', '--truth-log', truthLog]);
  let t: { wall: number; cpu: number; user: number; sys: number };
  try {
    const model = api === 'openai' ? ['--api', 'openai', '-m', 'palens-mock'] : ['-m', 'vllm'];
    t = cpuTimed([process.execPath, bin, 'capture', '-u', mock.target, ...model, '--concurrency', String(streams), '--request-count', String(streams * perStream), '--warmup', String(streams), '--prompt-words', '32', '--max-tokens', String(tokens), '-f', file]);
  } finally {
    await mock.stop();
  }
  const side = readSidecarLines(file);
  const ids = side.experiments[0]!.requests.map((q: { id: string }) => q.id);
  const clientCpu = side.end.timing_health.client_cpu_ns as { user: number; system: number };
  const all = await exportSeen(file, false);
  const content = await exportSeen(file, true);
  const truth = readTruth(truthLog);
  const ttft: number[] = [];
  const gap: number[] = [];
  let responses = 0;
  let tokensSeen = 0;
  for (const q of content) {
    responses += all[q.index]!.stampsNs.length;
    tokensSeen += q.stampsNs.length;
    const mine = (truth.get(ids[q.index]!) ?? []).filter((e) => e.content);
    const n = Math.min(mine.length, q.stampsNs.length);
    if (n === 0) continue;
    ttft.push(Math.abs(Number(q.stampsNs[0]! - q.sendNs - (mine[0]!.emitted - mine[0]!.arrived))));
    for (let k = 1; k < n; k++) gap.push(Math.abs(Number(q.stampsNs[k]! - q.stampsNs[k - 1]! - (mine[k]!.emitted - mine[k - 1]!.emitted))));
  }
  ttft.sort((a, b) => a - b);
  gap.sort((a, b) => a - b);
  // CPU of the whole capture process (start-up included) over every response or event it read, warm-ups too.
  const read = responses * (1 + 1 / perStream);
  return {
    api: api === 'openai' ? 'OpenAI SSE (per event)' : 'Triton gRPC (per response)',
    streams,
    requests: content.length,
    responses,
    tokens: tokensSeen,
    cpuUsPerResponse: (t.cpu * 1e6) / read,
    responsesPerSecond: read / t.wall,
    ttft: [percentile(ttft, 50), percentile(ttft, 99)],
    gap: [percentile(gap, 50), percentile(gap, 99)],
    cpu: t.cpu,
    user: t.user,
    sys: t.sys,
    read,
    inCapture: { user: clientCpu.user / 1e3 / read, sys: clientCpu.system / 1e3 / read },
  };
}

async function adversarial(endpoint: string): Promise<{ events: number; err: number[]; rel: number[]; split: number }> {
  const portFile = join(out, 'adv.port');
  const truthFile = join(out, `adv-truth-${endpoint}.jsonl`);
  await rm(portFile, { force: true });
  await rm(truthFile, { force: true });
  const server: ChildProcess = spawn('python3', [repoPath('test', 'fixtures', 'openai-adversarial', 'server.py'), portFile, truthFile, '--gap-ms', '3'], { stdio: 'inherit' });
  try {
    for (let i = 0; i < 200 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    const url = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
    const file = join(out, `adv-${endpoint}.json`);
    // One warm-up request per stream: the first events and the first request's end run cold code (JIT),
    // and while a request's end is processed cold (~3 ms) the other streams' reads wait — the p99 of 400
    // events without a warm-up is those few.
    cpuTimed([process.execPath, bin, 'capture', '--api', 'openai', '-u', url, '-m', 'adversarial-model', '--endpoint', endpoint, '--max-tokens', '40', '--concurrency', '4', '--request-count', '24', '--warmup', '4', '--prompt-words', '60', '-f', file]);
    const side = readSidecarLines(file);
    const ids = side.experiments[0]!.requests.map((q: { id: string }) => q.id);
    const split = side.experiments[0]!.requests.reduce((n: number, q: { tokens: { split_events: number } }) => n + q.tokens.split_events, 0);
    const truth = new Map<string, { write: bigint; arrived: bigint }[]>();
    for (const line of readFileSync(truthFile, 'utf8').trim().split('\n')) {
      const t = JSON.parse(line) as { id: string; index: number; complete_ns: string; arrived_ns: string };
      if (!truth.has(t.id)) truth.set(t.id, []);
      truth.get(t.id)![t.index] = { write: BigInt(t.complete_ns), arrived: BigInt(t.arrived_ns) };
    }
    // Each content event's stamp minus the time just before the server's write that completed it
    // (both ns since the epoch: the server's time.time_ns(), palens's wall-anchored clock, whose anchor
    // is within about a millisecond of the wall clock); and, free of any clock offset, each event's time
    // after the request's first content event on both sides.
    const err: number[] = [];
    const rel: number[] = [];
    for (const q of await exportSeen(file, true)) {
      const writes = truth.get(ids[q.index]!) ?? [];
      for (let k = 0; k < Math.min(writes.length, q.stampsNs.length); k++) {
        err.push(Number(q.stampsNs[k]! - writes[k]!.write));
        if (k > 0) rel.push(Math.abs(Number(q.stampsNs[k]! - q.stampsNs[0]! - (writes[k]!.write - writes[0]!.write))));
      }
    }
    rel.sort((a, b) => a - b);
    err.sort((a, b) => a - b);
    return { events: err.length, err, rel, split };
  } finally {
    server.kill('SIGTERM');
  }
}

const us = (ns: number): string => (ns / 1e3).toFixed(0);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/**
 * --marginal [N] [--streams a,b]: only the marginal client CPU, N rounds (default 5) in ABBA order;
 * each round's figure is (CPU of the longer run − CPU of the shorter) / (events or responses read more).
 */
if (process.argv.includes('--marginal')) {
  const arg = (name: string, dflt: string): string => {
    const at = process.argv.indexOf(name);
    return at >= 0 && process.argv[at + 1] !== undefined && !process.argv[at + 1]!.startsWith('--') ? process.argv[at + 1]! : dflt;
  };
  const rounds = Number(arg('--marginal', '5'));
  const streamsList = arg('--streams', '32').split(',').map(Number);
  console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString()}\n`);
  console.log('| round | streams | driver | CPU per further response/event: user + system = total (µs) | in the longer capture, from its first request: user + system = total (µs) | 1-min load |');
  console.log('|---:|---:|---|---:|---:|---:|');
  type M = { user: number; sys: number; total: number; inUser: number; inSys: number };
  const per = new Map<string, M[]>();
  for (let r = 0; r < rounds; r++) {
    for (const streams of streamsList) {
      // Fewer streams, more requests each: every run reads about as many events.
      const [few, many] = streams >= 32 ? [2, 8] : streams >= 4 ? [4, 16] : [4, 24];
      for (const api of r % 2 === 0 ? (['triton', 'openai'] as const) : (['openai', 'triton'] as const)) {
        const short = await driverRun(api, streams, 50, few);
        const long = await driverRun(api, streams, 50, many);
        const d = long.read - short.read;
        const m = { user: ((long.user - short.user) * 1e6) / d, sys: ((long.sys - short.sys) * 1e6) / d, total: ((long.cpu - short.cpu) * 1e6) / d, inUser: long.inCapture.user, inSys: long.inCapture.sys };
        const key = `${streams}|${api}`;
        per.set(key, [...(per.get(key) ?? []), m]);
        console.log(`| ${r + 1} | ${streams} | ${short.api} | ${m.user.toFixed(1)} + ${m.sys.toFixed(1)} = ${m.total.toFixed(1)} | ${m.inUser.toFixed(1)} + ${m.inSys.toFixed(1)} = ${(m.inUser + m.inSys).toFixed(1)} | ${loadavg()[0]!.toFixed(2)} |`);
      }
    }
  }
  console.log(`\nMedians over ${rounds} rounds:\n`);
  console.log('| streams | driver | further: user (µs) | system (µs) | total (µs) | in capture: user (µs) | system (µs) | total (µs) |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const streams of streamsList) {
    for (const api of ['triton', 'openai'] as const) {
      const ms = per.get(`${streams}|${api}`)!;
      console.log(`| ${streams} | ${api === 'openai' ? 'OpenAI SSE (per event)' : 'Triton gRPC (per response)'} | ${median(ms.map((m) => m.user)).toFixed(1)} | ${median(ms.map((m) => m.sys)).toFixed(1)} | ${median(ms.map((m) => m.total)).toFixed(1)} | ${median(ms.map((m) => m.inUser)).toFixed(1)} | ${median(ms.map((m) => m.inSys)).toFixed(1)} | ${median(ms.map((m) => m.inUser + m.inSys)).toFixed(1)} |`);
    }
  }
  process.exit(0);
}

console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| driver | streams | requests | responses or events | client CPU per response/event (µs) | responses/s | TTFT \\|error\\| p50 / p99 (µs) | gap \\|error\\| p50 / p99 (µs) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const marginal: string[] = [];
for (const streams of process.argv.includes('--adversarial-only') ? [] : [1, 32]) {
  for (const api of ['triton', 'openai'] as const) {
    const r = await driverRun(api, streams, 50, streams === 1 ? 10 : 2);
    console.log(`| ${r.api} | ${r.streams} | ${r.requests} | ${r.responses} | ${r.cpuUsPerResponse.toFixed(1)} | ${r.responsesPerSecond.toFixed(0)} | ${us(r.ttft[0])} / ${us(r.ttft[1])} | ${us(r.gap[0])} / ${us(r.gap[1])} |`);
    if (streams === 32) {
      // Start-up dominates the whole-process CPU of short runs: the same capture with 4× the requests
      // gives the CPU each further response or event costs.
      const long = await driverRun(api, streams, 50, 8);
      marginal.push(`| ${r.api} | ${streams} | ${(((long.cpu - r.cpu) * 1e6) / (long.read - r.read)).toFixed(1)} | ${us(long.ttft[0])} / ${us(long.ttft[1])} | ${us(long.gap[0])} / ${us(long.gap[1])} |`);
    }
  }
}
if (marginal.length > 0) {
  console.log('\nClient CPU per further response or event (2 vs 8 requests per stream), and the errors of the longer run:');
  console.log('| driver | streams | client CPU per response/event, marginal (µs) | TTFT \\|error\\| p50 / p99 (µs) | gap \\|error\\| p50 / p99 (µs) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const m of marginal) console.log(m);
}
console.log('\nAdversarial independent server (Python, 2–3 tokens per event, split and merged writes), 4 streams × (4 warm-up + 24) requests × 40 tokens:');
console.log('| endpoint | content events | split events | stamp − server write p50 / p99 / max (µs) | min (µs) | \|(stamp − first stamp) − (write − first write)\| p50 / p99 (µs) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const endpoint of ['chat', 'completions']) {
  const a = await adversarial(endpoint);
  console.log(`| ${endpoint} | ${a.events} | ${a.split} | ${us(percentile(a.err, 50))} / ${us(percentile(a.err, 99))} / ${us(a.err.at(-1)!)} | ${us(a.err[0]!)} | ${us(percentile(a.rel, 50))} / ${us(percentile(a.rel, 99))} |`);
}
