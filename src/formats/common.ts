/**
 * What every peer-format reader (AIPerf, GuideLLM, vLLM bench) shares: the file as a stream of
 * chunks (gunzipped when it is gzip, whatever its name), problems located by file and JSON pointer,
 * and float durations turned into exact integer ns by one written rule.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, IoError } from '../errors.js';
import type { Problem } from '../export/problems.js';
import { CHUNK_BYTES, inspectExport, type ReadOptions, type ReadResult } from '../export/reader.js';
import type { AiperfPhase, FileFormat, RequestRecord, RequestStatus, SourceInfo } from '../records/record.js';

export type { AiperfPhase, FileFormat } from '../records/record.js';

/** Reads one file of any format into a sink; `phase` is read by the AIPerf reader only. */
export interface PeerReadOptions extends ReadOptions {
  /** AIPerf's benchmark phase to read. @default 'profiling' */
  phase?: AiperfPhase;
}

/**
 * Streams a file's bytes (gunzipped if gzip) in chunks; `onProgress` gets bytes read from disk.
 * The chunks are fresh buffers the caller may keep.
 */
export async function* fileChunks(file: string, options: ReadOptions): AsyncGenerator<Buffer> {
  const { size, compressed } = await inspectExport(file);
  const raw = createReadStream(file, { highWaterMark: options.chunkBytes ?? CHUNK_BYTES });
  let source: AsyncIterable<Buffer> = raw;
  if (compressed) {
    const gunzip = createGunzip();
    pipeline(raw, gunzip, () => {
      // Errors surface through the iterator below.
    });
    source = gunzip;
  }
  try {
    for await (const chunk of source) {
      yield chunk;
      options.onProgress?.(raw.bytesRead, size);
    }
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new InputError('PALENS_INPUT_SYNTAX', `expected gzip data, found a damaged or truncated gzip stream (${(e as Error).message})`, { file });
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new IoError(`cannot be read (${(e as Error).message})`, file, e);
    throw e;
  } finally {
    // Also when the caller stops early (format detection reads only the head).
    raw.destroy();
  }
}

/** Problems of one file: thrown at the first (analysis) or collected (validation). */
export class ProblemLog {
  readonly kept: Problem[] = [];
  count = 0;

  constructor(
    private readonly file: string,
    private readonly failFast: boolean,
    private readonly max: number = 20,
  ) {}

  /** Records a problem (or throws it when failing fast). `where` prefixes the message (e.g. "line 12"). */
  add(p: Problem, where?: string): void {
    if (this.failFast) {
      const text = p.message ?? `expected ${p.expected}, found ${p.found}`;
      const err = new InputError(p.code, where === undefined ? text : `${where}: ${text}`, {
        file: this.file,
        pointer: p.pointer,
        ...(p.byteOffset === undefined ? {} : { byteOffset: p.byteOffset }),
      });
      err.earlier = { problems: this.kept.slice(), count: this.count };
      throw err;
    }
    this.count++;
    if (this.kept.length < this.max) this.kept.push(where === undefined ? p : { ...p, ...(p.message === undefined ? { found: `${p.found} (${where})` } : { message: `${where}: ${p.message}` }) });
  }
}

/** The readers' messages describe values as the export parser does: one rendering for every format. */
export { describeValue } from '../export/problems.js';

/**
 * The rounding rule for every float duration a peer tool writes: the decimal text is read as the
 * double it denotes (what the tool computed and printed), and that value times the unit's ns is
 * rounded to the nearest integer ns (half away from zero). A tool that divided an integer count of
 * ns by 1e6 (AIPerf's ms) gets its integers back exactly for any duration below 2^43 ns (2.4 hours).
 */
export function toNs(value: number, nsPerUnit: number): number {
  return Math.round(value * nsPerUnit);
}

/**
 * Float seconds since the epoch (GuideLLM's time.time() stamps) as an exact ns offset from a base:
 * the whole seconds and the fraction are split exactly (x − ⌊x⌋ is exact for a double), and the
 * fraction is rounded to the nearest ns as in {@link toNs}. Offsets are exact integers.
 */
export class SecondsBase {
  private baseSec = NaN;
  private baseNs = 0;

  get isSet(): boolean {
    return !Number.isNaN(this.baseSec);
  }

  offset(seconds: number): number {
    const whole = Math.floor(seconds);
    const ns = Math.round((seconds - whole) * 1e9);
    if (Number.isNaN(this.baseSec)) {
      this.baseSec = whole;
      this.baseNs = ns;
    }
    return (whole - this.baseSec) * 1e9 + (ns - this.baseNs);
  }

  /** The absolute ns-since-epoch value of offset 0, exact, as a decimal string. */
  absolute(): string | null {
    if (Number.isNaN(this.baseSec)) return null;
    return (BigInt(this.baseSec) * 1_000_000_000n + BigInt(this.baseNs)).toString();
  }
}

/** Source info for a peer file. */
export function peerSource(format: FileFormat, version: string | null, endpoint: string | null, timeBaseNs: string | null, notes: string[]): SourceInfo {
  return {
    version,
    serviceKind: null,
    endpoint,
    hasResponseOutputs: true,
    hasRequestInputs: false,
    timeBaseNs,
    format,
    notes,
  };
}

/** A finished read, in the shape every reader returns. */
export function peerResult(file: string, fileBytes: number, compressed: boolean, bytes: number, source: SourceInfo, problems: ProblemLog, experiments: number, requests: number): ReadResult {
  return { file, fileBytes, compressed, bytes, source, problems: problems.kept, problemCount: problems.count, experiments, requests };
}

/** Status from an HTTP-like error code: 4xx other than 408/499 is the client's, the rest the server's. */
export function statusOfCode(code: unknown): RequestStatus {
  if (typeof code === 'number' && code >= 400 && code < 500) {
    if (code === 408) return 'timeout';
    if (code === 499) return 'cancelled';
    return 'client_error';
  }
  return 'server_error';
}

/** The one record a peer reader reuses for every request (RequestRecord: consumers copy what they keep). */
export function peerRecord(responseNs: Float64Array): RequestRecord {
  return {
    experiment: 0,
    index: 0,
    sendNs: 0,
    responseCount: 0,
    responseNs,
    responseEmpty: null,
    promptWords: -1,
    promptChars: -1,
    promptText: null,
    status: null,
    outputTokens: -1,
    promptTokens: -1,
    untimedResponses: 0,
    endNs: -1,
  };
}
