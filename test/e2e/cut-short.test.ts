/**
 * Reading a capture that did not end in order (docs/METRICS.md, "Failed requests"; docs/SIDECAR.md):
 * analyze, --sweep and compare analyse the requests that ended, count those the sidecar shows in
 * flight as failed with the status in_flight, and say so in one warning. The cut is made by editing a
 * finished capture's files (what a SIGKILL leaves), so that the counts are known exactly.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectExit, runCli, withTempDir } from '../helpers/cli.js';

type Line = Record<string, unknown>;

/** A finished 6-request capture, then its files as a cut would leave them (`edit` rewrites the sidecar's lines). */
async function cutCapture(dir: string, edit: (lines: Line[]) => Line[], exportEdit: (text: string) => string = (t) => t): Promise<string> {
  const file = join(dir, 'cut.json');
  const made = await runCli(['capture', '--mock', '-m', 'vllm', '--max-tokens', '4', '--request-count', '6', '--prompt-words', '8', '-f', file]);
  expectExit(made, 0);
  const side = `${file}.palens.jsonl`;
  const lines = readFileSync(side, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
  writeFileSync(side, edit(lines).map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(file, exportEdit(readFileSync(file, 'utf8')));
  return file;
}

/**
 * What a SIGKILL can leave: requests 4 and 5 in the export but with only their `sent` lines (their
 * `request` lines were lost with the process), three more sent and never ended, no end lines.
 */
const killed = (lines: Line[]): Line[] => {
  const kept = lines.filter((l) => !['experiment_end', 'end'].includes(String(l.kind)) && !(l.kind === 'request' && Number(l.index) >= 4));
  for (const n of [6, 7, 8]) kept.push({ kind: 'sent', experiment: 0, id: `palens-0-${n}`, warmup: false, intended_send_ns: null, prompt_tokens: null, prompt_words: 8 });
  return kept;
};

describe('a capture cut short', () => {
  test('analyze: the requests that ended, those in flight failed (in_flight), one warning, no "0 windows"', async () => {
    await withTempDir(async (dir) => {
      const file = await cutCapture(dir, killed, (t) => t.replace(/"window_boundaries":\[[^\]]*\]/, '"window_boundaries":[]'));
      const json = await runCli(['analyze', file, '-f', 'json']);
      expectExit(json, 0);
      const doc = JSON.parse(json.stdout);
      const r = doc.experiments[0].requests;
      // Requests 4 and 5 reached the export: complete, not counted again as in flight.
      expect(r).toMatchObject({ total: 9, completed: 6, failed: 3, failed_status: 3, failed_by_status: { in_flight: 3 } });
      expect(doc.warnings).toHaveLength(1);
      expect(doc.warnings[0]).toContain('CUT SHORT');
      expect(doc.warnings[0]).toContain('3 requests in flight, counted as failed (status in_flight)');
      const table = await runCli(['analyze', file]);
      expect(table.stdout).toContain('requests 9 · completed 6 · failed 3');
      expect(table.stdout).not.toContain('0 windows');
      expect(table.stdout.match(/warning:/g)).toHaveLength(1);
    });
  });

  test('--sweep and compare count the same requests in flight at their prompt length, and warn once per file', async () => {
    await withTempDir(async (dir) => {
      const file = await cutCapture(dir, killed);
      const sweep = await runCli(['analyze', '--sweep', file, '-f', 'json']);
      expectExit(sweep, 0);
      const doc = JSON.parse(sweep.stdout);
      const point = doc.sweep.points[0];
      expect(point.length).toBe(8);
      expect(point.requests).toMatchObject({ total: 9, failed: 3, failed_by_status: { in_flight: 3 } });
      expect(doc.warnings.filter((w: string) => w.includes('CUT SHORT'))).toHaveLength(1);
      const cmp = await runCli(['compare', file, file, '-f', 'json']);
      expectExit(cmp, 0);
      const c = JSON.parse(cmp.stdout);
      expect(c.warnings.filter((w: string) => w.includes('CUT SHORT'))).toHaveLength(2);
    });
  });

  test('a capture interrupted (an end line that says so): one warning naming the reason', async () => {
    await withTempDir(async (dir) => {
      const file = await cutCapture(dir, (lines) =>
        lines.map((l) => (l.kind === 'end' ? { ...l, interrupted: true, stopped_reason: 'interrupted by a second interrupt' } : l)),
      );
      const doc = JSON.parse((await runCli(['analyze', file, '-f', 'json'])).stdout);
      expect(doc.experiments[0].requests).toMatchObject({ total: 6, failed: 0 });
      expect(doc.warnings.filter((w: string) => w.includes('INTERRUPTED'))).toEqual([`${file}: INTERRUPTED: the capture was interrupted (interrupted by a second interrupt): only the requests that ended have latencies`]);
    });
  });

  test('a capture that ended in order: no such warning', async () => {
    await withTempDir(async (dir) => {
      const file = await cutCapture(dir, (lines) => lines);
      const doc = JSON.parse((await runCli(['analyze', file, '-f', 'json'])).stdout);
      expect(doc.warnings.filter((w: string) => /CUT SHORT|INTERRUPTED|STOPPED/.test(w))).toEqual([]);
    });
  });
});
