/**
 * bench/sweep: a sweep over many exports on one thread and on two, beside one file alone.
 *
 *   npm run build && node dist/bench/sweep.js [files=200] [requests-per-file=440]
 *
 * Generates (once) FILES exports of ~20 MB into bench/out/sweep/ (1,000 responses per request,
 * prompt lengths cycling through 64 … 2048 words), then times `palens analyze --sweep` with
 * --threads 1 and --threads 2 as separate processes, and prints MB/s and the ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticExport } from '../tools/synth.js';
import { repoPath } from '../test/helpers/paths.js';

const files = Number(process.argv[2] ?? 200);
const requests = Number(process.argv[3] ?? 440);
const dir = repoPath('bench', 'out', 'sweep');
await mkdir(dir, { recursive: true });
const lengths = [64, 128, 256, 512, 1024, 2048];
const paths: string[] = [];
for (let i = 0; i < files; i++) {
  const L = lengths[i % lengths.length]!;
  const file = join(dir, `sweep-${String(i).padStart(3, '0')}-${L}.json`);
  paths.push(file);
  if (existsSync(file)) continue;
  if (i % 20 === 0) process.stderr.write(`generating ${file}…\n`);
  await writeSyntheticExport(file, {
    flavor: 'vllm',
    experiments: [{ mode: 'concurrency', value: 1, requests }],
    responses: 1000,
    promptWords: L,
    ttftBaseNs: 20e6,
    ttftPerWordNs: 50e3,
    gapNs: 10e6 + L * 400,
    jitterNs: 2e6,
    emptyFinal: false,
    seed: i + 1,
  });
}
const bytes = paths.reduce((n, f) => n + statSync(f).size, 0);
const bin = repoPath('dist', 'src', 'cli', 'bin.js');

function run(args: string[]): { seconds: number; rssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, bin, ...args, '--format', 'json', '--out', '/dev/null'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`palens failed: ${r.stderr}`);
  const [s, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: s!, rssMb: (kb! * 1024) / 1e6 };
}

const single = run(['analyze', paths[0]!, '--threads', '1']);
const one = run(['analyze', '--sweep', `${dir}/*.json`, '--threads', '1']);
const two = run(['analyze', '--sweep', `${dir}/*.json`, '--threads', '2']);
const mb = bytes / 1e6;
const singleMb = statSync(paths[0]!).size / 1e6;
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model}; node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
console.log(`${files} exports, ${mb.toFixed(0)} MB in all (${(mb / files).toFixed(1)} MB each)\n`);
console.log('| run | wall (s) | MB/s | peak RSS (MB) |');
console.log('|---|---:|---:|---:|');
console.log(`| one export, --threads 1 | ${single.seconds.toFixed(2)} | ${(singleMb / single.seconds).toFixed(0)} | ${single.rssMb.toFixed(0)} |`);
console.log(`| sweep, --threads 1 | ${one.seconds.toFixed(2)} | ${(mb / one.seconds).toFixed(0)} | ${one.rssMb.toFixed(0)} |`);
console.log(`| sweep, --threads 2 | ${two.seconds.toFixed(2)} | ${(mb / two.seconds).toFixed(0)} | ${two.rssMb.toFixed(0)} |`);
console.log(`\nsweep speed-up, 2 threads over 1: ${(one.seconds / two.seconds).toFixed(2)}×`);
