import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ANALYSIS_SCHEMA_VERSION } from '../pipeline/analysis.js';
import { type ComparedMetric, compareSides, type GroupComparison, RESERVOIR } from '../compare/compare.js';
import { CompareSink } from '../compare/sink.js';
import { configDifferences, type RunFacts } from '../compare/config.js';
import type { Statistic } from '../compare/bootstrap.js';
import { EXIT, IoError, UsageError } from '../errors.js';
import { captureEndNote, hasSidecar, joinStatuses, readSidecar, type Sidecar, sidecarLengths } from '../export/sidecar.js';
import { detectFormat } from '../formats/detect.js';
import { readRecords } from '../formats/source.js';
import { tokenizerFor } from '../pipeline/sweep-job.js';
import { type LengthBy, measure } from '../sweep/length.js';
import type { AiperfPhase } from '../records/record.js';
import { VERSION } from '../version.js';
import type { renderCompareHtml } from '../report/compare-html.js';
import { colorLevel, makeChalk } from './color.js';
import { expandExports } from './files.js';
import type { CliIo } from './io.js';
import { writeFileAtomically } from './output.js';
import { printable } from '../printable.js';
import { metricSpec } from '../metrics/catalogue.js';

/**
 * A and B from the files named: two arguments are the two sides (each an export, or a quoted glob
 * with --sweep); a shell-expanded list is split by folder (`compare --sweep base/*.json new/*.json`),
 * its sidecars set aside as every command does.
 */
async function sides(args: string[]): Promise<[string[], string[]]> {
  if (args.length === 2) return [await expandExports([args[0]!], 'A'), await expandExports([args[1]!], 'B')];
  const files = await expandExports(args, 'compare');
  if (files.length < 2) throw new UsageError(`compare: name A and B, found ${files.length === 1 ? `only ${files[0]}` : 'no export'}`);
  if (files.length === 2) return [[files[0]!], [files[1]!]];
  const folders = [...new Set(files.map((f) => dirname(f)))];
  if (folders.length !== 2) {
    throw new UsageError(
      `compare: ${files.length} exports from ${folders.length} folder${folders.length === 1 ? '' : 's'}; cannot tell A from B`,
      "name A and B as two quoted globs (compare --sweep 'base/*.json' 'new/*.json'), or as files from two folders",
    );
  }
  return [files.filter((f) => dirname(f) === folders[0]), files.filter((f) => dirname(f) === folders[1])];
}

/** At most this many bootstrap rounds: each resamples every value of a group. */
const MAX_ROUNDS = 100_000;

/** What one side says about how it ran: its captures' sidecars, and its experiments as read. */
function facts(configs: readonly (SidecarConfig | null)[], sink: CompareSink, sweep: boolean): RunFacts {
  const one = <T>(xs: (T | null)[]): T | null => {
    const known = [...new Set(xs.filter((x): x is T => x !== null))];
    return known.length === 1 ? known[0]! : null;
  };
  return {
    model: one(configs.map((c) => c?.model ?? null)),
    backend: one(configs.map((c) => c?.backend ?? null)),
    maxTokens: one(configs.map((c) => c?.maxTokens ?? null)),
    loads: sink.loads,
    promptWords: sweep ? [] : sink.keys().map((k) => sink.summary(k).metrics.prompt_words.mean),
  };
}

interface SidecarConfig {
  model: string | null;
  backend: string | null;
  maxTokens: number | null;
}

/** The configuration a capture's sidecar header records, or null without a sidecar. */
function sidecarConfig(sidecar: Sidecar | null): SidecarConfig | null {
  const c = sidecar?.config ?? null;
  if (c === null) return null;
  return {
    model: typeof c.model === 'string' ? c.model : null,
    backend: typeof c.backend === 'string' ? c.backend : null,
    maxTokens: typeof c.max_tokens === 'number' ? c.max_tokens : null,
  };
}

