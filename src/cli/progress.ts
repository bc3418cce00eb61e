import type { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';

export interface ByteProgress {
  update(file: string, read: number, total: number): void;
  stop(): void;
}

const NONE: ByteProgress = { update() {}, stop() {} };

/**
 * A throttled progress bar on stderr for reading large files; nothing at all when stderr is not
 * a terminal, under CI, or for files too small to wait for.
 */
export async function byteProgress(io: CliIo, minBytes = 64 << 20): Promise<ByteProgress> {
  if (!io.stderrIsTTY || io.env.CI) return NONE;
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
            format: `reading ${file} [{bar}] {percentage}% · {value}/{total} MiB · {speed} MiB/s`,
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
