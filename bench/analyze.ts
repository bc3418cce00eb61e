/**
 * bench/analyze: palens analyze beside JSON.parse, the seed's Python snippet and GenAI-Perf's parser, on the same
 * generated exports, in one run. Prints a Markdown table for docs/BENCHMARKS.md.
 *
 *   npm run bench:analyze            # ~170 MB and ~1.2 GB exports (generated once into bench/out/)
 *   npm run bench:analyze -- --quick # the ~170 MB export only
 *
 * Each contender runs as its own process under GNU time (wall seconds, peak RSS), so node's and
 * Python's start-up are included for all alike. Speed is MB (10^6 bytes) of uncompressed JSON per
 * wall second (for the .json.gz row too). palens runs three times (median reported).
 *
 *   npm run bench:analyze -- --baseline DIR [--rounds N]
 *
 * A/B mode, for a change to the reader: DIR holds another build of palens (`cp -r dist package.json DIR/`
 * before the change); both builds analyse the ~170 MB export (and the 1.2 GB one without --quick), one
 * thread and two, alternating A B B A for N rounds (default 6), so a machine shared with other work
 * weighs on both alike (--threads 1 for one thread only). Prints the medians of wall and CPU
 * (user + sys) seconds and their ratio.
 *
 *   npm run bench:analyze -- --peers   # the peer tools' files only
 *
 * Peer tools' files (bench/peer-files.ts): an AIPerf profile_export.jsonl, a GuideLLM benchmarks.json
 * and a vLLM bench --save-detailed JSON of ~100 MB each, grown from the real samples, read by palens
 * and by each format's other readers (Python's json module, pandas, the tool's own loader from its
 * venv where it has one and it is installed), each loading the file and computing the mean TTFT;
 * without --quick also ~1 GB of each, read by palens alone (the Python loaders hold every request as
 * objects: ~10× the file in memory).
 *
 *   npm run bench:analyze -- --bombs
 *
 * Hostile files that must not take memory: 2 GiB and 400 MB of whitespace before a small export,
 * gzipped; a 2 GiB unknown string value in one, gzipped; 200 MB of plain whitespace; one request
 * holding ~1.5 GB of whitespace runs, unknown values, a text output and an input it does not read,
 * gzipped. Prints each one's exit status, wall time and peak RSS (palens reads them within ~300 MB).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { writeSyntheticExport } from '../tools/synth.js';
import { ANALYZE_1200MB_REQUESTS, ANALYZE_170MB_REQUESTS, analyzeExportOptions, manyExperimentsOptions } from './analyze-exports.js';
import { repoPath } from '../test/helpers/paths.js';
import { PEER_LOADERS, peerFile, type PeerFormat } from './peer-files.js';

interface Run {
  seconds: number;
  cpuSeconds: number;
  rssBytes: number;
  ok: boolean;
  note: string;
}

const quick = process.argv.includes('--quick');
const argValue = (flag: string): string | undefined => {
  const k = process.argv.indexOf(flag);
  return k >= 0 ? process.argv[k + 1] : undefined;
};
const baseline = argValue('--baseline');
const outDir = repoPath('bench', 'out');

async function ensureExport(name: string, requests: number): Promise<string> {
  const file = join(outDir, name);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} (${requests} requests × 1000 responses)…\n`);
    await writeSyntheticExport(file, analyzeExportOptions(requests));
  }
  if (!existsSync(`${file}.gz`)) {
    process.stderr.write(`compressing ${file}…\n`);
    execFileSync('gzip', ['-k', '-1', file]);
  }
  return file;
}

function timed(cmd: string, args: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [secs, kb, user, sys] = last.split(' ').map(Number);
  const ok = r.status === 0 && !/"error"/.test(r.stdout);
  const note = ok ? '' : (r.stdout.match(/"error":"([^"]+)"/)?.[1] ?? r.stderr.split('\n')[0] ?? 'failed');
  return { seconds: secs ?? NaN, cpuSeconds: (user ?? NaN) + (sys ?? NaN), rssBytes: (kb ?? NaN) * 1024, ok, note };
}

const SMALL_EXPORT =
  '"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1700000000000000000,"response_timestamps":[1700000000000000100,1700000000000000300]}]}]}';

/** A part of a generated file: text, or a run of one byte ([byte, count]). */
type Part = string | [number, number];

