/**
 * `palens merge`: the exports (and sidecars) of the shards of one capture become one export, as if
 * one client had driven the whole load. Every request is copied byte for byte (times stay the exact
 * ns since the epoch each machine stamped); experiment k of the result holds every shard's
 * experiment k, its load level the exact sum of theirs. Nothing is held whole: inputs are streamed
 * once to validate and map them (merge-input.ts), then once per range copied. The result is written
 * to a temporary file beside the target, read back by the validating reader, and renamed into place
 * (sidecar first, so an export never appears without its sidecar).
 */
import { existsSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { IoError, UsageError } from '../errors.js';
import { readExport } from '../export/reader.js';
import type { ExperimentInfo } from '../records/record.js';
import { checkExportsAlike, mergeWindows } from './merge-check.js';
import { bytesOf, readShardExport, type ShardExport } from './merge-input.js';
import { checkSidecarsAlike, jsonlSidecarPath, type SidecarSummary, summariseSidecar, writeMergedSidecar } from './merge-sidecar.js';

export interface MergeOptions {
  out: string;
  /** The most the machines' clocks may differ, ns, as the user's time sync states it; null when unknown. */
  clockOffsetBoundNs: bigint | null;
}

export interface MergeResult {
  out: string;
  sidecar: string | null;
  experiments: { mode: string; value: string; requests: number }[];
  requests: number;
  warnings: string[];
}

export async function mergeExports(files: readonly string[], options: MergeOptions): Promise<MergeResult> {
  if (files.length < 2) throw new UsageError('merge needs two or more exports');
  const warnings: string[] = [];
  const shards: ShardExport[] = [];
  for (const file of files) shards.push(await readShardExport(file));
  const experiments = checkExportsAlike(files, shards.map((s) => s.layout));

  const withSidecar = files.filter((f) => existsSync(jsonlSidecarPath(f)));
  let summaries: SidecarSummary[] | null = null;
  if (withSidecar.length > 0) {
    const missing = files.filter((f) => !withSidecar.includes(f));
    if (missing.length > 0) throw new UsageError(`${missing[0]}: no sidecar (${basename(jsonlSidecarPath(missing[0]!))}) while other inputs have one; merge all shards with their sidecars, or none`);
    summaries = [];
    for (const f of files) summaries.push(await summariseSidecar(jsonlSidecarPath(f)));
    checkSidecarsAlike(summaries);
    for (const s of summaries) if (s.truncated) warnings.push(`${s.file}: its last line was cut short (the capture was stopped mid-write) and is left out`);
  } else {
    warnings.push('no sidecars: request ids, statuses and the capture configuration cannot be checked; only the exports were merged');
  }
  if (options.clockOffsetBoundNs === null) {
    warnings.push('clock offset between the machines unknown (--clock-offset-bound): windows and throughput assume synchronised clocks; per-request latencies are exact regardless');
  }

  const windows = experiments.map((_, k) => mergeWindows(shards.map((s) => parseWindows(s.layout.experiments[k]!.windows))));
  const outSidecar = summaries === null ? null : jsonlSidecarPath(options.out);
  const tmp = join(dirname(options.out), `.${basename(options.out)}.${process.pid}.tmp`);
  const tmpSidecar = outSidecar === null ? null : `${tmp}.palens.jsonl`;
  try {
    await withFile(tmp, async (write) => {
      await write('{"experiments":[');
      for (const [k, e] of experiments.entries()) {
        await write(`${k > 0 ? ',' : ''}{"experiment":{"mode":${JSON.stringify(e.mode)},"value":${e.value}},"requests":[`);
        let any = false;
        for (const s of shards) {
          const x = s.layout.experiments[k]!;
          if (x.requests === 0) continue;
          if (any) await write(',');
          for await (const chunk of bytesOf(s.file, s.compressed, x.requestsStart, x.requestsEnd)) await write(chunk);
          any = true;
        }
        await write(`],"window_boundaries":[${windows[k]!.join(',')}]}`);
      }
      const root = shards[0]!.layout.root;
      const tail = (['version', 'service_kind', 'endpoint'] as const).filter((f) => root[f] !== null).map((f) => `,"${f}":${root[f]}`);
      await write(`]${tail.join('')}}`);
    });
    const merged = experiments.map((e, k) => ({ ...e, requests: shards.reduce((n, s) => n + s.requests[k]!, 0) }));
    await checkMerged(tmp, merged.map((e) => e.requests));
    if (summaries !== null && tmpSidecar !== null) {
      await withFile(tmpSidecar, (write) =>
        writeMergedSidecar(summaries, { experiments, requests: shards.map((s) => s.requests), windows, clockOffsetBoundNs: options.clockOffsetBoundNs }, write),
      );
      await moveInto(tmpSidecar, outSidecar!);
    }
    await moveInto(tmp, options.out);
    return { out: options.out, sidecar: outSidecar, experiments: merged, requests: merged.reduce((n, e) => n + e.requests, 0), warnings };
  } finally {
    await rm(tmp, { force: true });
    if (tmpSidecar !== null) await rm(tmpSidecar, { force: true });
  }
}

function parseWindows(raw: string | null): string[] {
  if (raw === null) return [];
  // Boundaries are ns since the epoch: kept as their digits, never as doubles.
  return raw.replace(/[[\]\s]/g, '').split(',').filter((s) => s !== '');
}

/** Reads the merged export back with the validating reader; any disagreement is a bug in merge. */
async function checkMerged(file: string, expected: readonly number[]): Promise<void> {
  const counts: number[] = [];
  await readExport(file, { record: () => {}, experimentEnd: (i: ExperimentInfo) => void (counts[i.index] = i.requests) }, { failFast: true });
  if (counts.length !== expected.length || counts.some((c, k) => c !== expected[k])) {
    throw new Error(`merge: the merged export holds ${counts.join('+')} requests per experiment, expected ${expected.join('+')}`);
  }
}

/** Opens `file` for writing and hands out a checked, awaited writer; closes it in every case. */
async function withFile(file: string, body: (write: (data: string | Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'w');
  } catch (e) {
    throw new IoError(`cannot be written (${(e as Error).message})`, file, e);
  }
  try {
    await body(async (data) => {
      try {
        if (typeof data === 'string') await fh.write(data);
        else await fh.write(data);
      } catch (e) {
        throw new IoError(`cannot be written (${(e as Error).message})`, file, e);
      }
    });
  } finally {
    await fh.close();
  }
}

async function moveInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    throw new IoError(`cannot be written (${(e as Error).message})`, to, e);
  }
}
