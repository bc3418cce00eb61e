import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, ROOT } from './paths.js';

export interface MockProcess {
  target: string;
  /** SIGTERM, then the process's exit (its truth log is complete by then). */
  stop(): Promise<void>;
}

/**
 * `palens mock --port 0 …args` in a process of its own, as benchmarks and tests against other
 * programs need it; `prefix` runs it under another command (e.g. ['taskset', '-c', '1']).
 */
export async function mockProcess(args: string[], prefix: string[] = []): Promise<MockProcess> {
  const argv = [...prefix, process.execPath, BIN, 'mock', '--port', '0', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const target = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`palens mock exited (${code}) before listening`)));
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    target,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** One line of a mock's `--truth-log`. */
export interface TruthLine {
  id: string;
  index: number;
  emitted_epoch_ns: string;
  arrived_epoch_ns: string;
  empty: boolean;
}

export const readTruthLog = (file: string): TruthLine[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TruthLine);

/** A truth log's lines per request id, in stream order; empty finals left out with `skipEmpty`. */
export function truthById(file: string, skipEmpty = false): Map<string, TruthLine[]> {
  const by = new Map<string, TruthLine[]>();
  for (const t of readTruthLog(file)) {
    if (skipEmpty && t.empty) continue;
    if (!by.has(t.id)) by.set(t.id, []);
    by.get(t.id)!.push(t);
  }
  for (const lines of by.values()) lines.sort((a, b) => a.index - b.index);
  return by;
}