/** Writes the parts to file (gzipped when it ends in .gz), streaming; returns the JSON's length. */
async function writeParts(file: string, parts: Part[]): Promise<number> {
  const length = parts.reduce((n, p) => n + (typeof p === 'string' ? Buffer.byteLength(p) : p[1]), 0);
  if (existsSync(file)) return length;
  process.stderr.write(`generating ${file}…\n`);
  const out = createWriteStream(file);
  const sink: NodeJS.WritableStream = file.endsWith('.gz') ? createGzip({ level: 1 }) : out;
  const done = file.endsWith('.gz') ? pipelinePromise(sink as NodeJS.ReadableStream & NodeJS.WritableStream, out) : null;
  const write = (b: Buffer | string): Promise<void> =>
    new Promise((resolve) => {
      if (sink.write(b)) resolve();
      else sink.once('drain', resolve);
    });
  for (const part of parts) {
    if (typeof part === 'string') {
      await write(part);
      continue;
    }
    const [byte, fill] = part;
    const block = Buffer.alloc(1 << 20, byte);
    for (let n = 0; n < fill; n += block.length) await write(n + block.length <= fill ? block : block.subarray(0, fill - n));
  }
  sink.end();
  if (done) await done;
  else await new Promise<void>((resolve) => out.on('finish', () => resolve()));
  return length;
}

/**
 * One request of an export with eight whitespace runs between its tokens, eight long unknown
 * values, a long text output and a long input besides the prompt: `run` bytes each.
 */
function busyRequest(run: number): Part[] {
  const parts: Part[] = ['{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{'];
  for (let k = 0; k < 8; k++) parts.push([k % 2 ? 0x20 : 0x0a, run], `"junk${k}":`, [0x20, run / 4], '"', [0x61, run], '",');
  parts.push(
    '"timestamp":',
    [0x20, run],
    '1700000000000000000,"response_timestamps":[1700000000020000000,',
    [0x0a, run],
    '1700000000030000000],"response_outputs":[{"text_output":"',
    [0x61, run],
    '"},{"text_output":"b"}],"request_inputs":{"text_input":"a prompt","image":"',
    [0x61, run],
    '"}',
    [0x20, run],
    '}]}]}',
  );
  return parts;
}

async function exportsToRead(): Promise<string[]> {
  const files = [await ensureExport('analyze-170mb.json', ANALYZE_170MB_REQUESTS)];
  if (!quick) files.push(await ensureExport('analyze-1200mb.json', ANALYZE_1200MB_REQUESTS));
  return files;
}

/** --bombs: whitespace and unknown values must be skipped without being held. */
async function bombs(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const cases: { name: string; file: string; parts: Part[] }[] = [
    { name: '2 GiB of whitespace, then a small export (gzip)', file: join(outDir, 'bomb-ws-2g.json.gz'), parts: [[0x20, 2 ** 31], '{' + SMALL_EXPORT] },
    { name: '400 MB of whitespace, then a small export (gzip)', file: join(outDir, 'bomb-ws-400m.json.gz'), parts: [[0x20, 400e6], '{' + SMALL_EXPORT] },
    { name: 'a 2 GiB unknown string value (gzip)', file: join(outDir, 'bomb-str-2g.json.gz'), parts: ['{"junk":"', [0x61, 2 ** 31], '",' + SMALL_EXPORT] },
    { name: '200 MB of whitespace between keys (plain)', file: join(outDir, 'bomb-ws-200m.json'), parts: ['{"version":"x",', [0x0a, 200e6], SMALL_EXPORT] },
    { name: 'one request: 19 whitespace runs, 8 unknown strings, a text output and an input it does not read, up to 64 MiB each (gzip)', file: join(outDir, 'bomb-request-1g.json.gz'), parts: busyRequest(64 << 20) },
  ];
  console.log('| file | on disk (MB) | JSON (MB) | exit | wall (s) | peak RSS (MB) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    const json = (await writeParts(c.file, c.parts)) / 1e6;
    const r = timed(node, [bin, 'analyze', c.file, '--format', 'json', '--out', '/dev/null']);
    console.log(`| ${c.name} | ${(statSync(c.file).size / 1e6).toFixed(1)} | ${json.toFixed(0)} | ${r.ok ? 0 : 'failed: ' + r.note} | ${r.seconds.toFixed(1)} | ${(r.rssBytes / 1e6).toFixed(0)} |`);
  }
}

function mid(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  return n % 2 === 1 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
}

