import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LAW } from '../../src/mock/latency.js';
import { startOpenAIMock } from '../../src/mock/openai/server.js';
import { startMock } from '../../src/mock/server.js';
import { spawnCli } from '../helpers/cli.js';

const law = { ...DEFAULT_LAW, prefillBaseMs: 1, decodeGapMs: 1, jitterMs: 0 };

// Both mocks write their truth log through mock/truth-log.ts: on disk, after close, exactly the
// entries they kept in memory, each with its times also as exact ns since the epoch.
describe('a mock truth log on disk', () => {
  test.each([['triton'], ['openai']])('%s mock: every entry it recorded, in order, with epoch times', async (api) => {
    const dir = await mkdtemp(join(tmpdir(), 'palens-truth-'));
    const file = join(dir, 'truth.jsonl');
    const mock = api === 'openai' ? await startOpenAIMock({ port: 0, law, truthLog: file }) : await startMock({ port: 0, law, truthLog: file });
    try {
      const target = api === 'openai' ? ['--api', 'openai', '-u', mock.target, '-m', 'palens-mock'] : ['-u', mock.target, '-m', 'vllm', '--backend', 'vllm'];
      const res = await spawnCli(['capture', ...target, '--max-tokens', '5', '--concurrency', '2', '--request-count', '6', '--prompt-words', '8', '-f', join(dir, 'x.json')]);
      expect(res.stderr).toContain('6 requests, 6 ok');
    } finally {
      await mock.close();
    }
    try {
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const truth = mock.truth as unknown as { id: string; emittedNs: number; arrivedNs: number }[];
      expect(truth.length).toBeGreaterThanOrEqual(6 * 5);
      expect(lines).toHaveLength(truth.length);
      for (const [i, t] of truth.entries()) {
        expect(lines[i]).toMatchObject({ id: t.id, emittedNs: t.emittedNs, arrivedNs: t.arrivedNs });
        expect(lines[i]!.emitted_epoch_ns).toBe(mock.clock.epochNs(t.emittedNs));
        expect(lines[i]!.arrived_epoch_ns).toBe(mock.clock.epochNs(t.arrivedNs));
      }
      expect(new Set(lines.map((l) => l.id)).size).toBe(6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
