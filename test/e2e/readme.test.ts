/**
 * The README's shell blocks, run verbatim, so that every command a newcomer copies works.
 *
 * The convention (also in the README's "Development" section):
 * - every ```sh block is run, in README order, by bash with `set -euo pipefail`, in one fresh
 *   temporary folder shared by all blocks (as one user's session), holding a link to `samples/`,
 *   with the built `palens` first on PATH; each must exit 0 without an internal error or stack trace;
 * - a block right below `<!-- not run: REASON -->` is not run; the reason is required;
 * - one substitution: a block that names port 8001 talks to a `palens mock` (Triton gRPC), one that
 *   names port 8000 to a `palens mock --api openai`, each started by the test for the session on a
 *   free port, and the port in the block is replaced by that one (another program may hold 8001);
 * - a block of one deterministic command — `palens analyze` or `palens validate` of files under
 *   `samples/` — followed by a plain ``` block shows its output: that text must appear, as shown
 *   (trailing spaces aside), in what the command prints on stdout, so the README cannot drift from it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockProcess, type MockProcess } from '../helpers/mock-process.js';
import { BIN, repoPath } from '../helpers/paths.js';

interface Block {
  line: number;
  code: string;
  skip: string | null;
  /** The plain ``` block right below it (its output, as shown), or null. */
  shown: string | null;
}

/** The ```sh blocks of a Markdown text, each with the reason it is not run, if one is given. */
function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    const end = lines.findIndex((l, k) => k > i && l.trim() === '```');
    if (end < 0) throw new Error(`README line ${i + 1}: a \`\`\`sh block without its end`);
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const mark = k >= 0 ? /^<!--\s*not run:(.*?)-->$/.exec(lines[k]!.trim()) : null;
    let n = end + 1;
    while (n < lines.length && lines[n]!.trim() === '') n++;
    let shown: string | null = null;
    if (n < lines.length && lines[n]!.trim() === '```') {
      const close = lines.findIndex((l, k) => k > n && l.trim() === '```');
      if (close > n) shown = lines.slice(n + 1, close).join('\n');
    }
    blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n'), skip: mark ? mark[1]!.trim() : null, shown });
    i = end;
  }
  return blocks;
}

const blocks = shellBlocks(readFileSync(repoPath('README.md'), 'utf8'));
/** The ports README blocks name, and the mock each stands for. */
const SERVERS: { port: string; args: string[] }[] = [
  { port: '8001', args: [] },
  { port: '8000', args: ['--api', 'openai'] },
];
const names = (code: string, port: string): boolean => new RegExp(`\\b${port}\\b`).test(code);

let session = '';
let bin = '';
const mocks = new Map<string, MockProcess>();

beforeAll(async () => {
  session = await mkdtemp(join(tmpdir(), 'palens-readme-'));
  await symlink(repoPath('samples'), join(session, 'samples'));
  bin = await mkdtemp(join(tmpdir(), 'palens-bin-'));
  await writeFile(join(bin, 'palens'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(join(bin, 'palens'), 0o755);
  for (const s of SERVERS) if (blocks.some((b) => b.skip === null && names(b.code, s.port))) mocks.set(s.port, await mockProcess(s.args));
});

afterAll(async () => {
  for (const m of mocks.values()) await m.stop();
  for (const dir of [session, bin]) if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function bash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    delete env.FORCE_COLOR;
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd: session, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One command whose output depends only on files in the repository: `palens analyze|validate … samples/…`. */
const deterministic = (code: string): boolean => {
  const lines = code.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return lines.length === 1 && /^palens (analyze|validate) /.test(lines[0]!) && /\bsamples\//.test(lines[0]!);
};

describe('README shell blocks, run verbatim', () => {
  test('outputs shown below deterministic commands are compared (some exist)', () => {
    expect(blocks.filter((b) => b.skip === null && b.shown !== null && deterministic(b.code)).length).toBeGreaterThanOrEqual(2);
  });

  test('the README has blocks to run, and every block that is not run says why', () => {
    expect(blocks.filter((b) => b.skip === null).length).toBeGreaterThan(5);
    for (const b of blocks) if (b.skip !== null) expect({ line: b.line, reason: b.skip.length > 10 }).toEqual({ line: b.line, reason: true });
  });

  for (const b of blocks) {
    const title = `line ${b.line}: ${b.code.split('\n')[0]!.slice(0, 70)}`;
    if (b.skip !== null) continue;
    test(
      title,
      async () => {
        let script = b.code;
        for (const [port, m] of mocks) script = script.replace(new RegExp(`\\b${port}\\b`, 'g'), m.target.split(':').pop()!);
        const r = await bash(script);
        const report = `README line ${b.line}:\n${script}\n--- exit ${r.code}; stderr:\n${r.stderr.slice(-3000)}`;
        expect({ code: r.code, report }).toEqual({ code: 0, report });
        expect(r.stderr).not.toMatch(/internal error|Unhandled|\n\s+at .+:\d+:\d+/);
        if (b.shown !== null && deterministic(b.code)) {
          // Shown as printed: compared line for line, trailing spaces aside.
          const tidy = (t: string): string => t.split('\n').map((l) => l.trimEnd()).join('\n').replace(/^\n+|\n+$/g, '');
          const shown = { line: b.line, output: tidy(b.shown) };
          expect(tidy(r.stdout).includes(shown.output) ? shown : { line: b.line, output: tidy(r.stdout) }).toEqual(shown);
        }
      },
      600_000,
    );
  }
});
