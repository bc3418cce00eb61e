/**
 * bench/clients: palens capture beside NVIDIA's perf_analyzer (2.41, C++; test/real/setup.sh) on
 * the same server, in one run. The server is palens mock in its own process, so that both clients
 * can also be checked against its truth log: TTFT 20 ms + 50 µs/word, 10 ms between tokens, no
 * jitter, 100 tokens per request, 32-word prompts from one perf_analyzer input-data file that both
 * clients read. Both run the seed's measurement (count windows, stability 999 %) at each load.
 *
 *   npm run bench:clients                                   # against palens mock, with its truth
 *   npm run bench:clients -- --target 127.0.0.1:8001 --model vllm_model --max-tokens 32
 *                                                           # against a running server (no truth)
 *   npm run bench:clients -- --target 127.0.0.1:8001 --model vllm_model --max-tokens 8 --prompt-words 600 --abba
 *                                                           # perf_analyzer, palens, palens, perf_analyzer
 *
 * --abba runs each load in that order (a server whose speed drifts then weighs on both alike) and
 * prints the mean TTFT of each client over its two runs and how far apart they are (palens warms up
 * two requests first: a fresh Node process compiles its hot paths during its first requests). This is the
 * comparison test/real once asserted within 5 %; on a CPU-bound server sharing two cores with both
 * clients it is a measurement, not a pass/fail check.
 *
 * Reported per client and load: client CPU per response (GNU time, process start included), mean
 * TTFT and token-to-token gap as each export says (palens analyze, empty finals dropped), the
 * same means from the mock's truth log, and at one stream, per request, |error| against the truth
 * (requests are matched to the mock's by arrival order; with one in flight that is unambiguous).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { mockProcess, truthById } from '../test/helpers/mock-process.js';
import { cpuTimed, exportSeen, percentile } from './clients-common.js';
import { repoPath } from '../test/helpers/paths.js';

const bin = repoPath('dist', 'src', 'cli', 'bin.js');
const pa = repoPath('.cache', 'real', 'perf_analyzer.sh');
const out = repoPath('bench', 'out', 'clients');
if (!existsSync(pa)) {
  console.error(`perf_analyzer is not installed (${pa}): run bash test/real/setup.sh first`);
  process.exit(2);
}
await mkdir(out, { recursive: true });
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const external = arg('target');
const modelName = arg('model') ?? 'vllm';
const maxTokens = Number(arg('max-tokens') ?? 100);
const promptWords = Number(arg('prompt-words') ?? 32);
const abba = process.argv.includes('--abba');
const loads = external === undefined ? [1, 16, 64] : [1, 4];

const WORDS = 'the quick brown fox jumps over the lazy dog while every server streams tokens to a client that measures them'.split(' ');
const prompts = join(out, 'prompts.json');
writeFileSync(
  prompts,
  JSON.stringify({
    data: Array.from({ length: 16 }, (_, i) => ({
      text_input: [Array.from({ length: promptWords }, (_, k) => WORDS[(i * 7 + k) % WORDS.length]).join(' ')],
      stream: [true],
      sampling_parameters: [JSON.stringify({ max_tokens: maxTokens, ignore_eos: true })],
      exclude_input_in_output: [true],
    })),
  }),
);

function truthRequests(log: string): { arrivedNs: bigint; emittedNs: bigint[] }[] {
  return [...truthById(log, true).values()]
    .map((ts) => ({ arrivedNs: BigInt(ts[0]!.arrived_epoch_ns), emittedNs: ts.map((t) => BigInt(t.emitted_epoch_ns)) }))
    .sort((a, b) => (a.arrivedNs < b.arrivedNs ? -1 : 1));
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (xs: number[], p: number): number => percentile([...xs].sort((a, b) => a - b), p);

interface Row {
  client: string;
  streams: number;
  responses: number;
  cpuUs: number;
  ttftMs: number;
  gapMs: number;
  truthTtftMs: number;
  truthGapMs: number;
  ttftErr: [number, number] | null;
  gapErr: [number, number] | null;
}

async function measure(client: string, streams: number, file: string, truthLog: string | null, cpuS: number): Promise<Row> {
  // Non-empty responses, as palens analyze counts them by default.
  const seen = (await exportSeen(file, true)).sort((a, b) => (a.sendNs < b.sendNs ? -1 : 1));
  const ttft = seen.filter((q) => q.stampsNs.length > 0).map((q) => Number(q.stampsNs[0]! - q.sendNs));
  const gaps = seen.flatMap((q) => q.stampsNs.slice(1).map((t, k) => Number(t - q.stampsNs[k]!)));
  const responses = seen.reduce((n, q) => n + q.stampsNs.length, 0);
  const base = { client, streams, responses, cpuUs: (cpuS * 1e6) / responses, ttftMs: mean(ttft) / 1e6, gapMs: mean(gaps) / 1e6 };
  if (truthLog === null) return { ...base, truthTtftMs: NaN, truthGapMs: NaN, ttftErr: null, gapErr: null };
  const truth = truthRequests(truthLog);
  // Truth for the same requests: the mock also served the ones each client left out of its export
  // (perf_analyzer's requests outside its windows, palens's warm-up), so match by arrival.
  const matched = seen.map((q) => truth.reduce((best, t) => (abs(t.arrivedNs - q.sendNs) < abs(best.arrivedNs - q.sendNs) ? t : best)));
  const truthTtft = matched.map((t) => Number(t.emittedNs[0]! - t.arrivedNs));
  const truthGaps = matched.flatMap((t) => t.emittedNs.slice(1).map((e, k) => Number(e - t.emittedNs[k]!)));
  let ttftErr: Row['ttftErr'] = null;
  let gapErr: Row['gapErr'] = null;
  if (streams === 1) {
    const te: number[] = [];
    const ge: number[] = [];
    seen.forEach((q, i) => {
      const t = matched[i]!;
      if (q.stampsNs.length === 0) return;
      te.push(Math.abs(Number(q.stampsNs[0]! - q.sendNs) - Number(t.emittedNs[0]! - t.arrivedNs)));
      for (let k = 1; k < Math.min(q.stampsNs.length, t.emittedNs.length); k++) ge.push(Math.abs(Number(q.stampsNs[k]! - q.stampsNs[k - 1]!) - Number(t.emittedNs[k]! - t.emittedNs[k - 1]!)));
    });
    ttftErr = [pct(te, 50), pct(te, 99)];
    gapErr = [pct(ge, 50), pct(ge, 99)];
  }
  return { ...base, truthTtftMs: mean(truthTtft) / 1e6, truthGapMs: mean(truthGaps) / 1e6, ttftErr, gapErr };
}
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

const windowArgs = (streams: number): string[] => ['--measurement-mode=count_windows', `--measurement-request-count=${streams === 1 ? 10 : 5 * streams}`, '--stability-percentage=999'];

console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
console.log(
  external === undefined
    ? `Server: palens mock, own process; ${promptWords}-word prompts, ${maxTokens} tokens, 20 ms + 50 µs/word to the first token, 10 ms between tokens.\n`
    : `Server: ${external}, model ${modelName}; ${promptWords}-word prompts, ${maxTokens} tokens (ignore_eos).\n`,
);
console.log('| load | client | responses | client CPU per response (µs) | mean TTFT: export / truth (ms) | mean gap: export / truth (ms) | TTFT \\|error\\| p50 / p99 (µs) | gap \\|error\\| p50 / p99 (µs) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
const fmt = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
const err = (e: [number, number] | null): string => (e === null ? '–' : `${(e[0] / 1e3).toFixed(0)} / ${(e[1] / 1e3).toFixed(0)}`);
const order = abba ? ['perf_analyzer', 'palens capture', 'palens capture', 'perf_analyzer'] : ['perf_analyzer', 'palens capture'];
const summaries: string[] = [];
for (const streams of loads) {
  const ttfts: Record<string, number[]> = { perf_analyzer: [], 'palens capture': [] };
  for (const [run, client] of order.entries()) {
    const tag = `${external === undefined ? 'mock' : 'server'}-${client === 'perf_analyzer' ? 'pa' : 'palens'}-${streams}-${run}`;
    const truthLog = external === undefined ? join(out, `truth-${tag}.jsonl`) : null;
    const file = join(out, `${tag}.json`);
    rmSync(file, { force: true }); // perf_analyzer will not overwrite an export
    const mock = truthLog === null ? null : await mockProcess(['--decode-gap-ms', '10', '--prefill-base-ms', '20', '--prefill-per-token-us', '50', '--jitter-ms', '0', '--truth-log', truthLog]);
    const target = mock?.target ?? external!;
    let cpu: number;
    try {
      cpu =
        client === 'perf_analyzer'
          ? cpuTimed([pa, '-m', modelName, '-u', target, '-i', 'grpc', '--async', '--streaming', `--input-data=${prompts}`, `--profile-export-file=${file}`, `--concurrency-range=${streams}`, ...windowArgs(streams)]).cpu
          : cpuTimed([process.execPath, bin, 'capture', '-u', target, '-m', modelName, '--input-data', prompts, '--concurrency', String(streams), ...(abba ? ['--warmup', '2'] : []), ...windowArgs(streams), '-f', file]).cpu;
    } finally {
      await mock?.stop();
    }
    const r = await measure(client, streams, file, truthLog, cpu);
    ttfts[client]!.push(r.ttftMs);
    console.log(`| ${streams} stream${streams === 1 ? '' : 's'} | ${r.client} | ${r.responses} | ${r.cpuUs.toFixed(1)} | ${fmt(r.ttftMs)} / ${fmt(r.truthTtftMs)} | ${fmt(r.gapMs)} / ${fmt(r.truthGapMs)} | ${err(r.ttftErr)} | ${err(r.gapErr)} |`);
  }
  if (abba) {
    const paMs = mean(ttfts.perf_analyzer!);
    const plMs = mean(ttfts['palens capture']!);
    summaries.push(`${streams} stream${streams === 1 ? '' : 's'}: mean TTFT perf_analyzer ${paMs.toFixed(3)} ms, palens ${plMs.toFixed(3)} ms (${plMs >= paMs ? '+' : ''}${(((plMs - paMs) / paMs) * 100).toFixed(1)} %)`);
  }
}
if (summaries.length > 0) console.log('\n' + summaries.join('\n'));
