/**
 * Every command that takes files reads a folder's worth of them the same way: as the shell expands
 * it (sidecars included) or as a quoted glob palens expands; sidecars are recognised by name, never
 * read as exports, and validated by `validate`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp as mkdtempFs, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { expectSchema } from '../helpers/schemas.js';

const made: string[] = [];
const mkdtemp = async (prefix: string): Promise<string> => {
  const d = await mkdtempFs(prefix);
  made.push(d);
  return d;
};
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

let dir = '';
/** What a shell's DIR/*.json gives: exports and any sidecar whose name ends in .json, sorted. */
let shellJson: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palens-files-'));
  const r = await spawnCli(['prefill', '--mock', '--lengths', '32,64,128', '--request-count', '4', '--results', dir]);
  expect(r.code).toBe(0);
  shellJson = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
}, 120_000);

describe('a folder palens wrote, as the shell expands it and as a quoted glob', () => {
  test('validate DIR/*.json and validate "DIR/*.json": exit 0, every export valid, sidecars checked as sidecars', async () => {
    for (const args of [shellJson, [`${dir}/*.json`]]) {
      const r = await spawnCli(['validate', ...args]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const L of [32, 64, 128]) expect(r.stdout).toContain(`valid   ${join(dir, `prefill-${L}.json`)} (1 experiment, 4 requests)`);
    }
    // Every file palens wrote there, sidecars too: each checked against its own schema.
    const all = await spawnCli(['validate', `${dir}/prefill-*.json*`, '-f', 'json']);
    expect(all.code).toBe(0);
    const doc = JSON.parse(all.stdout);
    expectSchema('validation', doc);
    const sidecars = doc.files.filter((f: { kind?: string }) => f.kind === 'sidecar');
    expect(sidecars.map((f: { file: string }) => f.file)).toEqual([32, 64, 128].map((L) => join(dir, `prefill-${L}.json.palens.jsonl`)));
    expect(doc.files.every((f: { valid: boolean }) => f.valid)).toBe(true);
  });

  test('analyze --sweep DIR/*.json and the quoted form: exit 0, three lengths', async () => {
    for (const args of [shellJson, [`${dir}/*.json`]]) {
      const r = await spawnCli(['analyze', '--sweep', ...args, '-f', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.sweep.points.map((p: { length: number }) => p.length)).toEqual([32, 64, 128]);
    }
  });

  test('analyze of a quoted glob reads each export once, never a sidecar', async () => {
    const r = await spawnCli(['analyze', `${dir}/prefill-*.json`, '-f', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).inputs.map((i: { file: string }) => i.file)).toEqual([32, 64, 128].map((L) => join(dir, `prefill-${L}.json`)));
  });

  test('compare: two quoted globs, or the shell-expanded files of two folders', async () => {
    const quoted = await spawnCli(['compare', '--sweep', `${dir}/*.json`, `${dir}/*.json`, '--bootstrap', '100', '-f', 'json']);
    expect(quoted.code).toBe(0);
    expect(JSON.parse(quoted.stdout).groups).toHaveLength(3);
    const other = await mkdtemp(join(tmpdir(), 'palens-files-b-'));
    const r = await spawnCli(['prefill', '--mock', '--lengths', '32,64,128', '--request-count', '4', '--results', other]);
    expect(r.code).toBe(0);
    const otherJson = (await readdir(other)).filter((f) => f.endsWith('.json')).sort().map((f) => join(other, f));
    const shell = await spawnCli(['compare', '--sweep', ...shellJson, ...otherJson, '--bootstrap', '100', '-f', 'json']);
    expect(shell.stderr).toBe('');
    expect(shell.code).toBe(0);
    const doc = JSON.parse(shell.stdout);
    expect(doc.a).toHaveLength(3);
    expect(doc.b).toHaveLength(3);
  }, 120_000);

  test('only sidecars, or a glob that matches nothing: a usage error naming them', async () => {
    const side = join(await mkdtemp(join(tmpdir(), 'palens-files-c-')), 'lonely.json.palens.json');
    await writeFile(side, '{}');
    const only = await spawnCli(['analyze', side]);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain('no export among the files named (only palens sidecars');
    const none = await spawnCli(['validate', `${dir}/*.nothing`]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('matched no files');
  });

  test('an invalid sidecar, either form: validate exits 1 with its file and pointer', async () => {
    const d = await mkdtemp(join(tmpdir(), 'palens-files-d-'));
    const legacy = join(d, 'broken.json.palens.json');
    await writeFile(legacy, JSON.stringify({ schemaVersion: 1, tool: { name: 'palens', version: '0' } }));
    const r = await spawnCli(['validate', legacy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${legacy}: (document): expected a palens sidecar (schemas/sidecar.schema.json, the single-document form): must have required property 'experiments'`);
    const lines = join(d, 'other.json.palens.jsonl');
    await writeFile(lines, '{"kind":"experiment","index":0,"mode":"concurrency","value":1}\n');
    const l = await spawnCli(['validate', lines]);
    expect(l.code).toBe(1);
    expect(l.stderr).toContain(`invalid ${lines}: 1 problem`);
    expect(l.stderr).toContain('header');
  });
});
