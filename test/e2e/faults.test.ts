/**
 * Faults around palens rather than in its input: a full disk, a reader that closes the pipe, an
 * output folder that fills up. Each case asserts what the user gets — one message and exit 2, or a
 * quiet end — never how long it took. The small-disk case mounts a 64 KiB tmpfs, which needs root;
 * elsewhere it skips, saying why.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, lstatSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { runCli, withTempDir } from '../helpers/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, repoPath } from '../helpers/paths.js';
import { skipping } from '../helpers/skips.js';

const SAMPLE = repoPath('samples', 'vllm-concurrency-sweep.json');

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs palens with stdout on the given descriptor, or on a pipe whose reader closes at once. */
function runWithStdout(args: string[], stdout: number | 'ignore' | 'closed-pipe'): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', stdout === 'closed-pipe' ? 'pipe' : stdout, 'pipe'] });
    // The reader goes away before palens writes anything, as `| head -0` would.
    if (stdout === 'closed-pipe') child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const COMMANDS: [string, string[]][] = [
  ['analyze', ['analyze', SAMPLE]],
  ['analyze -f json', ['analyze', SAMPLE, '-f', 'json']],
  ['validate', ['validate', SAMPLE]],
  ['compare', ['compare', SAMPLE, SAMPLE, '--bootstrap', '100']],
  ['--help', ['--help']],
];

describe('standard output that cannot take the result', () => {
  test.each(COMMANDS)('%s > /dev/full: one message, exit 2', async (_name, args) => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await runWithStdout(args, fd);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('palens: error: standard output: cannot write: no space left on device (ENOSPC)\n');
    } finally {
      closeSync(fd);
    }
  });

  test.each(COMMANDS)('%s | a reader that closed: a quiet end, exit 0', async (_name, args) => {
    const r = await runWithStdout(args, 'closed-pipe');
    expect(r).toEqual({ code: 0, signal: null, stderr: '' });
  });

  test('validate keeps its verdict when the reader closed: an invalid file is still exit 1', async () => {
    const r = await runWithStdout(['validate', repoPath('test', 'fixtures', 'invalid', 'response-before-request.json')], 'closed-pipe');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid');
  });
});

