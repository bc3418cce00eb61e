/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core. Skips, saying
 * why, where no chromium is installed (.ci/run installs it, so CI runs this).
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { writeSyntheticExport } from '../../tools/synth.js';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';

const CHROMIUM = process.env.PALENS_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
// CI installs chromium and sets PALENS_REQUIRE_BROWSER, so there a missing browser fails instead of skipping.
if (!haveChromium && process.env.PALENS_REQUIRE_BROWSER) throw new Error(`PALENS_REQUIRE_BROWSER is set but there is no chromium at ${CHROMIUM}`);
if (!haveChromium) console.warn(`skipping the browser tests: no chromium at ${CHROMIUM} (apt-get install chromium, or set PALENS_CHROMIUM)`);

async function inBrowser(html: string, screenshot: string): Promise<{ errors: string[]; marks: Record<string, number>; requests: string[] }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${html}`);
    const marks: Record<string, number> = {};
    for (const id of await page.locator('svg.chart').evaluateAll((els) => els.map((e) => e.id))) {
      marks[id] = await page.locator(`svg#${id} .mark, svg#${id} path.line, svg#${id} path.band`).count();
    }
    await mkdir(repoPath('test-output'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, marks, requests };
  } finally {
    await browser.close();
  }
}

describe('HTML report', () => {
  (haveChromium ? test : test.skip)('a sweep report loads offline with every chart drawn', async () => {
    await withTempDir(async (dir) => {
      for (const [i, L] of [64, 256, 1024].entries()) {
        await writeSyntheticExport(join(dir, `p-${L}.json`), {
          flavor: 'vllm',
          experiments: [{ mode: 'concurrency', value: 1, requests: 10 }],
          responses: 5,
          promptWords: L,
          ttftBaseNs: 20e6,
          ttftPerWordNs: 50e3,
          gapNs: 10e6,
          jitterNs: 1e6,
          emptyFinal: false,
          seed: i + 1,
        });
      }
      const html = join(dir, 'sweep.html');
      const r = await spawnCli(['analyze', '--sweep', `${dir}/*.json`, '--html', html]);
      expect(r.code).toBe(0);
      const text = readFileSync(html, 'utf8');
      expect(text).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      const shot = repoPath('test-output', 'sweep-report.png');
      const { errors, marks, requests } = await inBrowser(html, shot);
      expect(errors).toEqual([]);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
      expect(Object.keys(marks).sort()).toEqual(['t2t-cdf-by-length', 't2t-vs-length', 'ttft-cdf-by-length', 'ttft-vs-length']);
      for (const n of Object.values(marks)) expect(n).toBeGreaterThan(0);
      expect(existsSync(shot)).toBe(true);
    });
  });

  (haveChromium ? test : test.skip)('a single-export report: CDF charts per experiment', async () => {
    await withTempDir(async (dir) => {
      const html = join(dir, 'a.html');
      const r = await spawnCli(['analyze', repoPath('samples', 'vllm-concurrency-sweep.json'), '--html', html]);
      expect(r.code).toBe(0);
      const { errors, marks } = await inBrowser(html, repoPath('test-output', 'analysis-report.png'));
      expect(errors).toEqual([]);
      expect(marks['ttft-cdf']).toBeGreaterThan(0);
      expect(marks['t2t-cdf']).toBeGreaterThan(0);
    });
  });
});
