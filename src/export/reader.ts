/**
 * Reads a profile export from disk in chunks (transparently gunzipping `.gz` content) and
 * feeds export/profile-parser.ts. Never holds the whole file.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, IoError } from '../errors.js';
import type { RecordSink } from '../records/record.js';
import { ProfileParser, type ParseResult } from './profile-parser.js';

export interface ReadOptions {
  /** Stop at the first problem (analysis) or collect up to maxProblems (validation). */
  failFast: boolean;
  maxProblems?: number;
  /** Read a file that ends early (a capture cut short): see ParserOptions.acceptTruncated. */
  acceptTruncated?: boolean;
  /** Chunk size for reads. @default 4 MiB */
  chunkBytes?: number;
  /** Called after each chunk with the bytes read so far (compressed bytes for .gz). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface ReadResult extends ParseResult {
  file: string;
  /** Size on disk. */
  fileBytes: number;
  compressed: boolean;
}

/** Bytes per read. */
export const CHUNK_BYTES = 4 << 20;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface ExportFileInfo {
  /** Size on disk. */
  size: number;
  /** gzip content (by its magic bytes, whatever the name). */
  compressed: boolean;
}

/** Size and compression of an export file; IoError when it cannot be read. */
export async function inspectExport(file: string): Promise<ExportFileInfo> {
  let size: number;
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new IoError('is a directory, not a profile export file', file);
    if (!st.isFile()) throw new IoError('is not a regular file', file);
    size = st.size;
  } catch (e) {
    if (e instanceof IoError) throw e;
    throw ioError(e, file);
  }
  return { size, compressed: await startsWithGzipMagic(file) };
}

/** Streams one export file through a parser into `sink`. */
export async function readExport(file: string, sink: RecordSink, options: ReadOptions): Promise<ReadResult> {
  const { size, compressed } = await inspectExport(file);
  const parser = new ProfileParser(sink, {
    file,
    failFast: options.failFast,
    ...(options.maxProblems === undefined ? {} : { maxProblems: options.maxProblems }),
    ...(options.acceptTruncated ? { acceptTruncated: true } : {}),
  });
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  if (!compressed) {
    await readPlain(file, parser, chunkBytes, size, options.onProgress);
    return { ...parser.finish(), file, fileBytes: size, compressed };
  }
  const raw = createReadStream(file, { highWaterMark: chunkBytes });
  const gunzip = createGunzip();
  pipeline(raw, gunzip, () => {
    // Errors surface through the gunzip iterator below.
  });
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      parser.feed(chunk);
      options.onProgress?.(raw.bytesRead, size);
    }
  } catch (e) {
    raw.destroy();
    if (e instanceof InputError || e instanceof IoError) throw e;
    if (isZlibError(e)) {
      throw new InputError('PALENS_INPUT_SYNTAX', `expected gzip data, found a damaged or truncated gzip stream (${(e as Error).message})`, { file });
    }
    if (isFsError(e)) throw ioError(e, file);
    throw e;
  }
  return { ...parser.finish(), file, fileBytes: size, compressed };
}

/**
 * Reads straight into the parser's buffer: no allocation or copy per chunk. Reads are
 * synchronous (from the page cache they cost less than a thread-pool round trip each); the
 * event loop gets a turn every few chunks so progress bars can draw.
 */
export async function readPlain(
  file: string,
  parser: ProfileParser,
  chunkBytes: number,
  size: number,
  onProgress: ReadOptions['onProgress'],
  from = 0,
  to = Infinity,
): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    let read = 0;
    let sinceYield = 0;
    for (;;) {
      const want = Math.min(chunkBytes, to - from - read);
      if (want <= 0) break;
      const { buffer, offset } = parser.writeWindow(chunkBytes);
      const bytesRead = readSync(fd, buffer, offset, want, from + read);
      if (bytesRead === 0) break;
      read += bytesRead;
      parser.commitWrite(bytesRead);
      sinceYield += bytesRead;
      if (sinceYield >= 16 << 20) {
        sinceYield = 0;
        onProgress?.(read, size);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    onProgress?.(read, size);
  } catch (e) {
    if (e instanceof InputError || e instanceof IoError) throw e;
    if (isFsError(e)) throw ioError(e, file);
    throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } catch (e) {
    throw ioError(e, file);
  } finally {
    await fh?.close();
  }
}

function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function isFsError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function ioError(e: unknown, file: string): IoError {
  const code = (e as { code?: unknown } | null)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory, not a profile export file'
          : `cannot be read (${(e as Error).message ?? String(e)})`;
  return new IoError(reason, file, e);
}
