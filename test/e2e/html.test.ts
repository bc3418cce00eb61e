/**
 * The HTML reports in a real browser: Debian's chromium driven by playwright-core, at 1280 px, over
 * a fixture set (one outlier, a tiny spread, one length, prefill only, several load levels, goodput with --slo,
 * twelve lengths, a comparison). Each page is screenshotted to test-output/ for a person to look at.
 * Skips, saying why, where no chromium is installed (.ci/run installs it, so CI runs this).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type SynthOptions, writeSyntheticExport } from '../../tools/synth.js';
import { spawnCli, withTempDir } from '../helpers/cli.js';
import { repoPath } from '../helpers/paths.js';
import { skipping } from '../helpers/skips.js';

const CHROMIUM = process.env.PALENS_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
// CI installs chromium and sets PALENS_REQUIRE_BROWSER, so there a missing browser fails instead of skipping.
if (!haveChromium && process.env.PALENS_REQUIRE_BROWSER) throw new Error(`PALENS_REQUIRE_BROWSER is set but there is no chromium at ${CHROMIUM}`);
if (!haveChromium) skipping('the HTML report browser tests (test/e2e/html.test.ts)', `no chromium at ${CHROMIUM}`, 'apt-get install chromium, or set PALENS_CHROMIUM');
const it = haveChromium ? test : test.skip;

interface Page {
  errors: string[];
  requests: string[];
  /** document width beyond the viewport's, px (0: no horizontal overflow). */
  overflow: number;
  /** Per chart id: marks (percentiles, statistics, intervals) drawn. */
  marks: Record<string, number>;
  /** Per chart id: the most vertices of any one curve. */
  vertices: Record<string, number>;
  /** Per chart id: stroke colours of its curves. */
  strokes: Record<string, string[]>;
  /** Tables wider than their box (shown only by scrolling sideways): their header cells' text. */
  scrolled: string[];
  text: string;
}

let browser: Browser;
beforeAll(async () => {
  if (haveChromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }
}, 60_000);
afterAll(async () => {
  if (haveChromium) await browser.close();
});

