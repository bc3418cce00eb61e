/**
 * bench/html: what writing the HTML report adds to `palens analyze`, and how large the report gets.
 *
 *   node dist/bench/html.js            # the ~1.2 GB export of bench/analyze (generated once into bench/out/)
 *   node dist/bench/html.js --quick    # the ~170 MB export instead
 *
 * Cost: `palens analyze FILE --format json -o /dev/null` beside the same with `--html`, each its own
 * process, alternated (A B A B A B) so that a drifting machine weighs on both alike; medians reported.
 * Size: the report for inputs built to be large for it: a sweep of thousands of distinct prompt
 * lengths, an export of 300 experiments, and the 1.2 GB export.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticExport, type SynthOptions } from '../tools/synth.js';
import { ANALYZE_1200MB_REQUESTS, ANALYZE_170MB_REQUESTS, analyzeExportOptions } from './analyze-exports.js';
import { BIN, repoPath } from '../test/helpers/paths.js';

const quick = process.argv.includes('--quick');
const outDir = repoPath('bench', 'out');

// bench/analyze's export options: the export itself is the same file (same options, same name).
const base: SynthOptions = analyzeExportOptions(1);

async function ensure(name: string, o: SynthOptions): Promise<string> {
  const file = join(outDir, name);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file}…\n`);
    await writeSyntheticExport(file, o);
  }
  return file;
}

function wall(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`palens ${args.join(' ')} failed: ${r.stderr}`);
  return s;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

await mkdir(outDir, { recursive: true });
// The same file bench/analyze generates (same options, same name), so one copy serves both.
const big = quick
  ? await ensure('analyze-170mb.json', analyzeExportOptions(ANALYZE_170MB_REQUESTS))
  : await ensure('analyze-1200mb.json', analyzeExportOptions(ANALYZE_1200MB_REQUESTS));
const html = join(outDir, 'bench-report.html');
const plain: number[] = [];
const withHtml: number[] = [];
for (let i = 0; i < 3; i++) {
  plain.push(wall(['analyze', big, '--format', 'json', '-o', '/dev/null']));
  withHtml.push(wall(['analyze', big, '--format', 'json', '-o', '/dev/null', '--html', html]));
}
const mb = statSync(big).size / 1e6;
const a = median(plain);
const b = median(withHtml);

const sizes: [string, number][] = [[`${Math.round(mb).toLocaleString('en-US')} MB export (analyze --html)`, statSync(html).size]];
const manyLengths = await ensure('html-many-lengths.json', {
  ...base,
  experiments: [{ mode: 'concurrency', value: 1, requests: 20000 }],
  responses: 8,
  promptWords: (q) => 1 + ((q * 7919) % 5000),
});
wall(['analyze', '--sweep', manyLengths, '--html', html, '-o', '/dev/null']);
sizes.push(['sweep of 5,000 distinct lengths, 20,000 requests', statSync(html).size]);
const manyExperiments = await ensure('html-300-experiments.json', {
  ...base,
  experiments: Array.from({ length: 300 }, (_, i) => ({ mode: 'request_rate' as const, value: i + 1, requests: 20 })),
  responses: 50,
});
wall(['analyze', manyExperiments, '--html', html, '-o', '/dev/null']);
sizes.push(['export of 300 experiments (request rates 1–300)', statSync(html).size]);
await rm(html, { force: true });

const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; ${new Date().toISOString().slice(0, 10)}.\n`);
console.log(line(['file', 'analyze (s)', 'analyze --html (s)', 'added']));
console.log(line(['---', '---:', '---:', '---:']));
console.log(line([`${Math.round(mb).toLocaleString('en-US')} MB`, a.toFixed(2), b.toFixed(2), `${(((b - a) / a) * 100).toFixed(1)}%`]));
console.log(`\nruns (s): analyze ${plain.map((v) => v.toFixed(2)).join(', ')}; --html ${withHtml.map((v) => v.toFixed(2)).join(', ')}\n`);
console.log(line(['input', 'HTML size']));
console.log(line(['---', '---:']));
for (const [what, bytes] of sizes) console.log(line([what, `${(bytes / 1e6).toFixed(2)} MB`]));
