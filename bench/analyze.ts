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
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticExport } from '../tools/synth.js';
import { repoPath } from '../test/helpers/paths.js';

interface Run {
  seconds: number;
  rssBytes: number;
  ok: boolean;
  note: string;
}

const quick = process.argv.includes('--quick');
const outDir = repoPath('bench', 'out');

async function ensureExport(name: string, requests: number): Promise<string> {
  const file = join(outDir, name);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} (${requests} requests × 1000 responses)…\n`);
    await writeSyntheticExport(file, {
      flavor: 'vllm',
      experiments: [{ mode: 'concurrency', value: 1, requests }],
      responses: 1000,
      promptWords: 100,
      ttftBaseNs: 20e6,
      ttftPerWordNs: 50e3,
      gapNs: 10e6,
      jitterNs: 2e6,
      emptyFinal: false,
      seed: 1,
    });
  }
  if (!existsSync(`${file}.gz`)) {
    process.stderr.write(`compressing ${file}…\n`);
    execFileSync('gzip', ['-k', '-1', file]);
  }
  return file;
}

function timed(cmd: string, args: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  const [secs, kb] = last.split(' ').map(Number);
  const ok = r.status === 0 && !/"error"/.test(r.stdout);
  const note = ok ? '' : (r.stdout.match(/"error":"([^"]+)"/)?.[1] ?? r.stderr.split('\n')[0] ?? 'failed');
  return { seconds: secs ?? NaN, rssBytes: (kb ?? NaN) * 1024, ok, note };
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
const files = [await ensureExport('analyze-170mb.json', 4000)];
if (!quick) files.push(await ensureExport('analyze-1200mb.json', 28000));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const python = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
console.log(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${python}; ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| file | tool | wall (s) | MB/s | peak RSS (MB) | vs palens |');
console.log('|---|---|---:|---:|---:|---:|');
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

// Many small experiments (issue 10): memory per experiment, not per byte. 10,000 one-request experiments.
const many = join(outDir, 'analyze-10k-experiments.json');
if (!existsSync(many)) {
  await writeSyntheticExport(many, {
    flavor: 'vllm-legacy',
    experiments: Array.from({ length: 10_000 }, (_, i) => ({ mode: 'concurrency' as const, value: i + 1, requests: 1 })),
    responses: 16,
    promptWords: 20,
    ttftBaseNs: 20e6,
    ttftPerWordNs: 1e4,
    gapNs: 9e6,
    jitterNs: 1e6,
    emptyFinal: true,
    seed: 1,
  });
}
const m = timed(node, [bin, 'analyze', many, '--format', 'json', '--out', '/dev/null']);
console.log(`| ${many.split('/').at(-1)} (${(statSync(many).size / 1e6).toFixed(0)} MB, 10,000 experiments) | palens analyze | ${m.ok ? m.seconds.toFixed(2) : '–'} | – | ${m.ok ? (m.rssBytes / 1e6).toFixed(0) : m.note} | – |`);