async function open(html: string, name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${html}`);
    // Run in the page (a string: this project compiles without the DOM's types).
    const found = (await page.evaluate(`(() => {
      const marks = {}, vertices = {}, strokes = {};
      for (const svg of document.querySelectorAll('svg.chart')) {
        marks[svg.id] = svg.querySelectorAll('.mark').length;
        const lines = [...svg.querySelectorAll('path.line')];
        vertices[svg.id] = Math.max(0, ...lines.map((l) => Number(l.getAttribute('data-vertices') || 0)));
        strokes[svg.id] = lines.map((l) => l.getAttribute('stroke') || '');
      }
      const scrolled = [...document.querySelectorAll('.scroll')].filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => [...b.querySelectorAll('th')].map((t) => t.textContent).join(' '));
      return { marks, vertices, strokes, scrolled, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth, text: document.body.innerText };
    })()`)) as Omit<Page, 'errors' | 'requests'>;
    await mkdir(repoPath('test-output'), { recursive: true });
    await page.screenshot({ path: repoPath('test-output', `${name}.png`), fullPage: true });
    return { errors, requests, ...found };
  } finally {
    await page.close();
  }
}

/** What every report must be: offline, no errors, no page overflow at 1280 px, marks on every chart, no empty panel, small. */
function expectSound(p: Page, html: string): void {
  expect(p.errors).toEqual([]);
  expect(p.requests.every((u) => u.startsWith('file://'))).toBe(true);
  expect(p.overflow).toBeLessThanOrEqual(0);
  expect(Object.keys(p.marks).length).toBeGreaterThan(0);
  for (const [id, n] of Object.entries(p.marks)) expect([id, n > 0]).toEqual([id, true]);
  expect(p.text).not.toMatch(/no data/i);
  const text = readFileSync(html, 'utf8');
  expect(text).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  expect(statSync(html).size).toBeLessThan(2e6);
}

const base: SynthOptions = {
  flavor: 'vllm',
  experiments: [{ mode: 'concurrency', value: 1, requests: 40 }],
  responses: 20,
  promptWords: 200,
  ttftBaseNs: 20e6,
  ttftPerWordNs: 50e3,
  gapNs: 10e6,
  jitterNs: 2e6,
  emptyFinal: false,
  seed: 1,
};

async function sweepFiles(dir: string, lengths: readonly number[], extra: Partial<SynthOptions> = {}): Promise<string> {
  for (const [i, L] of lengths.entries()) await writeSyntheticExport(join(dir, `p-${L}.json`), { ...base, ...extra, promptWords: L, seed: i + 1 });
  return `${dir}/p-*.json`;
}

describe('HTML report in chromium at 1280 px', () => {
  it('one outlier: 400 requests × 60 tokens with one 600 ms stall — the axis names it instead of squashing every curve', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'stall.json');
      await writeSyntheticExport(file, { ...base, experiments: [{ mode: 'concurrency', value: 1, requests: 400 }], responses: 60, stall: { request: 123, response: 30, ns: 600e6 } });
      const html = join(dir, 'stall.html');
      expect((await spawnCli(['analyze', file, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-outlier');
      expectSound(p, html);
      expect(p.vertices['t2t-cdf']).toBeGreaterThanOrEqual(100);
      expect(p.vertices['ttft-cdf']).toBeGreaterThanOrEqual(100);
      expect(p.text).toMatch(/1 gap beyond the axis: 6\d\d ms/);
      expect(Object.keys(p.marks)).toEqual(expect.arrayContaining(['ttft-cdf', 't2t-cdf', 'latency-cdf', 'ttft-hist-0', 't2t-hist-0']));
      expect(p.text).toContain('perf_analyzer 2.41.0 export');
      // The stall is the gap before response 30: the mean at position 30 stands out (600 ms / 400 requests more).
      expect(p.vertices['itl-positions']).toBe(59);
      // Over the run: the stalled request is the largest latency, marked and named at its send time.
      expect(p.marks['latency-over-time-0']).toBe(1);
      expect(p.text).toMatch(/largest 1,2\d\d ms at \d+(\.\d)? s/);
      expect(p.text).toContain('Every completed request (400).');
      expect(p.text).toMatch(/Mean gap 11\.\d ms at position 1 \(400 requests\), 11\.\d ms at position 59 \(400 requests\)/);
    });
  });

  it('ten percentiles: every statistics column is on the page at 1280 px, none behind a sideways scroll', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'many.json');
      await writeSyntheticExport(file, { ...base, experiments: [{ mode: 'concurrency', value: 1, requests: 5 }], responses: 30 });
      const html = join(dir, 'many.html');
      expect((await spawnCli(['analyze', file, '-p', '1,5,10,25,50,75,90,95,99,99.9', '--html', html])).code).toBe(0);
      const p = await open(html, 'html-ten-percentiles');
      expectSound(p, html);
      expect(p.scrolled).toEqual([]);
      for (const h of ['p1', 'p99', 'p99.9', 'max']) expect(p.text).toMatch(new RegExp(`\\b${h.replace('.', '\\.')}\\b`));
      // Five requests: the interpolated p90 and p99 fall between two of them, marked on the steps.
      expect(p.text).toMatch(/p90, p99 fall between two requests/);
    });
  });

  it("a GuideLLM benchmarks.json: named as GuideLLM's file, and the missing gap charts say why", async () => {
    await withTempDir(async (dir) => {
      const html = join(dir, 'guidellm.html');
      expect((await spawnCli(['analyze', repoPath('samples', 'peers', 'guidellm-streams-1-2-errors', 'benchmarks.json'), '--html', html])).code).toBe(0);
      const p = await open(html, 'html-guidellm');
      expect(p.errors).toEqual([]);
      expect(p.overflow).toBeLessThanOrEqual(0);
      expect(p.text).toContain('GuideLLM 0.8.1 benchmarks.json');
      expect(p.text).not.toContain('perf_analyzer');
      expect(p.text).not.toContain('no request had two or more responses');
      expect(p.text).toContain("GuideLLM's benchmarks.json keeps each request's first and last token times only");
      // And as a sweep (one length here): the same reason, not a prefill-only sweep's.
      const sweep = join(dir, 'guidellm-sweep.html');
      expect((await spawnCli(['analyze', '--sweep', repoPath('samples', 'peers', 'guidellm-concurrent2', 'benchmarks.json'), '--html', sweep])).code).toBe(0);
      const s = await open(sweep, 'html-guidellm-sweep');
      expect(s.errors).toEqual([]);
      expect(s.text).not.toContain('no request had two or more responses');
      expect(s.text).toContain("Token-to-token charts left out: GuideLLM's benchmarks.json keeps each request's first and last token times only");
    });
  });

  it('a tiny spread: values a few µs apart still fill the axis', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'tiny.json');
      await writeSyntheticExport(file, { ...base, experiments: [{ mode: 'concurrency', value: 1, requests: 200 }], jitterNs: 3000 });
      const html = join(dir, 'tiny.html');
      expect((await spawnCli(['analyze', file, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-tiny-spread');
      expectSound(p, html);
      expect(p.vertices['t2t-cdf']).toBeGreaterThanOrEqual(100);
      expect(p.text).not.toMatch(/beyond the axis|log axis/);
    });
  });

  it('one prompt length: no chart against length (one column says nothing), its distributions instead', async () => {
    await withTempDir(async (dir) => {
      const glob = await sweepFiles(dir, [512], { experiments: [{ mode: 'concurrency', value: 1, requests: 150 }] });
      const html = join(dir, 'one.html');
      expect((await spawnCli(['analyze', '--sweep', glob, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-one-length');
      expectSound(p, html);
      expect(Object.keys(p.marks).sort()).toEqual(['length-positions', 't2t-cdf-by-length', 't2t-hist-length', 'ttft-cdf-by-length', 'ttft-hist-length']);
      expect(p.text).toContain('Latency against prompt length left out: one length (512 words)');
      expect(p.vertices['ttft-cdf-by-length']).toBeGreaterThanOrEqual(100);
    });
  });

  it('prefill only (three lengths, one response each): token-to-token charts left out with one line, no empty panel', async () => {
    await withTempDir(async (dir) => {
      const glob = await sweepFiles(dir, [64, 512, 2048], { responses: 1, experiments: [{ mode: 'concurrency', value: 1, requests: 150 }] });
      const html = join(dir, 'prefill.html');
      expect((await spawnCli(['analyze', '--sweep', glob, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-prefill-only');
      expectSound(p, html);
      expect(Object.keys(p.marks).sort()).toEqual(['ttft-cdf-by-length', 'ttft-vs-length']);
      expect(p.text).toContain('Token-to-token charts left out: no request had two or more responses');
      expect(p.vertices['ttft-cdf-by-length']).toBeGreaterThanOrEqual(100);
      expect(p.text).toMatch(/n=150/);
    });
  });

  it('several load levels: latency and throughput against concurrency', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'loads.json');
      await writeSyntheticExport(file, { ...base, experiments: [1, 2, 4, 8, 16, 32].map((value) => ({ mode: 'concurrency' as const, value, requests: 50 })) });
      const html = join(dir, 'loads.html');
      expect((await spawnCli(['analyze', file, '--slo', 'time_to_first_token<=31ms', '--html', html])).code).toBe(0);
      const p = await open(html, 'html-load-levels');
      expectSound(p, html);
      expect(Object.keys(p.marks)).toEqual(expect.arrayContaining(['ttft-vs-concurrency', 't2t-vs-concurrency', 'responses-vs-concurrency', 'requests-vs-concurrency', 'goodput-vs-concurrency']));
      expect(p.marks['goodput-vs-concurrency']).toBe(6);
      // TTFT p50 and p99 at each level's delivered throughput.
      expect(p.marks['ttft-vs-throughput-concurrency']).toBe(12);
      expect(p.text).toMatch(/goodput req\/s/);
      expect(p.text).toMatch(/of 50 requests \(\d+\.\d%\) met the SLO time_to_first_token<=31ms/);
      expect(p.marks['ttft-vs-concurrency']).toBe(6 * 3);
      expect(p.strokes['ttft-cdf']).toHaveLength(6);
      expect(p.strokes['itl-positions-mean']).toHaveLength(6);
      expect(p.marks['ttft-over-time-0']).toBe(6);
      expect(Object.keys(p.marks).filter((id) => /^itl-positions-\d+$/.test(id))).toHaveLength(4);
    });
  });

  it('goodput against prompt length (--slo): the fraction per length, the target, the capacity with its interval', async () => {
    await withTempDir(async (dir) => {
      const lengths = [128, 256, 512, 1024, 1536, 2048, 3072, 4096];
      const glob = await sweepFiles(dir, lengths, { experiments: [{ mode: 'concurrency', value: 1, requests: 60 }], ttftPerWord2Ns: 5, jitterNs: 40e6 });
      const html = join(dir, 'goodput.html');
      expect((await spawnCli(['analyze', '--sweep', glob, '--slo', 'time_to_first_token<=253ms', '--html', html])).code).toBe(0);
      const p = await open(html, 'html-goodput');
      expectSound(p, html);
      // One mark per length and the capacity's diamond on the target line.
      expect(p.marks['goodput-vs-length']).toBe(lengths.length + 1);
      expect(p.strokes['goodput-vs-length']).toHaveLength(2);
      expect(p.text).toMatch(/Capacity: the largest length whose fraction reaches 0\.9: [\d,]+ words; 95% bootstrap interval/);
      expect(p.text).toContain('SLO: time_to_first_token<=253ms');
    });
  });

  it('twelve lengths: twelve distinct colours, n per length, per-request dots, gaps by output position', async () => {
    await withTempDir(async (dir) => {
      // Decoding slows with the prompt's length and with the output's: 2 µs a word, 0.1 ms a position.
      const glob = await sweepFiles(dir, Array.from({ length: 12 }, (_, i) => 128 * (i + 1)), { ttftPerWord2Ns: 5, gapPerWordNs: 2000, gapPerResponseNs: 100e3 });
      const html = join(dir, 'twelve.html');
      expect((await spawnCli(['analyze', '--sweep', glob, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-twelve-lengths');
      expectSound(p, html);
      expect(new Set(p.strokes['ttft-cdf-by-length']).size).toBe(12);
      expect(p.marks['ttft-vs-length']).toBe(12);
      expect(p.text.match(/n=40/g)?.length).toBe(12);
      const dots = await (async () => {
        const page = await browser.newPage();
        await page.goto(`file://${html}`);
        const n = await page.locator('svg#ttft-vs-length g.points[data-series="one request"] circle').count();
        await page.close();
        return n;
      })();
      expect(dots).toBe(480);
      expect(new Set(p.strokes['length-positions-mean']).size).toBe(12);
      expect(p.marks['length-positions-mean']).toBe(12);
      expect(Object.keys(p.marks).filter((id) => /^length-positions-\d+$/.test(id)).sort()).toEqual(['length-positions-0', 'length-positions-11', 'length-positions-4', 'length-positions-7']);
      expect(p.text).toContain('Mean, p50 and p99 for 4 of 12 prompt lengths');
    });
  });

  it('compare --html: A and B overlaid, the intervals, the verdict', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      const o: SynthOptions = { ...base, experiments: [{ mode: 'concurrency', value: 1, requests: 200 }] };
      await writeSyntheticExport(a, o);
      await writeSyntheticExport(b, { ...o, ttftBaseNs: 23e6, seed: 2 });
      const html = join(dir, 'compare.html');
      const r = await spawnCli(['compare', a, b, '--fail-if-slower', '5', '--html', html]);
      expect(r.code).toBe(1);
      const p = await open(html, 'html-compare');
      expectSound(p, html);
      expect(p.text).toContain('Gate failed: 1 slower by more than 5%');
      expect(p.marks['diff-0']).toBe(12);
      expect(p.strokes['ttft-cdf-0']).toHaveLength(2);
      expect(p.vertices['t2t-cdf-0']).toBeGreaterThanOrEqual(100);
    });
  });

  it('two files at different loads that differ in more than load: the load charts say so', async () => {
    await withTempDir(async (dir) => {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      await writeSyntheticExport(a, { ...base, experiments: [{ mode: 'concurrency', value: 1, requests: 20 }] });
      await writeSyntheticExport(b, { ...base, experiments: [{ mode: 'concurrency', value: 4, requests: 20 }], promptWords: 64, responses: 8, seed: 3 });
      const html = join(dir, 'mixed.html');
      expect((await spawnCli(['analyze', a, b, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-mixed-load');
      expectSound(p, html);
      expect(p.text).toContain('These levels come from 2 files that differ in more than load (mean prompt words from 64 to 200; mean output responses per request from 8 to 20)');
      // The same load, alike: nothing said.
      await writeSyntheticExport(b, { ...base, experiments: [{ mode: 'concurrency', value: 4, requests: 20 }], seed: 3 });
      expect((await spawnCli(['analyze', a, b, '--html', html])).code).toBe(0);
      expect(readFileSync(html, 'utf8')).not.toContain('differ in more than load');
    });
  });

  it('compare --html of two prefill-only runs: the metrics neither has are named once, not rows of dashes', async () => {
    await withTempDir(async (dir) => {
      const prefill = repoPath('samples', 'real-triton', 'prefill-256.json');
      const html = join(dir, 'compare-prefill.html');
      expect((await spawnCli(['compare', prefill, prefill, '--html', html])).code).toBe(0);
      const p = await open(html, 'html-compare-prefill');
      expectSound(p, html);
      expect(p.text).toContain('In neither A nor B: token-to-token latency, inter-token latency.');
      expect(p.text).not.toMatch(/token-to-token latency\s*(mean|p50|p99)\s*–/);
    });
  });
});
