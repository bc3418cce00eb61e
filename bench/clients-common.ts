/**
 * What bench/driver and bench/clients both need: each client's requests read from its export
 * exactly, percentiles of error lists, and a child process's wall and CPU time.
 */
import { spawnSync } from 'node:child_process';
import { readExport } from '../src/export/reader.js';
import type { RequestRecord } from '../src/records/record.js';

/** One request as a client saw it: its position in the export, send and response times in ns since the epoch. */
export interface Seen {
  index: number;
  sendNs: bigint;
  stampsNs: bigint[];
}

/**
 * The requests of an export (all experiments, in order), read by palens's exact reader; with
 * `dropEmpty`, responses without output (empty finals) are left out, as palens analyze does.
 */
export async function exportSeen(file: string, dropEmpty: boolean): Promise<Seen[]> {
  // Offsets from the file's time base, kept until the base is known at the end.
  const rows: { index: number; send: number; stamps: number[] }[] = [];
  const res = await readExport(
    file,
    {
      experimentEnd() {},
      record(rec: RequestRecord) {
        const stamps: number[] = [];
        for (let k = 0; k < rec.responseCount; k++) if (!(dropEmpty && rec.responseEmpty?.[k] === 1)) stamps.push(rec.responseNs[k]!);
        rows.push({ index: rows.length, send: rec.sendNs, stamps });
      },
    },
    { failFast: true },
  );
  const base = BigInt(res.source.timeBaseNs ?? '0');
  const at = (offset: number): bigint => base + BigInt(Math.round(offset));
  return rows.map((r) => ({ index: r.index, sendNs: at(r.send), stampsNs: r.stamps.map(at) }));
}

/** numpy's default (linear) percentile of an ascending list; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

/** Runs `argv` under GNU time: wall seconds, user + system CPU seconds and each apart; throws with its output on failure. */
export function cpuTimed(argv: string[]): { wall: number; cpu: number; user: number; sys: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${argv[0]} failed: ${(r.stdout + r.stderr).slice(0, 1500)}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  return { wall, cpu: user + sys, user, sys };
}
