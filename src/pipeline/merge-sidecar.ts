/**
 * Merging shard sidecars (`EXPORT.palens.jsonl`, docs/SIDECAR.md) for `palens merge`: one header
 * (the shards' common configuration, and what the merge knows of their clocks), then per load level
 * the shards' lines in shard order, each request's export position shifted past the earlier shards'
 * requests, and one `experiment_end` and one `end` that add the shards' up. Streamed line by line:
 * a first pass summarises each sidecar, then one pass per experiment copies its lines.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError, IoError, UsageError } from '../errors.js';
import { ID_PREFIX } from '../driver/shard.js';
import { firstDifference, mismatch, valueAt } from './merge-check.js';

export const jsonlSidecarPath = (exportPath: string): string => `${exportPath}.palens.jsonl`;

type Line = Record<string, unknown>;

export interface SidecarSummary {
  file: string;
  header: Line;
  shard: { index: number; count: number } | null;
  /** Warm-up `request` lines per experiment (their indexes count among themselves). */
  warmups: Map<number, number>;
  ends: Map<number, Line>;
  end: Line | null;
  /** The last line was cut short (the capture was killed mid-write) and is left out. */
  truncated: boolean;
}

/** Every complete line of a sidecar, parsed, with its 1-based number; a cut-short last line is reported, not returned. */
async function* lines(file: string, onTruncated: () => void): AsyncGenerator<{ line: Line; n: number }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let pending: { text: string; n: number } | null = null;
  let n = 0;
  const parse = (p: { text: string; n: number }, last: boolean): Line | null => {
    try {
      const v = JSON.parse(p.text) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      return v as Line;
    } catch (e) {
      if (last) return null;
      throw new InputError('PALENS_INPUT_SYNTAX', `line ${p.n}: expected a JSON object per line (${(e as Error).message})`, { file });
    }
  };
  try {
    for await (const text of rl) {
      n++;
      if (pending !== null) {
        const line = parse(pending, false);
        if (line !== null) yield { line, n: pending.n };
      }
      pending = text.trim() === '' ? null : { text, n };
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new IoError(`cannot be read (${(e as Error).message})`, file, e);
  } finally {
    rl.close();
    input.destroy();
  }
  if (pending !== null) {
    const line = parse(pending, true);
    if (line === null) onTruncated();
    else yield { line, n: pending.n };
  }
}

/** First pass over one sidecar: its header, shard, warm-up counts, experiment ends; every request id checked against the shard's prefix. */
export async function summariseSidecar(file: string): Promise<SidecarSummary> {
  const s: SidecarSummary = { file, header: {}, shard: null, warmups: new Map(), ends: new Map(), end: null, truncated: false };
  let prefix: string | null = null;
  let first = true;
  for await (const { line, n } of lines(file, () => (s.truncated = true))) {
    if (first) {
      if (line.kind !== 'header') throw new InputError('PALENS_INPUT_SCHEMA', 'line 1: expected the header line ({"kind":"header",…})', { file });
      s.header = line;
      const shard = (line.config as Line | undefined)?.shard as { index?: unknown; count?: unknown } | undefined;
      if (shard !== undefined && typeof shard.index === 'number' && typeof shard.count === 'number') s.shard = { index: shard.index, count: shard.count };
      prefix = s.shard === null || s.shard.count === 1 ? ID_PREFIX : `${ID_PREFIX}${s.shard.index}of${s.shard.count}-`;
      first = false;
      continue;
    }
    const experiment = typeof line.experiment === 'number' ? line.experiment : null;
    if ((line.kind === 'sent' || line.kind === 'request') && typeof line.id === 'string' && !line.id.startsWith(prefix!)) {
      throw new InputError('PALENS_INPUT_SEMANTIC', `line ${n}: request id ${line.id} does not belong to shard ${s.shard?.index}/${s.shard?.count} (expected ids starting ${prefix})`, { file });
    }
    if (line.kind === 'request' && line.warmup === true && experiment !== null) s.warmups.set(experiment, (s.warmups.get(experiment) ?? 0) + 1);
    else if (line.kind === 'experiment_end' && typeof line.index === 'number') s.ends.set(line.index, line);
    else if (line.kind === 'end') s.end = line;
  }
  if (first) throw new InputError('PALENS_INPUT_EMPTY', 'expected a sidecar with a header line, found an empty file', { file });
  return s;
}

/**
 * Refuses sidecars that are not the distinct shards of one capture: the configuration (every option
 * but the shard) must be equal, and the shards must be 1…N of the same N, each once. Distinct shard
 * numbers are what make request ids unique across shards: each shard's ids carry its prefix, and
 * summariseSidecar has checked every id against it.
 */
export function checkSidecarsAlike(summaries: readonly SidecarSummary[]): void {
  const strip = (h: Line): unknown => {
    const config = { ...(h.config as Line | undefined) };
    delete config.shard;
    return config;
  };
  const first = summaries[0]!;
  for (const s of summaries) {
    const d = firstDifference(strip(first.header), strip(s.header));
    if (d !== null) mismatch(`config.${d}`, first.file, valueAt(strip(first.header), d), s.file, valueAt(strip(s.header), d));
    if (s.shard === null) throw new UsageError(`${s.file}: not a shard (its capture had no --shard I/N); merge combines the shards of one capture`);
    if (s.shard.count !== first.shard!.count) mismatch('config.shard.count', first.file, String(first.shard!.count), s.file, String(s.shard.count));
  }
  const seen = new Map<number, string>();
  for (const s of summaries) {
    const other = seen.get(s.shard!.index);
    if (other !== undefined) throw new UsageError(`cannot merge: ${other} and ${s.file} are both shard ${s.shard!.index}/${s.shard!.count}; their request ids would repeat`);
    seen.set(s.shard!.index, s.file);
  }
}

