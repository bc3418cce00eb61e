import type { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';
import { printable } from '../printable.js';

export interface ByteProgress {
  update(file: string, read: number, total: number): void;
  stop(): void;
}

/** Seconds between plain progress lines when stderr is a file or a pipe (a CI log, say). */
export const PLAIN_EVERY_S = 5;

/**
 * Progress of reading large files, on stderr: a throttled bar on a terminal; elsewhere (a log, a
 * pipe, CI) one plain line every PLAIN_EVERY_S seconds, so a long read is never silent and a log
 * never fills with bar redraws. Nothing for files too small to wait for.
 */
export async function byteProgress(io: CliIo, minBytes = 64 << 20): Promise<ByteProgress> {
  if (!io.stderrIsTTY || io.env.CI) return plainProgress(io, minBytes);
  // Loaded only when a bar can be shown: start-up time counts for every small file.
  const { default: cliProgress } = await import('cli-progress');
  let bar: SingleBar | null = null;
  let current = '';
  let startedAt = 0;
  return {
    update(file, read, total) {
      if (total < minBytes) return;
      if (bar === null || current !== file) {
        bar?.stop();
        current = file;
        bar = new cliProgress.SingleBar(
          {
            stream: io.stderr as NodeJS.WritableStream,
            format: `reading ${printable(file)} [{bar}] {percentage}% · {value}/{total} MiB · {speed} MiB/s`,
            fps: 10,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.ceil(total / 2 ** 20), 0, { speed: '0' });
        startedAt = Date.now();
      }
      const seconds = (Date.now() - startedAt) / 1000;
      bar.update(Math.floor(read / 2 ** 20), { speed: seconds > 0 ? (read / 2 ** 20 / seconds).toFixed(0) : '0' });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

function plainProgress(io: CliIo, minBytes: number): ByteProgress {
  const now = io.now ?? Date.now;
  let last = now();
  return {
    update(file, read, total) {
      if (total < minBytes || now() - last < PLAIN_EVERY_S * 1000) return;
      last = now();
      const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
      io.stderr.write(`palens: reading ${printable(file)}: ${Math.floor((read / total) * 100)}% (${mib(read)} of ${mib(total)} MiB)\n`);
    },
    stop() {},
  };
}