/** --baseline: this build against another one, alternating, medians of wall and CPU seconds. */
function abCompare(baselineDir: string, files: string[], rounds: number): void {
  const builds = [
    { name: 'baseline', bin: join(baselineDir, 'dist', 'src', 'cli', 'bin.js') },
    { name: 'this build', bin: repoPath('dist', 'src', 'cli', 'bin.js') },
  ];
  console.log(`A/B: ${rounds} rounds, order A B B A; medians; CPU = user + sys\n`);
  console.log('| file | threads | build | wall (s) | CPU (s) | peak RSS (MB) | wall vs baseline | CPU vs baseline |');
  console.log('|---|---:|---|---:|---:|---:|---:|---:|');
  for (const file of files) {
    for (const threads of (argValue('--threads') ?? '1,2').split(',')) {
      const runs: Run[][] = [[], []];
      for (let r = 0; r < rounds; r++) {
        for (const k of [0, 1, 1, 0]) {
          // A file, not /dev/null: a build from before -o wrote devices in place would replace /dev/null (as root).
          const run = timed(node, [builds[k]!.bin, 'analyze', file, '--format', 'json', '--out', join(outDir, 'ab-report.json'), '--threads', threads]);
          if (!run.ok) throw new Error(`${builds[k]!.name} failed on ${file}: ${run.note}`);
          runs[k]!.push(run);
        }
      }
      const wall = runs.map((rs) => mid(rs.map((r) => r.seconds)));
      const cpu = runs.map((rs) => mid(rs.map((r) => r.cpuSeconds)));
      const rss = runs.map((rs) => mid(rs.map((r) => r.rssBytes)));
      const name = `${file.split('/').at(-1)} (${(statSync(file).size / 1e6).toFixed(0)} MB)`;
      for (const k of [0, 1]) {
        const vs = k === 0 ? ['1.00', '1.00'] : [(wall[1]! / wall[0]!).toFixed(3), (cpu[1]! / cpu[0]!).toFixed(3)];
        console.log(`| ${name} | ${threads} | ${builds[k]!.name} | ${wall[k]!.toFixed(2)} | ${cpu[k]!.toFixed(2)} | ${(rss[k]! / 1e6).toFixed(0)} | ${vs[0]} | ${vs[1]} |`);
      }
    }
  }
}

function median(runs: Run[]): Run {
  const ok = runs.filter((r) => r.ok).sort((a, b) => a.seconds - b.seconds);
  return ok.length > 0 ? ok[Math.floor(ok.length / 2)]! : runs[0]!;
}

const node = process.execPath;
const bin = repoPath('dist', 'src', 'cli', 'bin.js');
const contenders: { name: string; repeat: number; run: (file: string) => Run }[] = [
  { name: 'palens analyze', repeat: 3, run: (f) => timed(node, [bin, 'analyze', f, '--format', 'json', '--out', '/dev/null']) },
  { name: 'palens analyze --threads 1', repeat: 3, run: (f) => timed(node, [bin, 'analyze', f, '--format', 'json', '--out', '/dev/null', '--threads', '1']) },
  { name: 'palens analyze (.json.gz)', repeat: 1, run: (f) => timed(node, [bin, 'analyze', `${f}.gz`, '--format', 'json', '--out', '/dev/null']) },
  { name: 'JSON.parse (node)', repeat: 3, run: (f) => timed(node, [repoPath('dist', 'bench', 'run-jsonparse.js'), f]) },
  { name: "seed's snippet (python3)", repeat: 1, run: (f) => timed('python3', [repoPath('bench', 'seed_reference.py'), f]) },
];
// GenAI-Perf's own export parser (test/real/genai_parse.py: LLMProfileDataParser with the test
// tokenizer), when test/real/setup.sh has installed it.
const genaiPython = repoPath('.cache', 'real', 'genai-venv', 'bin', 'python');
if (existsSync(genaiPython)) {
  contenders.push({
    name: 'GenAI-Perf 0.0.16 parser (python)',
    repeat: 1,
    run: (f) => timed(genaiPython, [repoPath('test', 'real', 'genai_parse.py'), f, repoPath('test', 'fixtures', 'tokenizer', 'tokenizer.json')]),
  });
} else process.stderr.write('GenAI-Perf is not installed (bash test/real/setup.sh): its row is left out\n');