export interface SidecarMergePlan {
  /** Per experiment: its mode and merged value (JSON number text). */
  experiments: { mode: string; value: string }[];
  /** Per shard, per experiment: the number of export requests (positions to shift later shards by). */
  requests: number[][];
  /** Per experiment: the merged window boundaries (as written in the merged export). */
  windows: string[][];
  /** The bound the user states on the clock offset between the machines, ns; null when unknown. */
  clockOffsetBoundNs: bigint | null;
}

/** Writes the merged sidecar through `write` (one line per call, newline included). */
export async function writeMergedSidecar(summaries: readonly SidecarSummary[], plan: SidecarMergePlan, write: (text: string) => Promise<void>): Promise<void> {
  const line = (v: unknown): Promise<void> => write(`${JSON.stringify(v)}\n`);
  const first = summaries[0]!;
  const config = { ...(first.header.config as Line) };
  delete config.shard;
  await line({
    ...first.header,
    config,
    merge: {
      shards: summaries.map((s) => ({
        shard: s.shard,
        sidecar: s.file,
        export: s.header.export ?? null,
        clock: s.header.clock ?? null,
        host: (s.header.host as string | undefined) ?? null,
        truncated: s.truncated,
      })),
      clock_offset_bound_ns: plan.clockOffsetBoundNs === null ? null : plan.clockOffsetBoundNs.toString(),
    },
  });
  for (const [k, e] of plan.experiments.entries()) {
    await line({ kind: 'experiment', index: k, mode: e.mode, value: Number(e.value) });
    let shift = 0;
    let warmShift = 0;
    for (const [i, s] of summaries.entries()) {
      for await (const { line: l } of lines(s.file, () => {})) {
        if (l.experiment !== k || l.kind === 'experiment' || l.kind === 'header') continue;
        if (l.kind === 'request' && typeof l.index === 'number') l.index += l.warmup === true ? warmShift : shift;
        await line(l);
      }
      shift += plan.requests[i]![k] ?? 0;
      warmShift += s.warmups.get(k) ?? 0;
    }
    const ends = summaries.map((s) => s.ends.get(k) ?? null);
    const stable = ends.some((x) => x === null || x.stable === null || x.stable === undefined) ? null : ends.every((x) => x!.stable === true);
    await line({
      kind: 'experiment_end',
      index: k,
      requests: summaries.reduce((n, _s, i) => n + (plan.requests[i]![k] ?? 0), 0),
      windows: plan.windows[k],
      stable,
      shard_windows: ends.map((x) => (x?.windows as string[] | undefined) ?? null),
    });
  }
  const ends = summaries.map((s) => s.end);
  if (ends.every((x) => x !== null)) await line(mergeEnds(ends as Line[]));
}

/**
 * One `end` line for the merged capture: interrupted when any shard was, totals added up, and the
 * timing health of the worst shard (each percentile the largest of the shards': percentiles do not
 * add, so this is an upper bound).
 */
export function mergeEnds(ends: readonly Line[]): Line {
  const totals: Record<string, number> = {};
  for (const e of ends) for (const [k, v] of Object.entries((e.totals as Record<string, number> | undefined) ?? {})) totals[k] = (totals[k] ?? 0) + v;
  const worst = (path: string[]): Record<string, number | null> | null => {
    const parts = ends.map((e) => path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Line)[k] : undefined), e) as Record<string, number | null> | null | undefined);
    if (parts.every((p) => p === null || p === undefined)) return null;
    const out: Record<string, number | null> = {};
    for (const p of parts) for (const [k, v] of Object.entries(p ?? {})) out[k] = v === null ? (out[k] ?? null) : Math.max(out[k] ?? -Infinity, v);
    return out;
  };
  const health = ends.map((e) => e.timing_health as Line | undefined);
  const responsesPerRead = health.map((h) => h?.max_responses_per_read).filter((v): v is number => typeof v === 'number');
  // CPU adds up over the shards' processes; wall time is the longest one's.
  const cpus = health.map((h) => h?.client_cpu_ns as { user?: unknown; system?: unknown; wall?: unknown } | undefined).filter((c) => c !== undefined && typeof c.user === 'number' && typeof c.system === 'number' && typeof c.wall === 'number') as { user: number; system: number; wall: number }[];
  return {
    kind: 'end',
    interrupted: ends.some((e) => e.interrupted === true),
    stopped_reason: ends.map((e) => e.stopped_reason).filter((r): r is string => typeof r === 'string').join('; ') || null,
    timing_health: {
      event_loop_delay_ns: worst(['timing_health', 'event_loop_delay_ns']),
      schedule_lag_ns: worst(['timing_health', 'schedule_lag_ns']),
      max_responses_per_read: responsesPerRead.length > 0 ? Math.max(...responsesPerRead) : null,
      ...(cpus.length === health.length && cpus.length > 0 ? { client_cpu_ns: { user: cpus.reduce((a, c) => a + c.user, 0), system: cpus.reduce((a, c) => a + c.system, 0), wall: Math.max(...cpus.map((c) => c.wall)) } } : {}),
    },
    totals,
  };
}

