/**
 * bench/workers: how much of a capture's per-response work the lane threads take off the main thread.
 *
 *   npm run build && node dist/bench/workers.js [streams…]    # default 128 256
 *
 * For each load, palens capture runs in this process against `palens mock` in another (10 ms between
 * tokens, 100 tokens per request, 3 requests per stream after one warm-up each), with no lane threads
 * and with 1 and 2. Reported: responses/s over the capture's wall time, and the main thread's busy
 * time per response (its event-loop utilisation: active time / responses). The main thread paces,
 * builds records and writes the export and sidecar in every case; what the lane threads take is the
 * difference. On a machine with more cores, one capture carries about min(1 / main, W / lane)
 * responses/s (docs/SCALE.md).
 */
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../src/cli/main.js';
import { mockProcess } from '../test/helpers/mock-process.js';
import { repoPath } from '../test/helpers/paths.js';

const out = repoPath('bench', 'out', 'workers');
await mkdir(out, { recursive: true });
const loads = process.argv.slice(2).map(Number).filter((n) => n > 0);
const TOKENS = 100;
const PER_STREAM = 3;

console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; load average ${loadavg()[0]!.toFixed(1)}; ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| streams | lane threads | responses | responses/s | main thread busy per response (µs) |');
console.log('|---:|---:|---:|---:|---:|');
for (const streams of loads.length > 0 ? loads : [128, 256]) {
  for (const workers of [0, 1, 2]) {
    const mock = await mockProcess(['--decode-gap-ms', '10', '--prefill-base-ms', '20', '--prefill-per-token-us', '50', '--jitter-ms', '0']);
    const args = ['capture', '-u', mock.target, '-m', 'vllm', '--concurrency', String(streams), '--request-count', String(streams * PER_STREAM), '--warmup', String(streams)];
    args.push('--prompt-words', '32', '--max-tokens', String(TOKENS), '-f', join(out, `w${workers}-${streams}.json`));
    if (workers > 0) args.push('--workers', String(workers));
    const before = performance.eventLoopUtilization();
    const t0 = performance.now();
    let stderr = '';
    let code: number;
    try {
      code = await run(args, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: {}, stdoutIsTTY: false, stderrIsTTY: false });
    } finally {
      await mock.stop();
    }
    if (code !== 0) throw new Error(`capture failed: ${stderr}`);
    const busy = performance.eventLoopUtilization(before);
    const seconds = (performance.now() - t0) / 1000;
    const responses = streams * (PER_STREAM + 1) * TOKENS;
    console.log(`| ${streams} | ${workers} | ${responses} | ${(responses / seconds).toFixed(0)} | ${((busy.active * 1000) / responses).toFixed(1)} |`);
  }
}