async function readSide(label: string, files: string[], sweep: boolean, by: LengthBy | null, tokenizer: string | null, bucket: number | null, phase: AiperfPhase, sink: CompareSink): Promise<{ files: string[]; configs: (SidecarConfig | null)[]; notes: string[] }> {
  if (!sweep && files.length !== 1) throw new UsageError(`${label}: ${files.length} files; without --sweep each side is one export`);
  const counter = by === 'tokens' && tokenizer !== null ? await tokenizerFor(tokenizer) : null;
  const configs: (SidecarConfig | null)[] = [];
  const notes: string[] = [];
  for (const file of files) {
    const sidecar = await readSidecar(file);
    configs.push(sidecarConfig(sidecar));
    const format = await detectFormat(file);
    if (sweep) {
      // Peer tools' files carry their own prompt lengths; perf_analyzer exports need a sidecar.
      const meta = by === 'meta' && format === 'perf_analyzer' ? sidecarLengths(sidecar, file) : null;
      const m = measure(by!, { bucket, meta, ...(counter === null ? {} : { countTokens: (t: string) => counter.count(t) }) });
      sink.groupBy((r) => m.of(r));
    }
    const joined = joinStatuses(sidecar, sink);
    await readRecords(file, joined, { failFast: true, phase }, format);
    const cut = captureEndNote(sidecar, joined.finish());
    if (cut !== null) notes.push(`${label}: ${file}: ${cut}`);
  }
  return { files, configs, notes };
}