await mkdir(outDir, { recursive: true });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
if (process.argv.includes('--bombs')) {
  console.log(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${new Date().toISOString().slice(0, 10)}\n`);
  await bombs();
  process.exit(0);
}
if (baseline !== undefined) {
  console.log(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${new Date().toISOString().slice(0, 10)}\n`);
  abCompare(baseline, await exportsToRead(), Number(argValue('--rounds') ?? 6));
  process.exit(0);
}
/** Whether `python` can import `module` (a tool's venv may be absent or still being built). */
function importable(python: string, module: string | null): boolean {
  if (module === null) return true;
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/** One row per reader of each peer format: palens first, then the format's other readers. */
async function peerRows(): Promise<void> {
  const sizes = quick ? [100] : [100, 1000];
  for (const size of sizes) {
    for (const format of ['aiperf', 'guidellm', 'vllm'] as PeerFormat[]) {
      const file = await peerFile(format, size, outDir);
      const mb = statSync(file).size / 1e6;
      const name = `${file.split('/').at(-1)} (${mb.toFixed(0)} MB)`;
      const p = median([0, 1, 2].map(() => timed(node, [bin, 'analyze', file, '--format', 'json', '--out', '/dev/null'])));
      if (!p.ok) {
        console.log(`| ${name} | palens analyze | – | – | – | fails: ${p.note.slice(0, 60)} |`);
        continue;
      }
      const palens = mb / p.seconds;
      console.log(`| ${name} | palens analyze | ${p.seconds.toFixed(2)} | ${palens.toFixed(0)} | ${(p.rssBytes / 1e6).toFixed(0)} | 1.00× |`);
      // The Python loaders hold every request as objects: not at 1 GB on a shared machine.
      if (size > 100) continue;
      for (const loader of PEER_LOADERS[format]) {
        if (!importable(loader.python, loader.needs)) {
          process.stderr.write(`${loader.name}: ${loader.needs} is not importable with ${loader.python}: its row is left out\n`);
          continue;
        }
        const r = timed(loader.python, ['-c', loader.code, file]);
        if (!r.ok) {
          console.log(`| ${name} | ${loader.name} | – | – | – | fails: ${r.note.slice(0, 60)} |`);
          continue;
        }
        const speed = mb / r.seconds;
        console.log(`| ${name} | ${loader.name} | ${r.seconds.toFixed(2)} | ${speed.toFixed(0)} | ${(r.rssBytes / 1e6).toFixed(0)} | ${palens >= speed ? `${(palens / speed).toFixed(1)}× slower` : `${(speed / palens).toFixed(1)}× faster`} |`);
      }
    }
  }
}

const python = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
console.log(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${python}; ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| file | tool | wall (s) | MB/s | peak RSS (MB) | vs palens |');
console.log('|---|---|---:|---:|---:|---:|');
if (process.argv.includes('--peers')) {
  await peerRows();
  process.exit(0);
}
const files = await exportsToRead();
for (const file of files) {
  const mb = statSync(file).size / 1e6;
  let palens = NaN;
  for (const c of contenders) {
    const runs: Run[] = [];
    for (let i = 0; i < c.repeat; i++) runs.push(c.run(file));
    const r = median(runs);
    const name = `${file.split('/').at(-1)} (${mb.toFixed(0)} MB)`;
    if (!r.ok) {
      console.log(`| ${name} | ${c.name} | – | – | – | fails: ${r.note.slice(0, 60)} |`);
      continue;
    }
    // Speed is always of the uncompressed JSON, so rows compare.
    const speed = mb / r.seconds;
    if (c.name === 'palens analyze') palens = speed;
    const ratio = c.name === 'palens analyze' ? '1.00×' : `${(palens / speed).toFixed(1)}× slower`;
    console.log(`| ${name} | ${c.name} | ${r.seconds.toFixed(2)} | ${speed.toFixed(0)} | ${(r.rssBytes / 1e6).toFixed(0)} | ${ratio} |`);
  }
}

// Many small experiments (issue 10): memory per experiment, not per byte. 10,000 one-request experiments,
// the JSON and the table (both written as they are made).
const many = join(outDir, 'analyze-10k-experiments.json');
if (!existsSync(many)) await writeSyntheticExport(many, manyExperimentsOptions(10_000));
for (const format of ['json', 'table']) {
  const m = timed(node, [bin, 'analyze', many, '--format', format, '--out', join(outDir, `analyze-10k-experiments.${format}`)]);
  console.log(`| ${many.split('/').at(-1)} (${(statSync(many).size / 1e6).toFixed(0)} MB, 10,000 experiments) | palens analyze -f ${format} | ${m.ok ? m.seconds.toFixed(2) : '–'} | – | ${m.ok ? (m.rssBytes / 1e6).toFixed(0) : m.note} | – |`);
}

await peerRows();
