/**
 * bench/driver: how exactly palens capture measures, checked against palens mock's truth log.
 *
 *   npm run bench:driver            # 1, 64 and 128 streams, then a search for the highest rate
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
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { readExport } from '../src/export/reader.js';
import type { RecordSink, RequestRecord } from '../src/records/record.js';
import { repoPath } from '../test/helpers/paths.js';

const bin = repoPath('dist', 'src', 'cli', 'bin.js');
const out = repoPath('bench', 'out', 'driver');
await mkdir(out, { recursive: true });

interface Truth {
  id: string;
  index: number;
  emitted_epoch_ns: string;
  arrived_epoch_ns: string;
  empty: boolean;
}

async function startMockProcess(truthLog: string): Promise<{ target: string; stop: () => void }> {
  const child = spawn(process.execPath, [bin, 'mock', '--port', '0', '--decode-gap-ms', '10', '--prefill-base-ms', '20', '--prefill-per-token-us', '50', '--jitter-ms', '0', '--truth-log', truthLog], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const target = await new Promise<string>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
  });
  return { target, stop: () => child.kill('SIGTERM') };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

interface Run {
  streams: number;
  responses: number;
  seconds: number;
  responsesPerSecond: number;
  cpuUsPerResponse: number;
  ttftErr: { p50: number; p99: number };
  gapErr: { p50: number; p99: number };
  lag: { p50: number; p99: number } | null;
}

async function run(streams: number, tokens: number, perStream: number, rate: number | null): Promise<Run> {
  const truthLog = join(out, `truth-${streams}-${rate ?? 'c'}.jsonl`);
  const file = join(out, `capture-${streams}-${rate ?? 'c'}.json`);
  const mock = await startMockProcess(truthLog);
  const load = rate === null ? ['--concurrency', String(streams)] : ['--request-rate', String(rate)];
  const count = rate === null ? streams * perStream : perStream;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, bin, 'capture', '-u', mock.target, '-m', 'vllm', ...load, '--request-count', String(count), '--prompt-words', '32', '--max-tokens', String(tokens), '-f', file], { encoding: 'utf8' });
  mock.stop();
  await new Promise((res) => setTimeout(res, 300));
  if (r.status !== 0) throw new Error(`capture failed: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];

  const truth = readFileSync(truthLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Truth);
  const byId = new Map<string, Truth[]>();
  for (const t of truth) {
    if (!byId.has(t.id)) byId.set(t.id, []);
    byId.get(t.id)!.push(t);
  }
  const side = JSON.parse(readFileSync(`${file}.palens.json`, 'utf8')) as { experiments: { requests: { id: string }[] }[]; levels: { scheduleLagNs: { p50: number; p99: number } | null }[] };
  const ids = side.experiments[0]!.requests.map((q) => q.id);
  const ttftErr: number[] = [];
  const gapErr: number[] = [];
  let responses = 0;
  const sink: RecordSink = {
    experimentEnd() {},
    record(rec: RequestRecord) {
      const t = (byId.get(ids[rec.index]!) ?? []).sort((a, b) => a.index - b.index);
      const n = Math.min(rec.responseCount, t.length);
      responses += rec.responseCount;
      if (n === 0) return;
      const trueTtft = Number(BigInt(t[0]!.emitted_epoch_ns) - BigInt(t[0]!.arrived_epoch_ns));
      ttftErr.push(Math.abs(rec.responseNs[0]! - rec.sendNs - trueTtft));
      for (let k = 1; k < n; k++) {
        const trueGap = Number(BigInt(t[k]!.emitted_epoch_ns) - BigInt(t[k - 1]!.emitted_epoch_ns));
        gapErr.push(Math.abs(rec.responseNs[k]! - rec.responseNs[k - 1]! - trueGap));
      }
    },
  };
  await readExport(file, sink, { failFast: true });
  ttftErr.sort((a, b) => a - b);
  gapErr.sort((a, b) => a - b);
  const lag = side.levels[0]!.scheduleLagNs;
  return {
    streams,
    responses,
    seconds: wall,
    responsesPerSecond: responses / wall,
    cpuUsPerResponse: ((user + sys) * 1e6) / responses,
    ttftErr: { p50: percentile(ttftErr, 50), p99: percentile(ttftErr, 99) },
    gapErr: { p50: percentile(gapErr, 50), p99: percentile(gapErr, 99) },
    lag: lag === null ? null : { p50: lag.p50, p99: lag.p99 },
  };
}

const us = (ns: number): string => (ns / 1e3).toFixed(0);
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
console.log('Mock: separate process, 20 ms + 50 µs/word to the first token, then 10 ms between tokens, no jitter.\n');
console.log('| load | responses | responses/s | client CPU per response (µs) | TTFT \\|error\\| p50 / p99 (µs) | gap \\|error\\| p50 / p99 (µs) | schedule lag p50 / p99 (µs) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
const rows: Run[] = [];
for (const streams of [1, 64, 128]) {
  const r = await run(streams, 100, streams === 1 ? 20 : 3, null);
  rows.push(r);
  console.log(`| ${streams} streams × 100 responses/s | ${r.responses} | ${r.responsesPerSecond.toFixed(0)} | ${r.cpuUsPerResponse.toFixed(1)} | ${us(r.ttftErr.p50)} / ${us(r.ttftErr.p99)} | ${us(r.gapErr.p50)} / ${us(r.gapErr.p99)} | – |`);
}
const open = await run(64, 50, 400, 40);
console.log(`| open loop, 40 requests/s (Poisson off) | ${open.responses} | ${open.responsesPerSecond.toFixed(0)} | ${open.cpuUsPerResponse.toFixed(1)} | ${us(open.ttftErr.p50)} / ${us(open.ttftErr.p99)} | ${us(open.gapErr.p50)} / ${us(open.gapErr.p99)} | ${open.lag ? `${us(open.lag.p50)} / ${us(open.lag.p99)}` : '–'} |`);

// The highest rate with gap p99 |error| ≤ 1 ms: more streams until it breaks.
let best: Run | null = null;
for (const streams of [128, 192, 256, 384, 512]) {
  const r = streams === 128 ? rows[2]! : await run(streams, 100, 2, null);
  if (r.gapErr.p99 <= 1e6) best = r;
  else {
    console.log(`\nat ${streams} streams: ${r.responsesPerSecond.toFixed(0)} responses/s, gap p99 |error| ${us(r.gapErr.p99)} µs`);
    break;
  }
}
console.log(best === null ? '\nno load kept gap p99 |error| ≤ 1 ms' : `\nhighest rate with gap p99 |error| ≤ 1 ms: ${best.responsesPerSecond.toFixed(0)} responses/s (${best.streams} streams)`);