export async function compareCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const issues: string[] = [];
  const sweep = Boolean(raw.sweep);
  const rounds = Number(raw.bootstrap);
  if (!Number.isInteger(rounds) || rounds < 100 || rounds > MAX_ROUNDS) issues.push(`--bootstrap: expected an integer from 100 to ${MAX_ROUNDS}, got ${String(raw.bootstrap)}`);
  const seed = Number(raw.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) issues.push(`--seed: expected a non-negative integer, got ${String(raw.seed)}`);
  const pct = raw['fail-if-slower'] === undefined ? null : Number(raw['fail-if-slower']);
  if (pct !== null && !(pct >= 0)) issues.push(`--fail-if-slower: expected a percentage ≥ 0, got ${String(raw['fail-if-slower'])}`);
  if (!sweep) for (const flag of ['length-by', 'tokenizer', 'bucket'] as const) if (raw[flag] !== undefined) issues.push(`--${flag} goes with --sweep`);
  if (raw.metric !== undefined && pct === null) issues.push('--metric goes with --fail-if-slower');
  const bucket = raw.bucket === undefined ? null : Number(raw.bucket);
  if (bucket !== null && !(Number.isInteger(bucket) && bucket > 0)) issues.push(`--bucket: expected a positive integer, got ${String(raw.bucket)}`);
  if (raw['length-by'] === 'tokens' && raw.tokenizer === undefined) issues.push('--length-by tokens needs --tokenizer PATH');
  if (issues.length > 0) throw new UsageError(issues.join('; '));

  const [a, b] = await sides((raw.files as unknown[]).map(String));
  const tokenizer = raw.tokenizer === undefined ? null : String(raw.tokenizer);
  if (tokenizer !== null && !existsSync(tokenizer)) throw new IoError('no such tokenizer file or folder', tokenizer);
  let by: LengthBy | null = null;
  if (sweep) {
    const all = [...a, ...b];
    by = (raw['length-by'] as LengthBy | undefined) ?? (all.every(hasSidecar) ? 'meta' : tokenizer !== null ? 'tokens' : 'words');
  }
  const phase = (raw.phase as AiperfPhase | undefined) ?? 'profiling';
  const metricOptions = { keepEmptyResponses: Boolean(raw['keep-empty-responses']), percentiles: [50, 99] };
  const sinkA = new CompareSink(metricOptions, seed);
  const sinkB = new CompareSink(metricOptions, seed + 1);
  const { files: filesA, configs: configsA, notes: notesA } = await readSide('A', a, sweep, by, tokenizer, bucket, phase, sinkA);
  const { files: filesB, configs: configsB, notes: notesB } = await readSide('B', b, sweep, by, tokenizer, bucket, phase, sinkB);
  const differences = configDifferences(facts(configsA, sinkA, sweep), facts(configsB, sinkB, sweep), !sweep);
  if (differences.length > 0 && !raw['allow-mismatch']) {
    throw new UsageError(`A and B were not run alike: ${differences.join('; ')}`, 'compare runs made the same way, or pass --allow-mismatch to compare them anyway');
  }
  const statistic = raw.stat as Statistic;
  const gateMetrics = (raw.metric as ComparedMetric[] | undefined) ?? ['time_to_first_token', 'token_to_token_latency'];
  const result = compareSides(sinkA, sinkB, {
    rounds,
    seed,
    gate: pct === null ? null : { thresholdPercent: pct, statistic, metrics: gateMetrics },
  });
  const warnings: string[] = [...notesA, ...notesB, ...differences.map((d) => `not run alike (--allow-mismatch): ${d}`)];
  const kind = sweep ? 'prompt length' : 'experiment';
  if (result.groups.length === 0) warnings.push(`no ${kind} is in both A and B: nothing was compared`);
  if (result.onlyA.length > 0) warnings.push(`${kind}s only in A: ${result.onlyA.join(', ')}`);
  if (result.onlyB.length > 0) warnings.push(`${kind}s only in B: ${result.onlyB.join(', ')}`);
  for (const [side, sink] of [['A', sinkA], ['B', sinkB]] as const) {
    if (sink.unknown > 0) warnings.push(`${side}: ${sink.unknown} requests without a known prompt length left out`);
    for (const key of sink.keys()) {
      const r = sink.summary(key).requests;
      if (r.failed > 0) warnings.push(`${side}: ${kind} ${key}: ${r.failed} of ${r.total} requests failed`);
    }
  }

  const doc = {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    tool: { name: 'palens' as const, version: VERSION },
    a: filesA,
    b: filesB,
    grouping: sweep ? ('length' as const) : ('experiment' as const),
    length_by: by,
    bootstrap: { rounds, seed, gap_reservoir: RESERVOIR },
    groups: result.groups,
    only_in_a: result.onlyA,
    only_in_b: result.onlyB,
    gate: result.gate,
    config_differences: differences,
    warnings,
  };
  const text = raw.format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : renderComparison(doc, makeChalk(colorLevel(raw.color as boolean | undefined, io.env, raw.out === undefined && io.stdoutIsTTY)));
  if (raw.out !== undefined) {
    await writeFileAtomically(String(raw.out), text, 'the comparison');
    io.stderr.write(`palens: wrote ${printable(String(raw.out))}\n`);
  } else io.stdout.write(text);
  if (raw.html !== undefined) await writeCompareHtml(String(raw.html), doc, sinkA, sinkB, io);
  if (result.gate !== null && !result.gate.passed) {
    for (const f of result.gate.failures) {
      io.stderr.write(`palens: slower: ${kind} ${f.key}: ${f.metric} ${statistic} +${(f.relative * 100).toFixed(2)}% (> ${pct}%, 95% interval from +${(f.ci_low_ns / 1e6).toFixed(3)} ms)\n`);
    }
    for (const f of result.gate.failed_requests) {
      io.stderr.write(`palens: more failures: ${kind} ${f.key}: B ${f.failed_b} of ${f.requests_b} requests failed, A ${f.failed_a} of ${f.requests_a}\n`);
    }
    if (result.gate.nothing_compared) io.stderr.write(`palens: nothing compared: no ${kind} is in both A and B\n`);
    return EXIT.invalid;
  }
  return EXIT.ok;
}

interface ComparisonDoc {
  a: string[];
  b: string[];
  grouping: 'length' | 'experiment';
  groups: GroupComparison[];
  gate: ReturnType<typeof compareSides>['gate'];
  warnings: string[];
  bootstrap: { rounds: number };
}

