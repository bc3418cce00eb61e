import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';
import { BIN, ROOT } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Expects palens to have exited with `code`; when it did not, the failure shows what palens said on
 * stderr beside the number (the same text on both sides, so jest's diff prints it as context).
 */
export function expectExit(r: CliResult, code: number): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: r.stderr });
}

/** Spawns the built palens binary, as a user would run it. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // The parent's colour settings (jest sets FORCE_COLOR) must not leak into the child.
    const base = { ...process.env };
    delete base.NO_COLOR;
    delete base.FORCE_COLOR;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs the CLI in-process with captured streams. */
export async function runCli(args: string[], opts: { env?: Record<string, string>; tty?: boolean; columns?: number } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: opts.env ?? {},
    stdoutIsTTY: opts.tty ?? false,
    ...(opts.columns === undefined ? {} : { stdoutColumns: opts.columns }),
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'palens-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
