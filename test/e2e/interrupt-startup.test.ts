/**
 * Interrupts while a capture starts (docs/SIDECAR.md; README "Capture"): palens says at once what it
 * is doing, and an interrupt before anything is sent is answered, never Node's silent default.
 * Each test waits for the lines it needs on stderr, never for a fixed time.
 */
import { describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { validateFile } from '../../src/export/validate.js';
import { readSidecar } from '../../src/export/sidecar.js';
import { withTempDir } from '../helpers/cli.js';
import { withMock } from '../helpers/mock.js';
import { BIN, ROOT } from '../helpers/paths.js';

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, 'capture', ...args], { cwd: ROOT });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

async function until(run: Run, text: string): Promise<void> {
  while (!run.stderr().includes(text)) await new Promise((r) => setTimeout(r, 20));
}

/** A TCP server that accepts and never answers: the capture's checks of the server never end. */
async function silentServer(): Promise<{ target: string; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => void sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    target: `127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('interrupts while a capture starts', () => {
  test('a second interrupt before anything was sent: exit 130, one line saying no export was written', async () => {
    await withTempDir(async (dir) => {
      const server = await silentServer();
      try {
        const file = join(dir, 'start.json');
        const run = start(['-u', server.target, '-m', 'vllm', '--prompt-words', '8', '-f', file]);
        await until(run, `palens: capture: starting; connecting to ${server.target}`);
        run.child.kill('SIGINT');
        await until(run, 'interrupted while starting: no request will be sent');
        run.child.kill('SIGINT');
        expect(await run.exit).toBe(130);
        expect(run.stderr()).toContain('palens: exited at once (a second interrupt) while starting, before any request was sent: no export was written\n');
        expect(existsSync(file)).toBe(false);
        expect(existsSync(`${file}.palens.jsonl`)).toBe(false);
      } finally {
        await server.close();
      }
    });
  });

  test('one interrupt during start-up: both files readable, an export of no request, a sidecar that says it was interrupted', async () => {
    await withTempDir(async (dir) => {
      await withMock(async (mock) => {
        const file = join(dir, 'term.json');
        const run = start(['-u', mock.target, '-m', 'vllm', '--prompt-words', '8', '--request-count', '1000', '-f', file]);
        await until(run, 'palens: capture: starting');
        run.child.kill('SIGTERM');
        expect(await run.exit).toBe(130);
        expect(run.stderr()).toContain('interrupted while starting: no request will be sent');
        expect(run.stderr()).toContain('palens: interrupted before any request was sent');
        expect((await validateFile(file)).valid).toBe(true);
        const side = (await readSidecar(file))!;
        expect(side.end).toMatchObject({ interrupted: true });
        expect(side.inFlight).toEqual([]);
      });
    });
  });
});