// A 64 KiB file system: too small for a report once a filler takes most of it. Mounted when the
// file is loaded, so that the tests that need it are registered as skipped where it cannot be.
let small: string | null = null;
let skipReason = '';
if (process.getuid?.() !== 0) skipReason = 'not root (mounting a small tmpfs needs root)';
else {
  const dir = await mkdtemp(join(tmpdir(), 'palens-small-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    small = dir;
  } catch (e) {
    skipReason = `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
    await rm(dir, { recursive: true, force: true });
  }
}
if (small === null) skipping('the full-disk -o tests (test/e2e/faults.test.ts)', skipReason, 'run the tests as root where tmpfs can be mounted');
const onSmallDisk = small === null ? test.skip : test;
const smallDisk = (): string => small!;

afterAll(async () => {
  if (small === null) return;
  execFileSync('umount', [small]);
  await rm(small, { recursive: true, force: true });
});

describe('-o onto something that is not a regular file', () => {
  test('a named pipe (as /dev/null or /dev/stdout) is written in place, never replaced by a file', async () => {
    await withTempDir(async (dir) => {
      const fifo = join(dir, 'report.pipe');
      execFileSync('mkfifo', [fifo]);
      let received = '';
      const reader = new Promise<void>((resolve, reject) => {
        const stream = createReadStream(fifo, 'utf8');
        stream.on('data', (d) => (received += String(d)));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      const r = await runWithStdout(['analyze', SAMPLE, '-f', 'json', '-o', fifo], 'ignore');
      await reader;
      expect(r.code).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect((JSON.parse(received) as { experiments: unknown[] }).experiments.length).toBeGreaterThan(0);
      expect(await readdir(dir)).toEqual(['report.pipe']);
    });
  });
});

describe('-o onto a disk that fills up', () => {
  const fill = async (dir: string): Promise<void> => {
    // 52 KiB of the 64: the reports below (~14 KiB of JSON) cannot fit, a few bytes can.
    await writeFile(join(dir, 'filler'), Buffer.alloc(52 * 1024, 1));
  };

  onSmallDisk.each([
    ['analyze', ['analyze', SAMPLE, '-f', 'json', '-o'], 'the report'],
    ['compare', ['compare', SAMPLE, SAMPLE, '--bootstrap', '100', '-f', 'json', '-o'], 'the comparison'],
  ])('%s: exit 2, one message, the old file untouched, no partial file left', async (_name, args, what) => {
    const small = smallDisk();
    await fill(small);
    try {
      const target = join(small, 'report.json');
      await writeFile(target, 'the previous report\n');
      const r = await runWithStdout([...args, target], 'ignore');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`palens: error: ${target}: cannot write ${what}: no space left on device (ENOSPC)\n`);
      expect(await readFile(target, 'utf8')).toBe('the previous report\n');
      expect((await readdir(small)).sort()).toEqual(['filler', 'report.json']);
    } finally {
      await rm(join(small, 'filler'), { force: true });
      await rm(join(small, 'report.json'), { force: true });
    }
  });

  onSmallDisk('analyze --html onto the full disk: exit 2, no partial HTML file', async () => {
    const small = smallDisk();
    await fill(small);
    try {
      const html = join(small, 'report.html');
      const r = await runWithStdout(['analyze', SAMPLE, '--html', html], 'closed-pipe');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`palens: error: ${html}: cannot write the HTML report: no space left on device (ENOSPC)\n`);
      expect(await readdir(small)).toEqual(['filler']);
    } finally {
      await rm(join(small, 'filler'), { force: true });
    }
  });
});

describe('hostile command lines and input text', () => {
  test.each([
    [['analyze', SAMPLE, '--keep-empty-responses=maybe'], '--keep-empty-responses: expected true or false, got "maybe"'],
    [['analyze', SAMPLE, '--threads', 'abc'], '--threads: expected a number, got "abc"'],
    [['analyze', SAMPLE, '--bucket=1e999'], '--bucket: expected a finite number, got "1e999"'],
    [['analyze', SAMPLE, '--bucket=5'], '--bucket goes with --sweep'],
    [['analyze', SAMPLE, '--slo', 'time_to_first_token<=1e999ms'], '--slo: "time_to_first_token<=1e999ms": the bound is not a finite number'],
    [['analyze', SAMPLE, '-p', '50,abc'], '--percentiles: "abc" is not a number in [0, 100]'],
    [['compare', SAMPLE, SAMPLE, '--seed', 'abc'], '--seed: expected a number, got "abc"'],
    [['compare', SAMPLE, SAMPLE, '--bootstrap', '1e9'], '--bootstrap: expected an integer from 100 to 100000, got 1000000000'],
    [['validate', SAMPLE, '--max-problems', '0'], '--max-problems: expected a positive integer, got 0'],
    // Values no server takes, that would fill the memory before the first request (deaf to Ctrl-C).
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--concurrency', '1e9'], '--concurrency: expected an integer from 1 to 100,000, got 1000000000'],
    [['capture', '--mock', '--prompt-words', '1e9', '-f', '/nonexistent/x.json'], '--prompt-words: expected an integer from 1 to 1,000,000, got 1000000000'],
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--concurrency-range', '1:100000000'], '--concurrency-range 1:100000000: 100000000 levels; at most 1000'],
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--concurrency-range', '99999:100001:2'], 'each level from 1 to 100,000'],
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--max-tokens', '1e12'], '--max-tokens: expected an integer from 1 to 2,147,483,647, got 1000000000000'],
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--request-count', '1e30'], '--request-count: expected an integer from 1 to 9,007,199,254,740,991, got 1e+30'],
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--grace', '1e30'], '--grace: expected milliseconds ≥ 0, at most 2147483647, got 1e+30'],
    [['compare', SAMPLE, SAMPLE, '--seed='], '--seed: expected a number, got ""'],
    [['compare', SAMPLE, SAMPLE, '--fail-if-slower', ' '], '--fail-if-slower: expected a number, got " "'],
    [['analyze', ''], "an empty file name ('')"],
    [['validate', SAMPLE, ''], "an empty file name ('')"],
    [['compare', SAMPLE, ''], "an empty file name ('')"],
    [['analyze', '--sweep', ' '], "an empty file name (' ')"],
    [['prefill', '--mock', '--lengths', '4,1e9', '--results', '/nonexistent'], '--lengths 4,1e9: expected comma-separated integers from 1 to 1,000,000'],
    // The mock's law and faults: a port that is not one, a negative latency, a rate above 1.
    [['mock', '--port', '-1'], '--port: expected an integer from 0 to 65,535, got -1'],
    [['mock', '--port', '1.5'], '--port: expected an integer from 0 to 65,535, got 1.5'],
    [['mock', '--port', '1e309'], '--port: expected a finite number, got "1e309"'],
    [['compare', SAMPLE, SAMPLE, '--fail-if-slower', '1e309'], '--fail-if-slower: expected a finite number, got "1e309"'],
    [['mock', '--prefill-base-ms', '-3'], '--prefill-base-ms: expected a number from 0 to 2,147,483,647, got -3'],
    [['mock', '--api', 'openai', '--http-429-rate', '2'], '--http-429-rate: expected a number from 0 to 1, got 2'],
    [['mock', '--error-rate', '1.5', '--stall-rate', '-0.1'], '--error-rate: expected a number from 0 to 1, got 1.5; --stall-rate: expected a number from 0 to 1, got -0.1'],
    [['mock', '--seed', '4294967296'], '--seed: expected an integer from 0 to 4,294,967,295, got 4294967296'],
    // A header value that would split the request (the value itself is never printed: it may be a key).
    [['capture', '--api', 'openai', '-u', 'http://127.0.0.1:9', '-m', 'x', '--prompt-words', '4', '--header', 'X-Key: secret\r\nInjected: 1', '-f', '/nonexistent/x.json'], '--header X-Key: the value holds a control character'],
    [['capture', '--api', 'openai', '-u', 'http://127.0.0.1:9', '-m', 'x', '--prompt-words', '4', '--header', 'X-Key: \u20ac', '-f', '/nonexistent/x.json'], '--header X-Key: the value holds a character outside ISO-8859-1'],
    // A single-value option given twice: yargs added numbers up (3 streams) or sent POST /undefined.
    [['capture', '--mock', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--concurrency', '2', '--concurrency', '1'], '--concurrency: given 2 times; give it once'],
    [['capture', '--mock', '--api', 'openai', '--prompt-words', '4', '-f', '/nonexistent/x.json', '--endpoint', 'chat', '--endpoint=completions'], '--endpoint: given 2 times; give it once'],
    [['analyze', SAMPLE, '-p', '50', '--percentiles', '90'], '--percentiles: given 2 times; give it once'],
  ])('%j: one usage message, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    // A capture says it is starting before it checks its options; the usage line is the first after.
    expect(r.stderr.split('\n').filter((l) => !/^palens: \w+: starting/.test(l))[0]).toMatch(/^palens: usage: /);
    expect(r.stdout).toBe('');
  });

  test('control characters from file names and file contents are printed escaped, never raw', async () => {
    await withTempDir(async (dir) => {
      // A name that would recolour the terminal and forge a line, and a value that would clear it.
      const name = join(dir, 'evil\u001b[31m\nvalid   fake.json');
      await writeFile(name, '{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":"\\u001b[2J","response_timestamps":[]}]}]}');
      for (const args of [['validate', name], ['analyze', name], ['compare', name, name]]) {
        const r = await runCli(args);
        expect(r.code).toBe(1);
        expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        expect(r.stderr).toContain('evil\\u001b[31m\\nvalid   fake.json');
        // Every line palens printed starts as palens's lines do: nothing forged.
        for (const line of r.stderr.trimEnd().split('\n')) expect(line).toMatch(/^(palens: |invalid |  )/);
      }
    });
  });

  test('a valid export whose own text (version, service_kind, mode, file name) holds escapes: the table and the CSV print them escaped', async () => {
    await withTempDir(async (dir) => {
      const evil = '\u001b[31mRED\u001b[2J\r\nforged\u009b\u202e';
      const name = join(dir, 'evil\u001b[31m\nname.json');
      const doc = {
        experiments: [{ experiment: { mode: evil, value: 1 }, requests: [{ timestamp: 1700000000000000001, response_timestamps: [1700000000000001001, 1700000000000001301] }], window_boundaries: [] }],
        version: evil,
        service_kind: evil,
        endpoint: '',
      };
      await writeFile(name, JSON.stringify(doc));
      for (const format of ['table', 'csv']) {
        const r = await runCli(['analyze', name, '-f', format]);
        expect(r.code).toBe(0);
        expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
        expect(r.stdout).toContain('\\u001b[31mRED');
      }
      // JSON keeps the text exact.
      const json = await runCli(['analyze', name, '-f', 'json']);
      expect(JSON.parse(json.stdout).inputs[0].version).toBe(evil);
    });
  });
});
