/**
 * Hostile inputs that must not take memory, checked as a user meets them: `palens analyze` as its
 * own process, its peak RSS (the kernel's high-water mark, read at exit) against a fixed, generous
 * bound. One process's memory against a constant, never two processes' timings. bench/analyze.ts
 * --bombs measures the 2 GiB cases; these are smaller, with the same shape.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { manyExperimentsOptions } from '../../bench/analyze-exports.js';
import { writeSyntheticExport } from '../../tools/synth.js';
import { withTempDir } from '../helpers/cli.js';
import { BIN, ROOT } from '../helpers/paths.js';

/** Prints the process's peak RSS (KiB) on stderr as it exits. */
const PEAK_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\npeak-rss-kib="+process.resourceUsage().maxRSS+"\\n"))';

interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  peakMiB: number;
}

function analyzeMeasured(args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PEAK_RSS, BIN, 'analyze', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const kib = Number(/peak-rss-kib=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ code, stdout, stderr, peakMiB: kib / 1024 });
    });
  });
}

type Part = string | [byte: number, count: number];

/** Writes the parts (runs of one byte spelled out in 1 MiB blocks) gzipped, streaming. */
async function writeGzip(file: string, parts: Part[]): Promise<number> {
  let total = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const part of parts) {
      if (typeof part === 'string') {
        total += Buffer.byteLength(part);
        yield Buffer.from(part);
        continue;
      }
      const block = Buffer.alloc(1 << 20, part[0]);
      for (let n = 0; n < part[1]; n += block.length) yield part[1] - n >= block.length ? block : block.subarray(0, part[1] - n);
      total += part[1];
    }
  }
  await pipeline(bytes(), createGzip({ level: 1 }), createWriteStream(file));
  return total;
}

const MB16 = 16 << 20;
const SP = 0x20;
const NL = 0x0a;
const A = 0x61;

/** One request: whitespace runs between its tokens, unknown values, a long text output and a long input besides the prompt. */
function busyRequest(run: number): Part[] {
  const parts: Part[] = ['{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{'];
  for (let k = 0; k < 8; k++) parts.push([k % 2 ? SP : NL, run], `"junk${k}":`, [SP, run / 4], '"', [A, run], '",');
  parts.push(
    '"timestamp":',
    [SP, run],
    '1700000000000000000,"response_timestamps":[1700000000020000000,',
    [NL, run],
    '1700000000030000000],"response_outputs":[{"text_output":"',
    [A, run],
    '"},{"text_output":"b"}],"request_inputs":{"text_input":"a prompt of six words here","image":"',
    [A, run],
    '"}',
    [SP, run],
    '}]}]}',
  );
  return parts;
}

describe('one request that skips a lot holds little', () => {
  test('~290 MB of whitespace runs and unknown values inside one request (gzip): analysed exactly, peak RSS under 200 MB', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'busy-request.json.gz');
      const json = await writeGzip(file, busyRequest(MB16));
      expect(json).toBeGreaterThan(280e6);
      const r = await analyzeMeasured([file, '-f', 'json']);
      expect(r.code).toBe(0);
      // The same request with short runs (nothing to cut) gives the same experiment.
      const small = join(dir, 'small-request.json.gz');
      await writeGzip(small, busyRequest(100));
      const s = await analyzeMeasured([small, '-f', 'json']);
      expect(s.code).toBe(0);
      const experiment = (out: string): unknown => {
        const e = (JSON.parse(out) as { experiments: Record<string, unknown>[] }).experiments;
        expect(e).toHaveLength(1);
        return { ...e[0], file: null };
      };
      expect(experiment(r.stdout)).toEqual(experiment(s.stdout));
      expect(r.stdout).toContain('"with_prompt": 1');
      expect(r.peakMiB).toBeGreaterThan(0);
      expect(r.peakMiB).toBeLessThan(200);
    });
  }, 180_000);
});

describe('many small experiments cost kilobytes each', () => {
  // The JSON only (the table is measured by bench/analyze): on a busy machine one run takes minutes.
  test('10,000 one-request experiments: the JSON is written with peak RSS under 300 MB', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'many.json');
      await writeSyntheticExport(file, manyExperimentsOptions(10_000));
      const out = join(dir, 'report.json');
      const r = await analyzeMeasured([file, '-f', 'json', '-o', out]);
      expect(r.code).toBe(0);
      expect(r.peakMiB).toBeGreaterThan(0);
      expect(r.peakMiB).toBeLessThan(300);
      const json = JSON.parse(await readFile(out, 'utf8')) as { experiments: { value: number }[] };
      expect(json.experiments).toHaveLength(10_000);
      expect(json.experiments[9_999]!.value).toBe(10_000);
    });
  }, 600_000);
});
