/**
 * Reading one shard export for `palens merge`: one pass that both validates it (the same parser
 * every command reads exports with, failing at the first problem) and maps where its experiments'
 * requests lie (merge-layout.ts); and later, copying a byte range of it. `.json.gz` inputs are
 * decompressed on the fly each time (a range is found by counting decompressed bytes).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { InputError, IoError } from '../errors.js';
import { inspectExport } from '../export/reader.js';
import { ProfileParser, type ParseResult } from '../export/profile-parser.js';
import type { ExperimentInfo, RecordSink } from '../records/record.js';
import { type ExportLayout, LayoutScanner } from './merge-layout.js';

const CHUNK = 1 << 20;

export interface ShardExport {
  file: string;
  compressed: boolean;
  layout: ExportLayout;
  result: ParseResult;
  /** Requests per experiment, as the validating parser counted them. */
  requests: number[];
}

/** The decompressed bytes of `file` from `start` to `end` (exclusive), chunk by chunk. */
export async function* bytesOf(file: string, compressed: boolean, start = 0, end = Infinity): AsyncGenerator<Buffer> {
  if (end <= start) return;
  try {
    if (!compressed) {
      const stream = createReadStream(file, { start, ...(end === Infinity ? {} : { end: end - 1 }), highWaterMark: CHUNK });
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
      return;
    }
    const raw = createReadStream(file, { highWaterMark: CHUNK });
    const gunzip = raw.pipe(createGunzip());
    raw.on('error', (e) => gunzip.destroy(e));
    let at = 0;
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        const from = Math.max(start, at);
        const to = Math.min(end, at + chunk.length);
        if (to > from) yield chunk.subarray(from - at, to - at);
        at += chunk.length;
        if (at >= end) break;
      }
    } finally {
      raw.destroy();
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new InputError('PALENS_INPUT_SYNTAX', `expected gzip data, found a damaged or truncated gzip stream (${(e as Error).message})`, { file });
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new IoError(`cannot be read (${(e as Error).message})`, file, e);
    throw e;
  }
}

/** Validates one export and maps its layout, in one streaming pass. */
export async function readShardExport(file: string): Promise<ShardExport> {
  const { compressed } = await inspectExport(file);
  const requests: number[] = [];
  const sink: RecordSink = {
    record: () => {},
    experimentEnd: (info: ExperimentInfo) => {
      requests[info.index] = info.requests;
    },
  };
  const parser = new ProfileParser(sink, { file, failFast: true });
  const scanner = new LayoutScanner();
  for await (const chunk of bytesOf(file, compressed)) {
    parser.feed(chunk);
    scanner.feed(chunk);
  }
  const result = parser.finish();
  const layout = scanner.finish();
  if (layout.experiments.length !== result.experiments || layout.experiments.some((e, k) => e.requests !== (requests[k] ?? 0))) {
    // The scanner and the parser disagree: a bug in palens, never the user's file.
    throw new Error(`merge: layout of ${file} disagrees with its parse`);
  }
  return { file, compressed, layout, result, requests: layout.experiments.map((e) => e.requests) };
}
