/**
 * What palens prints on a terminal reads right: one-line usage errors that name the flag and the
 * command's help, tables that fit the terminal's width, no Python "None", no dashes for an empty
 * experiment, messages that name what the file really is (an OpenAI stream's content-less events,
 * AIPerf's summary, a folder), a poor fit flagged, a sweep of nothing failing.
 */
import { describe, expect, test } from '@jest/globals';
import { expectExit, runCli } from '../helpers/cli.js';
import { unreachableReason } from '../../src/driver/triton-transport.js';
import { fixture } from '../helpers/paths.js';

describe('usage errors', () => {
  test('a value not among the choices: one line naming the flag and the choices, and the command\'s help', async () => {
    const r = await runCli(['analyze', 'samples/openai-chat.json', '-f', 'xml']);
    expectExit(r, 2);
    expect(r.stderr).toBe('palens: usage: --format: expected one of "table", "json", "csv", got "xml"\n  see: palens analyze --help · exit codes: docs/ERRORS.md\n');
  });

  test('capture without -f says -f, and points to capture --help', async () => {
    const r = await runCli(['capture', '--mock', '--prompt-words', '3']);
    expectExit(r, 2);
    expect(r.stderr).toContain('palens: usage: missing -f / --profile-export-file FILE (where the export is written)\n');
    expect(r.stderr).toContain('see: palens capture --help');
  });

  test('a folder: the quoted glob that names its files is the hint', async () => {
    const r = await runCli(['analyze', '--sweep', 'samples/real-triton']);
    expectExit(r, 2);
    expect(r.stderr).toContain("hint: name its files with a quoted glob: palens analyze --sweep 'samples/real-triton/*.json'");
  });

  test("AIPerf's summary picked by a glob: named as such, with the records file to read", async () => {
    const r = await runCli(['analyze', 'samples/peers/aiperf-isl64/*']);
    expectExit(r, 2);
    expect(r.stderr).toContain("samples/peers/aiperf-isl64/profile_export_aiperf.json is AIPerf's summary");
    expect(r.stderr).toContain('hint: read AIPerf\'s per-request records beside it: samples/peers/aiperf-isl64/profile_export.jsonl');
  });

  test("grpc-js's unreachable-server text without its empty resolution note", () => {
    expect(unreachableReason('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: ')).toBe(
      'No connection established. last error: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(unreachableReason('ServerLive: 4 DEADLINE_EXCEEDED: Deadline exceeded after 5.004s,name resolution: 0.157s')).toBe('no answer within 5.004s');
  });
});

describe('tables', () => {
  test('a terminal 80 columns wide: every line of the metric table fits; a file or pipe gets one block', async () => {
    const narrow = await runCli(['analyze', 'samples/openai-chat.json'], { columns: 80 });
    const table = (out: string) => out.split('\n').filter((l) => /^ {2}(count|mean|p50|max) /.test(l));
    for (const line of table(narrow.stdout)) expect(line.length).toBeLessThanOrEqual(80);
    expect(table(narrow.stdout).filter((l) => l.startsWith('  count'))).toHaveLength(2);
    const wide = await runCli(['analyze', 'samples/openai-chat.json']);
    expect(table(wide.stdout).filter((l) => l.startsWith('  count'))).toHaveLength(1);
    expect(Math.max(...table(wide.stdout).map((l) => l.length))).toBeGreaterThan(80);
  });

  test('an experiment without requests: one line saying so, no throughput or rows of dashes', async () => {
    const r = await runCli(['analyze', fixture('valid/empty-requests.json')]);
    expectExit(r, 0);
    expect(r.stdout).toContain('no request completed (the experiment has none)');
    expect(r.stdout).not.toMatch(/^ {2}throughput/m);
    expect(r.stdout).not.toMatch(/^ {2}mean/m);
    // An export without requests has no outputs to miss.
    expect(r.stdout).not.toContain('no response_outputs');
  });

  test('GuideLLM keeps no gaps: the seed\'s average line says none, and why, never Python\'s None', async () => {
    const r = await runCli(['analyze', 'samples/peers/guidellm-concurrent2/benchmarks.json']);
    expect(r.stdout).toContain('Average token-to-token latency: none (no request has two timed responses)');
    expect(r.stdout).not.toContain('None');
  });

  test("an OpenAI export's empty responses are named as SSE events, not decoupled models' finals", async () => {
    const doc = JSON.parse((await runCli(['analyze', 'samples/openai-chat.json', '-f', 'json'])).stdout);
    expect(doc.warnings).toContainEqual(expect.stringContaining('10 empty responses dropped (SSE events without content'));
    expect(doc.warnings.join('\n')).not.toContain('decoupled');
  });
});

describe('sweeps', () => {
  test('no request with a known length: the output, then exit 1 with one line', async () => {
    const r = await runCli(['analyze', '--sweep', 'samples/pa-2023-format.json', '--length-by', 'words']);
    expectExit(r, 1);
    expect(r.stderr).toBe('palens: invalid input: no request has a known prompt length (length by words): nothing was swept\n');
  });
});

describe('fit lines', () => {
  test('a TTFT fit with a low R² is flagged beside its prefill rate; a good one is not', async () => {
    const { fitLines } = await import('../../src/report/sweep-text.js');
    const fit = (r2: number) =>
      fitLines({
        unit: 'tokens',
        fits: { time_to_first_token: { intercept_ns: 1e6, slope_ns_per_unit: 49_360, r2, residual_std_ns: 2e6, prefill_units_per_s: 20_259, quadratic: null, quadratic_preferred: false }, token_to_token_latency: null },
      } as never);
    expect(fit(0.2865)).toContainEqual('caution: R² 0.2865: TTFT is far from a line in prompt length here (noise, or lengths too few or too close), so the slope and the prefill rate mean little');
    expect(fit(0.99).some((l) => l.startsWith('caution'))).toBe(false);
  });
});

describe('--help', () => {
  test('names both APIs, the exit codes, and describes every mock option', async () => {
    const top = (await runCli(['--help'])).stdout;
    expect(top).toContain('OpenAI-compatible');
    expect(top).toContain('docs/ERRORS.md');
    expect(top).not.toContain("the seed's");
    const mock = (await runCli(['mock', '--help'])).stdout;
    for (const flag of ['--prefill-per-token-us', '--prefill-quadratic-ns', '--seed']) {
      const line = mock.split('\n').find((l) => l.trimStart().startsWith(flag))!;
      // A described option has text between its name and yargs's [type] column.
      expect(line.replace(flag, '').replace(/\[.*$/, '').trim().length).toBeGreaterThan(0);
    }
    // yargs wraps the descriptions: compared with their line breaks as spaces.
    const flat = async (args: string[]) => (await runCli(args)).stdout.replace(/\s+/g, ' ');
    expect(await flat(['capture', '--help'])).toContain("analyze's -f is --format");
    expect(await flat(['analyze', '--help'])).toContain('AIPerf profile_export.jsonl');
  });
});

describe('test helpers', () => {
  test("a wrong exit code's assertion message carries the CLI's stderr", () => {
    expect(() => expectExit({ code: 1, stdout: '', stderr: 'palens: server: cannot reach it' }, 0)).toThrow(/palens: server: cannot reach it/);
    expectExit({ code: 0, stdout: '', stderr: 'anything' }, 0);
  });
});

describe('OpenAI exports', () => {
  test('the table says token-to-token gaps are between streamed events', async () => {
    const r = await runCli(['analyze', 'samples/openai-chat.json']);
    expect(r.stdout).toContain('(OpenAI: token-to-token latency is between streamed events, each of which may carry several tokens');
    expect((await runCli(['analyze', 'samples/vllm-legacy-empty-finals.json'])).stdout).not.toContain('OpenAI:');
  });
});

describe('compare, as text', () => {
  test('a labelled, aligned table per group: titles as analyze names them, ms and % in their own columns, no rows of dashes', async () => {
    const r = await runCli(['compare', 'samples/real-triton/prefill-64.json', 'samples/real-triton/prefill-128.json', '--allow-mismatch']);
    expectExit(r, 0);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.includes('95% interval'))!;
    expect(header).toMatch(/A\s+B\s+B − A\s+change\s+95% interval$/);
    const rows = lines.filter((l) => /^ {2}\S.* (mean|p50|p99) /.test(l) || /^ {20,}(mean|p50|p99) /.test(l));
    expect(rows).toHaveLength(6);
    // Aligned: every row ends where the header does.
    for (const row of rows) expect(row.length).toBe(header.length);
    expect(r.stdout).toContain('  time to first token  mean');
    expect(r.stdout).not.toContain('time_to_first_token');
    expect(r.stdout).not.toContain('– → –');
    expect(r.stdout).toContain('(token-to-token latency, inter-token latency: no data on either side)');
  });
});
