/**
 * Capture beyond one event loop, against the mock: `--workers 2` writes the one export and sidecar a
 * single thread would, and two shards (`--shard 1/2`, `--shard 2/2`) merged by `palens merge` hold
 * every request the mock answered exactly once.
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { readExport } from '../../src/export/reader.js';
import type { ExperimentInfo } from '../../src/records/record.js';
import { runCli, withTempDir } from '../helpers/cli.js';
import { withMock } from '../helpers/mock.js';
import { expectSchema } from '../helpers/schemas.js';
import { readSidecarLines } from '../helpers/sidecar.js';

const load = ['-m', 'vllm', '--prompt-words', '8', '--max-tokens', '4'];

async function exportCounts(file: string): Promise<ExperimentInfo[]> {
  const infos: ExperimentInfo[] = [];
  await readExport(file, { record: () => {}, experimentEnd: (i) => void infos.push(i) }, { failFast: true });
  return infos;
}

/** Ids of the requests the mock answered to the end. */
const answered = (truth: { id: string; final: boolean }[]): string[] => truth.filter((t) => t.final).map((t) => t.id);

describe('capture --workers', () => {
  test.each([
    ['concurrency 4', ['--concurrency', '4'], 'concurrency', 4],
    ['request rate 80/s', ['--request-rate', '80'], 'request_rate', 80],
  ])('--workers 2, %s: one valid export and sidecar with the requests and statuses asked for', async (_name, level, mode, value) => {
    await withMock(async (mock) => {
      await withTempDir(async (dir) => {
        const file = join(dir, 'w2.json');
        const res = await runCli(['capture', '-u', mock.target, ...load, ...level, '--request-count', '24', '--warmup', '2', '--workers', '2', '-f', file]);
        expect(res.stderr).toContain('24 requests, 24 ok');
        expect(res.code).toBe(0);
        expect(await exportCounts(file)).toEqual([{ index: 0, mode, value, windows: 1, requests: 24 }]);
        const side = readSidecarLines(file);
        for (const l of side.lines) expectSchema('sidecar', l);
        expect(side.header.config.workers).toBe(2);
        const requests = side.experiments[0]!.requests;
        expect(requests).toHaveLength(24);
        expect(requests.every((q) => q.status === 'ok')).toBe(true);
        expect(side.warmup).toHaveLength(2);
        const ids = [...requests, ...side.warmup].map((q) => q.id);
        expect(new Set(ids).size).toBe(26);
        expect(answered(mock.truth).sort()).toEqual([...ids].sort());
        expect(side.end.totals).toEqual({ sent: 26, ok: 26, failed: 0, in_flight: 0 });
      });
    });
  });

  test('--workers and --shard refuse what cannot be run (exit 2), saying why', async () => {
    const bad = await runCli(['capture', '-u', '127.0.0.1:1', ...load, '--concurrency', '2', '--workers', '0', '--shard', '3/2', '--start-at', 'soon', '-f', '/tmp/never.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--workers 0');
    expect(bad.stderr).toContain('--shard 3/2');
    expect(bad.stderr).toContain('--start-at soon');
    const openai = await runCli(['capture', '--api', 'openai', '-u', '127.0.0.1:1', ...load, '--concurrency', '2', '--workers', '2', '-f', '/tmp/never.json']);
    expect(openai.code).toBe(2);
    expect(openai.stderr).toContain('--workers carries Triton gRPC streams');
    const few = await runCli(['capture', '-u', '127.0.0.1:1', ...load, '--concurrency', '2', '--shard', '1/3', '-f', '/tmp/never.json']);
    expect(few.code).toBe(2);
    expect(few.stderr).toContain('concurrency 2 has fewer streams than shards');
  });
});

describe('capture --shard, then merge', () => {
  test('two shards against one mock, merged: every request the mock answered is present exactly once', async () => {
    await withMock(async (mock) => {
      await withTempDir(async (dir) => {
        const startAt = new Date(Date.now() + 300).toISOString();
        const shard = (i: number) =>
          runCli(['capture', '-u', mock.target, ...load, '--concurrency', '3', '--request-count', '15', '--warmup', '3', '--shard', `${i}/2`, '--start-at', startAt, '-f', join(dir, `shard-${i}.json`)]);
        const [a, b] = await Promise.all([shard(1), shard(2)]);
        expect([a.code, b.code]).toEqual([0, 0]);
        expect(a.stderr).toContain('concurrency 2: 8 requests, 8 ok');
        expect(b.stderr).toContain('concurrency 1: 7 requests, 7 ok');

        const out = join(dir, 'all.json');
        const merged = await runCli(['merge', join(dir, 'shard-1.json'), join(dir, 'shard-2.json'), '-o', out, '--clock-offset-bound', '0']);
        expect(merged.code).toBe(0);
        expect(await exportCounts(out)).toEqual([{ index: 0, mode: 'concurrency', value: 3, windows: 1, requests: 15 }]);

        const side = readSidecarLines(out);
        for (const l of side.lines) expectSchema('sidecar', l);
        expect(side.header.config.shard).toBeUndefined();
        expect(side.header.config.levels).toEqual([{ mode: 'concurrency', value: 3 }]);
        const requests = side.experiments[0]!.requests;
        expect(requests).toHaveLength(15);
        expect(requests.every((q) => q.status === 'ok')).toBe(true);
        const ids = [...requests, ...side.warmup].map((q) => q.id);
        expect(new Set(ids).size).toBe(18);
        expect(answered(mock.truth).sort()).toEqual([...ids].sort());
        expect(side.end.totals).toEqual({ sent: 18, ok: 18, failed: 0, in_flight: 0 });

        // The merged export analyses as an ordinary one.
        const analysis = await runCli(['analyze', out, '-f', 'json']);
        expect(analysis.code).toBe(0);
        expect(JSON.parse(analysis.stdout).experiments[0].requests.completed).toBe(15);
      });
    });
  });
});
