/**
 * bench/peers: palens reading peer tools' result files beside each tool's own loader, on files grown
 * from the real samples in samples/peers/ (requests repeated with fresh times), in one run. Prints a
 * Markdown table for docs/BENCHMARKS.md.
 *
 *   node dist/bench/peers.js                 # ~100 MB files
 *   node dist/bench/peers.js --size-mb 1000 --palens-only  # ~1 GB files, palens alone (the Python loaders
 *                                                           # would need ~10–12 GB each here)
 *
 * Each contender runs as its own process under GNU time (wall seconds, peak RSS). The peers' loaders:
 * AIPerf's own (`MetricRecordInfo.model_validate_json` per line, as its plot data loader reads
 * profile_export.jsonl) and GuideLLM's own (`GenerativeBenchmarksReport.load_file`), each followed by
 * the mean TTFT, in the tools' venvs from test/real/setup-peers.sh; plus Python's json module.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../test/helpers/paths.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const sizeMb = arg('--size-mb', 100);
const outDir = repoPath('bench', 'out');
const AIPERF_PY = repoPath('.cache', 'real', 'peers-aiperf-venv', 'bin', 'python');
const GUIDELLM_PY = repoPath('.cache', 'real', 'peers-guidellm-venv', 'bin', 'python');

async function write(file: string, parts: () => Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const p of parts()) if (!out.write(p)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** An AIPerf JSONL of about sizeMb: the sample's profiling lines, repeated with later start times. */
async function aiperfFile(): Promise<string> {
  const file = join(outDir, `aiperf-${sizeMb}mb.jsonl`);
  if (existsSync(file)) return file;
  const lines = readFileSync(repoPath('samples', 'peers', 'aiperf-isl256', 'profile_export.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"benchmark_phase":"profiling"'));
  const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
  const rounds = Math.ceil((sizeMb * 1e6) / bytes);
  await write(file, function* () {
    for (let r = 0; r < rounds; r++) {
      // Shift every start by r seconds: the digits stay 19 long, the times stay exact.
      for (const l of lines) yield l.replace(/"request_start_ns":(\d+)/, (_m, d: string) => `"request_start_ns":${BigInt(d) + BigInt(r) * 1_000_000_000n}`) + '\n';
    }
  });
  return file;
}

/** A GuideLLM benchmarks.json of about sizeMb: one benchmark, the sample's requests repeated. */
async function guidellmFile(): Promise<string> {
  const file = join(outDir, `guidellm-${sizeMb}mb.json`);
  if (existsSync(file)) return file;
  const doc = JSON.parse(readFileSync(repoPath('samples', 'peers', 'guidellm-concurrent2', 'benchmarks.json'), 'utf8'));
  const b = doc.benchmarks[0];
  const reqs: string[] = b.requests.successful.map((r: unknown) => JSON.stringify(r));
  const per = reqs.reduce((n, r) => n + r.length + 1, 0);
  const rounds = Math.ceil((sizeMb * 1e6) / per);
  const total = rounds * reqs.length;
  b.metrics.request_totals.successful = total;
  b.metrics.request_totals.total = total;
  const head = JSON.stringify({ ...doc, benchmarks: [{ ...b, requests: { successful: '@@' } }] });
  const [before, after] = head.split('"@@"') as [string, string];
  await write(file, function* () {
    yield before + '[';
    for (let r = 0; r < rounds; r++) for (let i = 0; i < reqs.length; i++) yield (r === 0 && i === 0 ? '' : ',') + reqs[i]!;
    yield ']' + after;
  });
  return file;
}

interface Run {
  seconds: number;
  rssMb: number;
  ok: boolean;
  out: string;
}

function timed(cmd: string, args: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [sec, kb] = last.split(' ').map(Number);
  return { seconds: sec ?? NaN, rssMb: (kb ?? NaN) / 1024, ok: r.status === 0, out: (r.stdout || r.stderr).trim().split('\n').slice(-1)[0] ?? '' };
}

const PY_JSONL = 'import json,sys\nrs=[json.loads(l) for l in open(sys.argv[1])]\nt=[r["metrics"]["time_to_first_token"]["value"] for r in rs]\nprint(len(t), sum(t)/len(t))';
const PY_AIPERF = 'import sys\nfrom aiperf.common.models.record_models import MetricRecordInfo\nrs=[MetricRecordInfo.model_validate_json(l) for l in open(sys.argv[1])]\nt=[r.metrics["time_to_first_token"].value for r in rs]\nprint(len(t), sum(t)/len(t))';
const PY_JSON = 'import json,sys\nd=json.load(open(sys.argv[1]))\nt=[r["time_to_first_token_ms"] for r in d["benchmarks"][0]["requests"]["successful"]]\nprint(len(t), sum(t)/len(t))';
const PY_GUIDELLM = 'import sys\nfrom guidellm.benchmark.schemas import GenerativeBenchmarksReport\nd=GenerativeBenchmarksReport.load_file(sys.argv[1])\nt=[r.time_to_first_token_ms for r in d.benchmarks[0].requests.successful]\nprint(len(t), sum(t)/len(t))';

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const bin = repoPath('dist', 'src', 'cli', 'bin.js');
  const rows: string[] = [];
  for (const [name, file, loaders] of [
    ['AIPerf profile_export.jsonl', await aiperfFile(), [['Python json, line by line', AIPERF_PY, PY_JSONL], ["AIPerf's MetricRecordInfo", AIPERF_PY, PY_AIPERF]]],
    ['GuideLLM benchmarks.json', await guidellmFile(), [['Python json.load', GUIDELLM_PY, PY_JSON], ["GuideLLM's GenerativeBenchmarksReport.load_file", GUIDELLM_PY, PY_GUIDELLM]]],
  ] as const) {
    const mb = statSync(file).size / 1e6;
    const runs: [string, Run][] = [['palens analyze', timed(process.execPath, [bin, 'analyze', file, '-p', '50,99'])]];
    if (!process.argv.includes('--palens-only')) for (const [label, py, code] of loaders) if (existsSync(py)) runs.push([label, timed(py, ['-c', code, file])]);
    for (const [label, r] of runs) {
      rows.push(`| ${name} | ${mb.toFixed(0)} MB | ${label} | ${r.ok ? r.seconds.toFixed(1) : 'failed'} | ${r.ok ? (mb / r.seconds).toFixed(0) : '–'} | ${r.rssMb.toFixed(0)} |`);
    }
  }
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
  console.log('| file | size | reader | seconds | MB/s | peak RSS (MiB) |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of rows) console.log(r);
}

await main();
