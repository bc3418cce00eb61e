/**
 * A capture under faults: SIGKILL, a second Ctrl-C, a server that stalls past --grace, a full disk.
 * Each test waits for what it needs to see (lines in the sidecar), never for a fixed time, and
 * asserts outcomes: files palens reads, statuses for every request the server may have seen, exit
 * codes and messages.
 */
import { describe, expect, test } from '@jest/globals';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readSidecar } from '../../src/export/sidecar.js';
import { validateFile } from '../../src/export/validate.js';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { mockProcess } from '../helpers/mock-process.js';
import { BIN, ROOT } from '../helpers/paths.js';

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, 'capture', ...args], { cwd: ROOT });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, exit };
}

/** Lines of a sidecar so far (a last line cut short left out). */
function lines(file: string): { kind: string; id?: string; warmup?: boolean; status?: string; [k: string]: unknown }[] {
  if (!existsSync(`${file}.palens.jsonl`)) return [];
  const out = [];
  for (const l of readFileSync(`${file}.palens.jsonl`, 'utf8').split('\n')) {
    try {
      out.push(JSON.parse(l));
    } catch {
      // a line being written
    }
  }
  return out;
}

/** Polls until `ok` holds of the sidecar's lines (or the capture ends, which fails the test). */
async function until(file: string, run: Run, ok: (ls: ReturnType<typeof lines>) => boolean): Promise<void> {
  let ended = false;
  void run.exit.then(() => (ended = true));
  while (!ok(lines(file))) {
    if (ended) throw new Error(`the capture ended first: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const requestLines = (ls: ReturnType<typeof lines>) => ls.filter((l) => l.kind === 'request');

/** Every request a sidecar says was sent has ended (a request line) or is in flight (none); nothing else. */
async function expectAccounted(file: string): Promise<{ ended: number; inFlight: number; measured: number }> {
  const ls = lines(file);
  expect(ls[0]!.kind).toBe('header');
  const sent = new Set(ls.filter((l) => l.kind === 'sent').map((l) => l.id));
  const ended = requestLines(ls);
  for (const r of ended) expect(sent.has(r.id)).toBe(true);
  const side = (await readSidecar(file))!;
  expect(side.inFlight.length).toBe(sent.size - ended.length);
  return { ended: ended.length, inFlight: side.inFlight.length, measured: ended.filter((l) => l.warmup !== true).length };
}

describe('a capture under faults', () => {
  test('SIGKILL mid-run: a valid export of every request that ended, a sidecar that accounts for the rest', async () => {
    await withTempDir(async (dir) => {
      const mock = await mockProcess(['--decode-gap-ms', '2']);
      try {
        const file = join(dir, 'kill.json');
        const run = start(['-u', mock.target, '-m', 'vllm', '--max-tokens', '20', '--concurrency', '4', '--request-count', '100000', '--prompt-words', '8', '-f', file]);
        await until(file, run, (ls) => requestLines(ls).length >= 12);
        run.child.kill('SIGKILL');
        expect((await run.exit).signal).toBe('SIGKILL');
        expect((await validateFile(file)).valid).toBe(true);
        const analysis = await spawnCli(['analyze', file, '-f', 'json']);
        expect(analysis.code).toBe(0);
        const total = JSON.parse(analysis.stdout).experiments[0].requests.total;
        const { measured, inFlight } = await expectAccounted(file);
        // Export entries are written as requests end, sidecar lines once per turn after them: a kill
        // between the two leaves a request in the export whose sidecar line is still `sent`.
        expect(total).toBeGreaterThanOrEqual(measured);
        expect(total).toBeLessThanOrEqual(measured + inFlight);
        expect(measured).toBeGreaterThanOrEqual(12);
        expect(lines(file).some((l) => l.kind === 'end')).toBe(false);
      } finally {
        await mock.stop();
      }
    });
  });

  test('a second Ctrl-C exits at once; both files stay readable, the requests in flight recognisably so', async () => {
    await withTempDir(async (dir) => {
      const mock = await mockProcess(['--decode-gap-ms', '20']);
      try {
        const file = join(dir, 'twice.json');
        const run = start(['-u', mock.target, '-m', 'vllm', '--max-tokens', '200', '--concurrency', '4', '--request-count', '100000', '--prompt-words', '8', '--grace', '60000', '-f', file]);
        await until(file, run, (ls) => ls.filter((l) => l.kind === 'sent').length >= 4);
        run.child.kill('SIGINT');
        while (!run.stderr().includes('interrupt again')) await new Promise((r) => setTimeout(r, 20));
        run.child.kill('SIGINT');
        expect((await run.exit).code).toBe(130);
        expect((await validateFile(file)).valid).toBe(true);
        expect((await spawnCli(['analyze', file])).code).toBe(0);
        const { inFlight } = await expectAccounted(file);
        const end = lines(file).find((l) => l.kind === 'end')!;
        expect(end.interrupted).toBe(true);
        expect(end.stopped_reason).toContain('second interrupt');
        expect((end.totals as { in_flight: number }).in_flight).toBe(inFlight);
        expect(inFlight).toBeGreaterThan(0);
      } finally {
        await mock.stop();
      }
    });
  });

  test('a server that stalls past --grace: the capture ends by itself after the grace, requests cancelled, files valid', async () => {
    await withTempDir(async (dir) => {
      const mock = await mockProcess(['--stall-ms', '600000', '--stall-rate', '1']);
      try {
        const file = join(dir, 'stall.json');
        const run = start(['-u', mock.target, '-m', 'vllm', '--max-tokens', '8', '--concurrency', '3', '--request-count', '100', '--prompt-words', '8', '--grace', '500', '-f', file]);
        await until(file, run, (ls) => ls.filter((l) => l.kind === 'sent').length >= 3);
        run.child.kill('SIGINT');
        // Not a timing assertion: a capture that waited for the stall would be killed here, and fail.
        const guard = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
        const exit = await run.exit;
        clearTimeout(guard);
        expect(exit).toEqual({ code: 130, signal: null });
        expect((await validateFile(file)).valid).toBe(true);
        const { inFlight } = await expectAccounted(file);
        expect(inFlight).toBe(0);
        const statuses = requestLines(lines(file)).map((l) => l.status);
        expect(statuses.length).toBeGreaterThanOrEqual(3);
        expect(new Set(statuses)).toEqual(new Set(['cancelled']));
      } finally {
        await mock.stop();
      }
    });
  }, 90_000);

  test('a full disk: one clear message, exit 2, no stack trace; the export valid, the sidecar accounting for every request', async () => {
    const skip = process.getuid?.() !== 0 ? 'not root: cannot mount a small tmpfs' : null;
    if (skip !== null) {
      console.log(`skipped: ${skip}`);
      return;
    }
    await withTempDir(async (dir) => {
      const disk = join(dir, 'disk');
      mkdirSync(disk);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', disk]);
      } catch (e) {
        console.log(`skipped: mount -t tmpfs failed (${(e as Error).message.split('\n')[0]})`);
        return;
      }
      try {
        const file = join(disk, 'full.json');
        const r = await spawnCli(['capture', '--mock', '--max-tokens', '64', '--concurrency', '8', '--request-count', '100000', '--prompt-words', '200', '-f', file]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('the disk is full');
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('palens: error'))).toHaveLength(1);
        expect((await validateFile(file)).valid).toBe(true);
        const analysis = await spawnCli(['analyze', file, '-f', 'json']);
        expect(analysis.code).toBe(0);
        await expectAccounted(file);
      } finally {
        execFileSync('umount', [disk]);
      }
    });
  }, 120_000);

  test("a server's error text with escapes and newlines is printed escaped and cut to a line, never raw", async () => {
    const evil = 'boom \u001b[31mRED\u001b[2J\r\npalens: forged line\u0007\u009b\u202e' + 'x'.repeat(5000);
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/v1/models')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
        return;
      }
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: evil } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await withTempDir(async (dir) => {
        const { port } = server.address() as AddressInfo;
        const r = await spawnCli(['capture', '-u', `http://127.0.0.1:${port}`, '-m', 'm', '--max-tokens', '4', '--request-count', '8', '--prompt-words', '4', '-f', join(dir, 'e.json')]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('palens: the first failure said: ');
        expect(r.stderr).toContain('boom \\u001b[31mRED\\u001b[2J\\r\\npalens: forged line');
        expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
        for (const line of r.stderr.trimEnd().split('\n')) expect(line).toMatch(/^(palens: |  )/);
        expect(r.stderr).not.toContain('x'.repeat(600));
        // Fewer requests than the stop rule's first 5, every one failed: exit 1 all the same.
        const few = await spawnCli(['capture', '-u', `http://127.0.0.1:${port}`, '-m', 'm', '--max-tokens', '4', '--request-count', '3', '--prompt-words', '4', '-f', join(dir, 'few.json')]);
        expect(few.code).toBe(1);
        expect(few.stderr).toContain('palens: no request succeeded (3 failed)');
        expect(few.stderr).toContain('palens: the first failure said: HTTP 500');
      });
    } finally {
      server.close();
    }
  });
});
