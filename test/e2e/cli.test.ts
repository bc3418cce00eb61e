/** The built binary, spawned as a user runs it. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli, spawnCli, withTempDir } from '../helpers/cli.js';
import { fixture, repoPath } from '../helpers/paths.js';
import { expectSchema } from '../helpers/schemas.js';

const SAMPLE = 'samples/vllm-concurrency-sweep.json';
const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe('palens analyze', () => {
  test('a bundled sample: the table ends each experiment with the seed lines, identical to the seed formulas', async () => {
    const r = await spawnCli(['analyze', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const e of [0, 1, 2]) {
      const ref = JSON.parse(execFileSync('python3', [repoPath('bench', 'seed_reference.py'), repoPath(SAMPLE), String(e)], { encoding: 'utf8' })) as {
        seed_lines: string[];
      };
      for (const line of ref.seed_lines) expect(r.stdout).toContain(`  ${line}\n`);
    }
    expect(r.stdout).toContain('Experiment 2 · concurrency 4');
    expect(r.stdout).not.toContain('\u001b[');
  });

  test('--format json validates against the schema and keeps exact integers', async () => {
    const r = await spawnCli(['analyze', fixture('valid', 'tiny.json'), '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expectSchema('analysis', doc);
    expect(doc.inputs[0].time_base_ns).toBe('1700000000000000001');
    expect(doc.experiments[0].metrics.token_to_token_latency).toMatchObject({ unit: 'ns', min: 100, max: 400, mean: 300 });
  });

  test('--format csv, --out, --experiment and --percentiles', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'a.csv');
      const r = await spawnCli(['analyze', fixture('valid', 'pa-2024-vllm-legacy.json'), '-f', 'csv', '-o', out, '--experiment', '1', '-p', '50,99']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe('file,experiment,mode,load,metric,unit,count,mean,std,min,max,p50,p99,value');
      expect(lines).toHaveLength(1 + 11);
      expect(lines.slice(1).every((l) => l.split(',')[1] === '1')).toBe(true);
    });
  });

  test('.json.gz is read transparently', async () => {
    await withTempDir(async (dir) => {
      const gz = join(dir, 'sample.json.gz');
      await writeFile(gz, gzipSync(readFileSync(repoPath(SAMPLE))));
      const plain = await spawnCli(['analyze', SAMPLE, '-f', 'json']);
      const packed = await spawnCli(['analyze', gz, '-f', 'json']);
      expect(packed.code).toBe(0);
      const a = JSON.parse(plain.stdout);
      const b = JSON.parse(packed.stdout);
      expect(b.inputs[0].compressed).toBe(true);
      expect(b.experiments.map((e: { metrics: unknown }) => e.metrics)).toEqual(a.experiments.map((e: { metrics: unknown }) => e.metrics));
    });
  });

  test('empty finals: dropped and counted by default, kept with --keep-empty-responses to match the seed', async () => {
    const file = repoPath('samples', 'vllm-legacy-empty-finals.json');
    const ref = (drop: boolean): { token_to_token_latency_s: number; gap_max_ns: string } =>
      JSON.parse(execFileSync('python3', [repoPath('bench', 'seed_reference.py'), ...(drop ? ['--drop-empty'] : []), file], { encoding: 'utf8' }));
    const dropped = JSON.parse((await spawnCli(['analyze', file, '-f', 'json'])).stdout);
    const kept = JSON.parse((await spawnCli(['analyze', file, '-f', 'json', '--keep-empty-responses'])).stdout);
    expect(dropped.experiments[0].responses.empty_dropped).toBe(10);
    expect(dropped.warnings.join('\n')).toContain('10 empty responses dropped');
    expect(dropped.experiments[0].metrics.token_to_token_latency.mean / 1e9).toBe(ref(true).token_to_token_latency_s);
    expect(kept.experiments[0].metrics.token_to_token_latency.mean / 1e9).toBe(ref(false).token_to_token_latency_s);
    expect(String(kept.experiments[0].metrics.token_to_token_latency.max)).toBe(ref(false).gap_max_ns);
  });

  // truncated.json ends inside a request: analyze reads its complete requests with a TRUNCATED
  // warning (docs/ERRORS.md; test/unit/parser-truncated.test.ts); validate still rejects it.
  const notAnalysable = readdirSync(fixture('invalid')).filter((name) => name !== 'truncated.json');
  test.each(notAnalysable)('invalid/%s: exit 1, one message naming the file, no stack trace, no result', async (name) => {
    const path = fixture('invalid', name);
    const r = await spawnCli(['analyze', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^palens: invalid input: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  test('a missing file and a directory are I/O errors: exit 2', async () => {
    const missing = await spawnCli(['analyze', 'no/such/file.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('palens: error: no/such/file.json: no such file\n');
    const dir = await spawnCli(['analyze', 'test']);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('test: is a directory');
  });

  test('usage errors: exit 2 with every problem named', async () => {
    const r = await spawnCli(['analyze', SAMPLE, '-p', '50,abc,101', '--experiment', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"abc"');
    expect(r.stderr).toContain('"101"');
    expect(r.stderr).toContain('--experiment');
    const unknown = await spawnCli(['analyze', SAMPLE, '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: bogus');
    const tooHigh = await spawnCli(['analyze', SAMPLE, '--experiment', '7']);
    expect(tooHigh.code).toBe(2);
    expect(tooHigh.stderr).toContain('has 3 experiments');
  });

  test('--help has examples and exits 0', async () => {
    const r = await spawnCli(['analyze', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--keep-empty-responses');
  });
});

describe('palens validate', () => {
  test('exit 0 when all are valid, 1 when any is not, 2 when one cannot be read', async () => {
    const valid = readdirSync(fixture('valid')).map((f) => fixture('valid', f));
    expect((await spawnCli(['validate', ...valid])).code).toBe(0);
    const mixed = await spawnCli(['validate', fixture('valid', 'tiny.json'), fixture('invalid', 'timestamp-string.json')]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain(`${fixture('invalid', 'timestamp-string.json')}: /experiments/0/requests/1/timestamp: expected a non-negative integer`);
    expect(mixed.stderr).toContain('found the string "1700000000000005001"');
    expect((await spawnCli(['validate', fixture('valid', 'tiny.json'), 'missing.json'])).code).toBe(2);
  });

  test('lists at most --max-problems per file, then a count', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'many.json');
      const requests = Array.from({ length: 25 }, (_, i) => `{"timestamp":1700000000000000000,"response_timestamps":[${1699999999000000000 + i}]}`);
      await writeFile(file, `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[${requests.join(',')}]}]}`);
      const r = await spawnCli(['validate', file]);
      expect(r.code).toBe(1);
      const problemLines = r.stderr.split('\n').filter((l) => l.includes('/response_timestamps/0: expected a time at or after'));
      expect(problemLines).toHaveLength(20);
      expect(r.stderr).toContain('… and 5 more problems');
      const json = await spawnCli(['validate', file, '--format', 'json', '--max-problems', '3']);
      const doc = JSON.parse(json.stdout);
      expectSchema('validation', doc);
      expect(doc.files[0]).toMatchObject({ valid: false, problemCount: 25 });
      expect(doc.files[0].problems).toHaveLength(3);
    });
  });
});

describe('colour', () => {
  test('on a terminal, coloured unless NO_COLOR', async () => {
    const args = ['analyze', repoPath(SAMPLE), '--experiment', '0'];
    expect((await runCli(args, { tty: true })).stdout).toContain('\u001b[');
    expect((await runCli(args, { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await runCli(args, { tty: false })).stdout).not.toContain('\u001b[');
    expect((await runCli([...args, '--color'], { tty: false })).stdout).toContain('\u001b[');
  });
});

describe('packaging', () => {
  test('the bin is the built CLI, and npm start runs the two scenarios against the embedded mock', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: { start: string }; bin: { palens: string } };
    expect(pkg.bin.palens).toBe('dist/src/cli/bin.js');
    expect(pkg.scripts.start).toContain('prefill --mock');
    expect(pkg.scripts.start).toContain('generation --mock');
  });
});
