/**
 * bench/driver: how exactly palens capture measures, checked against palens mock's truth log.
 *
 *   npm run bench:driver            # 1, 64 and 128 streams, then a search for the highest rate
 *   npm run bench:driver -- --pin   # the same with the mock on CPU 1 and the client on CPU 0
 *   npm run bench:driver -- --scaling   # 128 and 256 streams: one thread, 1 and 2 lane workers, the reference
 *   npm run bench:driver -- --stamps    # 64 and 128 streams: responses stamped per event-loop turn and per message
 *
 * The mock runs in its own process (10 ms between tokens, no jitter) and logs when it emitted
 * every response and when every request arrived. Each capture runs in another process under GNU
 * time. For every request, durations on each side's own clock are compared, so no clock offset
 * between the processes enters:
 *   TTFT error = (first response stamped − sent) − (first response emitted − request arrived)
 *              = the time the request and its first response spent between the two processes;
 *   gap error  = (response k stamped − response k−1 stamped) − (emitted k − emitted k−1).
 * Reported: median and p99 of |error|, client CPU per response, responses per second, and the
 * schedule lag of an open-loop run.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { cpuTimed, exportSeen, percentile, type Seen } from './clients-common.js';
import { mockProcess, truthById } from '../test/helpers/mock-process.js';
import { repoPath } from '../test/helpers/paths.js';
import { readSidecarLines } from '../test/helpers/sidecar.js';

const bin = repoPath('dist', 'src', 'cli', 'bin.js');
// --pin: the mock on CPU 1 and the client on CPU 0 (taskset), so that neither takes the other's core.
const pin = process.argv.includes('--pin');
const out = repoPath('bench', 'out', 'driver');
await mkdir(out, { recursive: true });

interface Run {
  client: 'palens' | 'reference';
  streams: number;
  responses: number;
  seconds: number;
  responsesPerSecond: number;
  cpuUsPerResponse: number;
  ttftErr: { p50: number; p99: number };
  gapErr: { p50: number; p99: number };
  lag: { p50: number; p99: number } | null;
  /** Every response's (stamp − sent) − (emitted − request arrived), signed, sorted: below 0, stamped before it could have arrived. */
  transit: number[];
}

const timed = (args: string[]): { wall: number; cpu: number } => cpuTimed([...(pin ? ['taskset', '-c', '0'] : []), process.execPath, ...args]);

type Identified = Seen & { id: string };

function referenceSeen(file: string): Identified[] {
  const rows = JSON.parse(readFileSync(file, 'utf8')) as { id: string; send_epoch_ns: string; stamps_epoch_ns: string[] }[];
  return rows.map((r, index) => ({ index, id: r.id, sendNs: BigInt(r.send_epoch_ns), stampsNs: r.stamps_epoch_ns.map((t) => BigInt(t)) }));
}

async function run(client: Run['client'], streams: number, tokens: number, perStream: number, rate: number | null, workers = 0): Promise<Run> {
  const tag = `${client}-${streams}-${rate ?? 'c'}-w${workers}`;
  const truthLog = join(out, `truth-${tag}.jsonl`);
  const file = join(out, `capture-${tag}.json`);
  const mock = await mockProcess(['--decode-gap-ms', '10', '--prefill-base-ms', '20', '--prefill-per-token-us', '50', '--jitter-ms', '0', '--truth-log', truthLog], pin ? ['taskset', '-c', '1'] : []);
  const warmup = Math.max(5, streams);
  let t: { wall: number; cpu: number };
  let lag: Run['lag'] = null;
  let seen: Identified[];
  try {
    if (client === 'reference') {
      t = timed([join(dirname(bin), '..', '..', 'bench', 'reference-client.js'), mock.target, String(streams), String(perStream), String(Math.ceil(warmup / streams)), '32', String(tokens), file]);
    } else {
      const load = rate === null ? ['--concurrency', String(streams)] : ['--request-rate', String(rate)];
      const count = rate === null ? streams * perStream : perStream;
      t = timed([bin, 'capture', '-u', mock.target, '-m', 'vllm', ...load, '--request-count', String(count), '--warmup', String(warmup), '--prompt-words', '32', '--max-tokens', String(tokens), ...(workers > 0 ? ['--workers', String(workers)] : []), '-f', file]);
    }
  } finally {
    await mock.stop();
  }
  if (client === 'reference') seen = referenceSeen(file);
  else {
    const side = readSidecarLines(file);
    const ids = side.experiments[0]!.requests.map((q: { id: string }) => q.id);
    seen = (await exportSeen(file, false)).map((q) => ({ ...q, id: ids[q.index]! }));
    lag = side.end.timing_health.schedule_lag_ns;
  }

  const byId = truthById(truthLog);
  const ttftErr: number[] = [];
  const gapErr: number[] = [];
  const transit: number[] = [];
  let responses = 0;
  for (const q of seen) {
    const truth = byId.get(q.id) ?? [];
    const n = Math.min(q.stampsNs.length, truth.length);
    responses += q.stampsNs.length;
    if (n === 0) continue;
    const trueTtft = BigInt(truth[0]!.emitted_epoch_ns) - BigInt(truth[0]!.arrived_epoch_ns);
    ttftErr.push(Math.abs(Number(q.stampsNs[0]! - q.sendNs - trueTtft)));
    const arrived = BigInt(truth[0]!.arrived_epoch_ns);
    for (let k = 0; k < n; k++) transit.push(Number(q.stampsNs[k]! - q.sendNs - (BigInt(truth[k]!.emitted_epoch_ns) - arrived)));
    for (let k = 1; k < n; k++) {
      const trueGap = BigInt(truth[k]!.emitted_epoch_ns) - BigInt(truth[k - 1]!.emitted_epoch_ns);
      gapErr.push(Math.abs(Number(q.stampsNs[k]! - q.stampsNs[k - 1]! - trueGap)));
    }
  }
  ttftErr.sort((a, b) => a - b);
  gapErr.sort((a, b) => a - b);
  transit.sort((a, b) => a - b);
  return {
    client,
    streams,
    responses,
    seconds: t.wall,
    responsesPerSecond: responses / t.wall,
    cpuUsPerResponse: (t.cpu * 1e6) / responses,
    ttftErr: { p50: percentile(ttftErr, 50), p99: percentile(ttftErr, 99) },
    gapErr: { p50: percentile(gapErr, 50), p99: percentile(gapErr, 99) },
    lag: lag === null ? null : { p50: lag.p50, p99: lag.p99 },
    transit,
  };
}