function renderComparison(d: ComparisonDoc, c: ReturnType<typeof makeChalk>): string {
  const out: string[] = [];
  const side = (files: string[]): string => (files.length === 1 ? printable(files[0]!) : `${files.length} files`);
  out.push(c.bold(`palens compare · A ${side(d.a)} → B ${side(d.b)}`));
  out.push(c.dim(`  per ${d.grouping === 'length' ? 'prompt length' : 'experiment'}: A, B and B − A in ms, the change in %, and the 95% bootstrap interval of B − A in ms (${d.bootstrap.rounds} rounds)`));
  const msv = (v: number | null): string => (v === null ? '–' : (v / 1e6).toFixed(3));
  const signed = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v / 1e6).toFixed(3)}`);
  const rel = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)}%`);
  const header = ['', '', 'A', 'B', 'B − A', 'change', '95% interval'];
  for (const g of d.groups) {
    // A metric neither side has (token gaps of a prefill run, max_tokens 1) is left out, not shown as dashes.
    const metrics = g.metrics.filter((m) => (['mean', 'p50', 'p99'] as const).some((s) => m[s].a !== null || m[s].b !== null));
    const rows: { cells: string[]; colour: (t: string) => string }[] = [];
    for (const m of metrics) {
      (['mean', 'p50', 'p99'] as const).forEach((s, i) => {
        const x = m[s];
        const significant = x.ci_low_ns !== null && x.ci_high_ns !== null && (x.ci_low_ns > 0 || x.ci_high_ns < 0);
        rows.push({
          cells: [i === 0 ? metricSpec(m.metric).title : '', s, msv(x.a), msv(x.b), signed(x.difference_ns), rel(x.relative), `[${signed(x.ci_low_ns)}, ${signed(x.ci_high_ns)}]`],
          colour: significant ? (x.ci_low_ns! > 0 ? c.red : c.green) : (t) => t,
        });
      });
    }
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r.cells[j]!.length)));
    const line = (cells: string[]): string => cells.map((v, j) => (j < 2 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join('  ');
    out.push('');
    out.push(c.cyan(d.grouping === 'length' ? `length ${g.key}` : `experiment ${g.key}`));
    out.push(c.dim(`  ${line(header)}`));
    for (const r of rows) out.push(`  ${r.colour(line(r.cells))}`);
    const left = g.metrics.length - metrics.length;
    if (left > 0) out.push(c.dim(`  (${g.metrics.filter((m) => !metrics.includes(m)).map((m) => metricSpec(m.metric).title).join(', ')}: no data on either side)`));
  }
  if (d.gate !== null) {
    out.push('');
    out.push(
      d.gate.failures.length === 0
        ? c.green(`gate: no ${d.gate.metrics.join(' / ')} ${d.gate.statistic} slower by more than ${d.gate.threshold_percent}%`)
        : c.red(`gate: ${d.gate.failures.length} slower by more than ${d.gate.threshold_percent}%`),
    );
  }
  if (d.warnings.length > 0) out.push('');
  for (const w of d.warnings) out.push(c.yellow(`warning: ${printable(w)}`));
  return out.join('\n') + '\n';
}

/** `--html FILE`: the comparison drawn, each side's curves from its exact samples (report/compare-html.ts). */
async function writeCompareHtml(file: string, doc: Parameters<typeof renderCompareHtml>[0], a: CompareSink, b: CompareSink, io: CliIo): Promise<void> {
  const { renderCompareHtml } = await import('../report/compare-html.js');
  const { experimentFigures } = await import('../metrics/figures.js');
  const sides = (sink: CompareSink) => (key: number) => ({ summary: sink.summary(key), figures: experimentFigures(sink.figureSamples(key)) });
  await writeFileAtomically(file, renderCompareHtml(doc, sides(a), sides(b), { captures: new Set([...doc.a, ...doc.b].filter(hasSidecar)) }), 'the HTML report');
  io.stderr.write(`palens: wrote ${printable(file)}\n`);
}
