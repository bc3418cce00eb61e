/**
 * `palens merge a.json b.json … -o all.json`: the shards of one capture (`--shard I/N`) as one
 * export, with its sidecar. The work is pipeline/merge.ts; this parses options and reports.
 */
import { EXIT, UsageError } from '../errors.js';
import { mergeExports } from '../pipeline/merge.js';
import { expandExports } from './files.js';
import type { CliIo } from './io.js';
import { printable } from '../printable.js';

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1_000n, µs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };

/** A duration such as `500us`, `2ms`, `0.5ms` or `1s` (a bare number is ns), as exact ns; a problem as text otherwise. */
export function parseDurationNs(text: string, flag: string): bigint | string {
  const m = /^(\d+)(?:\.(\d+))?\s*(ns|us|µs|ms|s)?$/.exec(text.trim());
  if (m === null) return `${flag} ${text}: expected a duration such as 500us, 2ms or 1s`;
  const unit = UNIT_NS[m[3] ?? 'ns']!;
  const frac = m[2] ?? '';
  const scaled = BigInt(m[1]! + frac) * unit;
  const divisor = 10n ** BigInt(frac.length);
  if (scaled % divisor !== 0n) return `${flag} ${text}: finer than 1 ns`;
  return scaled / divisor;
}

export async function mergeCommand(argv: Record<string, unknown>, io: CliIo): Promise<number> {
  const issues: string[] = [];
  const out = argv.out === undefined ? null : String(argv.out);
  if (out === null) issues.push('name the merged export with -o FILE');
  else if (/\.gz$/i.test(out)) issues.push('-o: merge writes plain JSON; name it FILE.json (gzip it afterwards if you like)');
  let bound: bigint | null = null;
  if (argv['clock-offset-bound'] !== undefined) {
    const b = parseDurationNs(String(argv['clock-offset-bound']), '--clock-offset-bound');
    if (typeof b === 'string') issues.push(b);
    else bound = b;
  }
  const args = ((argv.files as unknown[] | undefined) ?? []).map(String);
  if (args.length < 2) issues.push('name two or more shard exports to merge');
  if (issues.length > 0) throw new UsageError(issues.join('; '));
  const files = await expandExports(args, 'merge');
  if (files.includes(out!)) throw new UsageError(`-o ${out}: is one of the inputs`);
  const res = await mergeExports(files, { out: out!, clockOffsetBoundNs: bound });
  for (const w of res.warnings) io.stderr.write(`warning: ${printable(w)}\n`);
  const levels = res.experiments.map((e) => `${e.mode} ${e.value}: ${e.requests}`).join(', ');
  io.stderr.write(`palens: merged ${files.length} shards into ${printable(res.out)}${res.sidecar === null ? '' : ` and ${printable(res.sidecar)}`} · ${res.requests} requests (${levels})\n`);
  return EXIT.ok;
}