const us = (ns: number): string => (ns / 1e3).toFixed(0);
const row = (label: string, r: Run): string =>
  `| ${label} | ${r.client} | ${r.responses} | ${r.responsesPerSecond.toFixed(0)} | ${r.cpuUsPerResponse.toFixed(1)} | ${us(r.ttftErr.p50)} / ${us(r.ttftErr.p99)} | ${us(r.gapErr.p50)} / ${us(r.gapErr.p99)} | ${r.lag ? `${us(r.lag.p50)} / ${us(r.lag.p99)}` : '–'} |`;
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
console.log('Mock: separate process, 20 ms + 50 µs/word to the first token, then 10 ms between tokens, no jitter.');
console.log(`Each load runs palens capture, then the bare reference client (bench/reference-client.ts), each against a fresh mock${pin ? '; mock pinned to CPU 1, clients to CPU 0' : ''}.\n`);
if (!process.argv.includes('--stamps')) {
  console.log('| load | client | responses | responses/s | client CPU per response (µs) | TTFT \\|error\\| p50 / p99 (µs) | gap \\|error\\| p50 / p99 (µs) | schedule lag p50 / p99 (µs) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
}

// --scaling (docs/SCALE.md): palens with 1 and 2 lane workers beside the single-thread capture and the reference client, same run.
if (process.argv.includes('--scaling')) {
  for (const streams of [128, 256]) {
    const label = `${streams} streams × 100 responses/s`;
    console.log(row(label, await run('palens', streams, 100, 3, null)));
    for (const workers of [1, 2]) console.log(row(`${label}, --workers ${workers}`, await run('palens', streams, 100, 3, null, workers)).replace('| palens |', `| palens, ${workers} worker${workers === 1 ? '' : 's'} |`));
    console.log(row(label, await run('reference', streams, 100, 3, null)));
  }
  process.exit(0);
}
// --stamps: the gRPC client's two ways of stamping responses, side by side at 64 and 128 streams, three
// times: one stamp per event-loop turn (the default) and a stamp per message as grpc-js hands it over.
// A turn can read the socket more than once, so a turn stamp can be earlier than a later read's bytes;
// a message stamp is late by the processing of the messages before it. Per response, (stamp − sent) −
// (emitted − arrived) is the time it and its request spent between the processes: never below zero
// for a stamp that is not early.
if (process.argv.includes('--stamps')) {
  console.log('\n| streams | stamps | load (1-min) | responses | (stamp − sent) − (emitted − arrived) min / p1 / p50 / p99 (µs) | below 0 | TTFT \\|error\\| p50 / p99 (µs) | gap \\|error\\| p50 / p99 (µs) |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
  for (let rep = 0; rep < 3; rep++) {
    for (const streams of [64, 128]) {
      for (const mode of ['turn', 'message']) {
        process.env.PALENS_STAMP = mode;
        const load = loadavg()[0]!.toFixed(1);
        const r = await run('palens', streams, 100, 3, null);
        const x = r.transit;
        const below = x.filter((v) => v < 0).length;
        console.log(`| ${streams} | per ${mode} | ${load} | ${r.responses} | ${us(x[0]!)} / ${us(percentile(x, 1))} / ${us(percentile(x, 50))} / ${us(percentile(x, 99))} | ${below} (${((100 * below) / x.length).toFixed(2)}%) | ${us(r.ttftErr.p50)} / ${us(r.ttftErr.p99)} | ${us(r.gapErr.p50)} / ${us(r.gapErr.p99)} |`);
      }
    }
  }
  delete process.env.PALENS_STAMP;
  process.exit(0);
}
const rows = new Map<number, Run>();
for (const streams of [1, 64, 128]) {
  const perStream = streams === 1 ? 20 : 3;
  for (const client of ['palens', 'reference'] as const) {
    const r = await run(client, streams, 100, perStream, null);
    if (client === 'palens') rows.set(streams, r);
    console.log(row(`${streams} stream${streams === 1 ? '' : 's'} × 100 responses/s`, r));
  }
}
const open = await run('palens', 64, 50, 400, 40);
console.log(row('open loop, 40 requests/s', open));

// The highest rate with gap p99 |error| ≤ 1 ms: more streams until it breaks.
let best: Run | null = null;
for (const streams of [1, 64, 128, 192, 256, 384, 512]) {
  const r = rows.get(streams) ?? (await run('palens', streams, 100, 2, null));
  if (r.gapErr.p99 <= 1e6) best = r;
  else {
    console.log(`\nat ${streams} stream(s): ${r.responsesPerSecond.toFixed(0)} responses/s, gap p99 |error| ${us(r.gapErr.p99)} µs`);
    break;
  }
}
console.log(best === null ? '\nno load kept gap p99 |error| ≤ 1 ms' : `\nhighest rate with gap p99 |error| ≤ 1 ms: ${best.responsesPerSecond.toFixed(0)} responses/s (${best.streams} streams)`);
