/**
 * Every write palens makes to a user's output is checked. Standard output goes through a wrapper
 * that remembers the first error the stream reports (a full disk, a bad descriptor, a reader that
 * went away), so the command can end with one message instead of Node's "Unhandled 'error' event";
 * files named by -o and --html are written beside their target and renamed into place, so a failed
 * write never leaves a partial file where the report should be.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../errors.js';
import type { Output } from './io.js';

/** How everything written to an output ended: delivered, or its reader closed it (EPIPE). */
export type Delivery = 'ok' | 'closed';

export interface CheckedOutput extends Output {
  /** Waits for every write to finish; throws IoError for a failure other than a closed reader. */
  flush(): Promise<Delivery>;
}

/** "no space left on device (ENOSPC)" from Node's "ENOSPC: no space left on device, write" (no temporary names). */
export function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const text = String(err?.message ?? e);
  const prefix = `${err?.code}: `;
  return err?.code !== undefined && text.startsWith(prefix) ? `${text.slice(prefix.length).split(',')[0]} (${err.code})` : text;
}

/** Wraps a Node stream (process.stdout) so that its failures become data for `flush`. */
export function checkedStream(stream: NodeJS.WritableStream, name: string): CheckedOutput {
  let failure: NodeJS.ErrnoException | null = null;
  let pending = 0;
  let idle: (() => void) | null = null;
  const settle = (): void => {
    if ((pending === 0 || failure !== null) && idle !== null) {
      const done = idle;
      idle = null;
      done();
    }
  };
  const remember = (e: Error | null | undefined): void => {
    if (e && failure === null) failure = e as NodeJS.ErrnoException;
  };
  // With a listener, a stream error is ours to report, not an uncaught exception.
  stream.on('error', (e: Error) => {
    remember(e);
    settle();
  });
  const outcome = (): Delivery => {
    if (failure === null) return 'ok';
    if (failure.code === 'EPIPE') return 'closed';
    throw new IoError(`cannot write: ${ioReason(failure)}`, name, failure);
  };
  return {
    write(text: string) {
      // After a failure nothing more can arrive; writing on would only raise more errors.
      if (failure !== null) return false;
      pending++;
      return stream.write(text, (e?: Error | null) => {
        remember(e);
        pending--;
        settle();
      });
    },
    flush() {
      if (pending === 0 || failure !== null) return Promise.resolve().then(outcome);
      return new Promise<void>((resolve) => (idle = resolve)).then(outcome);
    },
  };
}

/** Whether an injected output can say how its writes ended (in-process tests pass plain objects). */
export const isChecked = (o: Output): o is CheckedOutput => typeof (o as Partial<CheckedOutput>).flush === 'function';

/**
 * Writes `content` (one string, or pieces in order: a report written as it is made) to `file`
 * through a temporary file in the same folder (so the rename stays on one file system), flushed to
 * disk before the rename: the target holds either its old content or all of the new, never a part.
 * A target that is not a regular file (/dev/null, /dev/stdout, a named pipe) is written in place:
 * renaming over it would replace the device with a file. `what` names the content for the message
 * ("the report").
 */
export async function writeFileAtomically(file: string, content: string | Iterable<string>, what: string): Promise<void> {
  if (await isSpecialFile(file)) {
    try {
      const handle = await open(file, 'w');
      try {
        await writeContent(handle, content);
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw new IoError(`cannot write ${what}: ${ioReason(e)}`, file, e);
    }
    return;
  }
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx');
    try {
      await writeContent(handle, content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new IoError(`cannot write ${what}: ${ioReason(e)}`, file, e);
  }
}

/** Whether `file` exists and is neither a regular file nor a folder (a device, a pipe, a socket). */
async function isSpecialFile(file: string): Promise<boolean> {
  try {
    const st = await stat(file);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/** Pieces are gathered into writes of about WRITE_BYTES characters. */
const WRITE_BYTES = 1 << 20;

/**
 * Writes pieces of a report to an output (standard output) in writes of about WRITE_BYTES, each
 * waited for when the output can say (a slow reader holds at most one write, not the report).
 * A reader that went away or a failed write stops it; the command's last flush reports that.
 */
export async function writePieces(out: Output, pieces: Iterable<string>): Promise<void> {
  let pending: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    pending.push(piece);
    size += piece.length;
    if (size < WRITE_BYTES) continue;
    out.write(pending.join(''));
    pending = [];
    size = 0;
    if (isChecked(out)) {
      const delivered = await out.flush().catch(() => 'failed' as const);
      if (delivered !== 'ok') return;
    }
  }
  if (size > 0) out.write(pending.join(''));
}

async function writeContent(handle: FileHandle, content: string | Iterable<string>): Promise<void> {
  if (typeof content === 'string') {
    await handle.writeFile(content);
    return;
  }
  let pending: string[] = [];
  let size = 0;
  for (const piece of content) {
    pending.push(piece);
    size += piece.length;
    if (size >= WRITE_BYTES) {
      await handle.writeFile(pending.join(''));
      pending = [];
      size = 0;
    }
  }
  if (size > 0) await handle.writeFile(pending.join(''));
}
