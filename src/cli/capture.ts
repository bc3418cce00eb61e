/**
 * `palens capture`, `palens prefill`, `palens generation` and `palens mock`: the driver and the
 * mock server on the command line.
 */
import { mockOptionProblems } from './mock-options.js';
import { printable } from '../printable.js';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeSweep } from '../pipeline/sweep-analysis.js';
import { type CaptureConfig, type CaptureResult, capture, type LoadLevel } from '../driver/capture.js';
import { type Backend, extraTensor, inputDataSource, parseExtraInput, parseRequestParameter, presetSource, type RequestPlan, type RequestSource } from '../driver/presets.js';
import { EXIT, UsageError } from '../errors.js';
import { DEFAULT_LAW, describeLaw, type LatencyLaw } from '../mock/latency.js';
import { MODEL_NAMES } from '../mock/models.js';
import { type RunningMock, startMock } from '../mock/server.js';
import type { RunningOpenAIMock } from '../mock/openai/server.js';
import { apiOf, apiProblems, defaultUrl, OPENAI_MOCK_MODEL, openaiConfig, openaiMockCommand, openaiTransport, startEmbeddedOpenAIMock } from './openai.js';
import { PromptBuilder } from '../prompts/builder.js';
import { loadTokenizer, type TokenCounter } from '../prompts/tokenizer.js';
import { MonotonicClock } from '../records/clock.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderTable } from '../report/table.js';
import { LiveAnalysis } from '../pipeline/capture-analysis.js';
import { DEFAULT_PERCENTILES } from '../metrics/distribution.js';
import type { Clock } from '../records/clock.js';
import { writeFile } from 'node:fs/promises';
import { applyScale, resolveScale, runSeed } from './capture-scale.js';
import { colorLevel, makeChalk } from './color.js';
import type { CliIo } from './io.js';
import { captureProgress } from './capture-progress.js';
import { timingWarnings } from '../driver/timing-health.js';
import { onExitAtOnce } from './interrupt.js';

/**
 * What an interrupt says while a capture starts (loading, starting the mock, the server's checks):
 * nothing has been sent, and no file is open yet. `file()` is the export being written, or null.
 */
function startupInterrupts(io: CliIo, grace: unknown, file: () => string | null, opened: () => boolean): () => void {
  onExitAtOnce(() => {
    const f = file();
    if (opened() && f !== null) return `palens: exited at once (a second interrupt): ${f} and ${f}.palens.jsonl are readable; the requests still in flight read as in flight`;
    const stale = f !== null && existsSync(f) ? ` (${f} is from an earlier run)` : '';
    return `palens: exited at once (a second interrupt) while starting, before any request was sent: no export was written${stale}`;
  });
  return (): void =>
    void io.stderr.write(
      opened()
        ? `palens: stopping: waiting up to ${String(grace ?? 5000)} ms for the requests in flight (interrupt again to exit at once)\n`
        : 'palens: interrupted while starting: no request will be sent (interrupt again to exit at once)\n',
    );
}

/** Streams that carry open-loop (request-rate) load: split among shards like concurrency. */
const RATE_STREAMS = 8;

/** The model each backend preset finds on the embedded mock. */
const MOCK_MODEL: Record<Backend, string> = { vllm: 'vllm', 'vllm-legacy': 'vllm_legacy', trtllm: 'ensemble' };

function lawFrom(raw: Record<string, unknown>): LatencyLaw {
  const n = (k: string, d: number): number => (raw[k] === undefined ? d : Number(raw[k]));
  return {
    prefillBaseMs: n('prefill-base-ms', DEFAULT_LAW.prefillBaseMs),
    prefillPerTokenUs: n('prefill-per-token-us', DEFAULT_LAW.prefillPerTokenUs),
    prefillQuadraticNs: n('prefill-quadratic-ns', DEFAULT_LAW.prefillQuadraticNs),
    decodeGapMs: n('decode-gap-ms', DEFAULT_LAW.decodeGapMs),
    decodeGrowthNsPerToken: n('decode-growth-ns', DEFAULT_LAW.decodeGrowthNsPerToken),
    batchingUsPerStream: n('batching-us', DEFAULT_LAW.batchingUsPerStream),
    jitterMs: n('jitter-ms', DEFAULT_LAW.jitterMs),
    seed: n('seed', 1),
  };
}

/** The embedded mock's law: a plausible small server, with a little noise. */
const EMBEDDED_LAW: LatencyLaw = { ...DEFAULT_LAW, prefillBaseMs: 15, prefillPerTokenUs: 40, decodeGapMs: 8, decodeGrowthNsPerToken: 500, jitterMs: 0.5 };

function range(spec: string, flag: string, issues: string[]): number[] {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(spec);
  if (m === null) {
    issues.push(`${flag} ${spec}: expected start:end[:step]`);
    return [];
  }
  const [a, b, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
  if (!(s > 0) || b < a) {
    issues.push(`${flag} ${spec}: needs start ≤ end and a step above 0`);
    return [];
  }
  // Counted before the list is made: a range of a hundred million levels is a typo, not a plan.
  if ((b - a) / s + 1 > MAX_LEVELS) {
    issues.push(`${flag} ${spec}: ${Math.floor((b - a) / s + 1)} levels; at most ${MAX_LEVELS}`);
    return [];
  }
  const out: number[] = [];
  for (let v = a; v <= b + 1e-9; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Resolved {
  levels: LoadLevel[];
  requestCount: number | null;
  warmup: number;
  windows: CaptureConfig['windows'];
  promptUnit: 'tokens' | 'words' | null;
  promptLength: number | null;
  tokenizer: string | null;
  backend: Backend;
  inputData: string | null;
  maxTokens: number | null;
  ignoreEos: boolean;
}

/** Request rates palens accepts: one request per 100 s to a million per second. */
const MIN_RATE = 0.01;
const MAX_RATE = 1e6;
/**
 * Upper bounds of the integer options. Each stream, prompt and level is built before anything is
 * sent, so a value far beyond any server's (a stray exponent: --concurrency 1e9) would fill the
 * memory before a request left, with the process deaf to Ctrl-C; it is refused instead.
 */
const MAX_CONCURRENCY = 100_000;
/** Prompts are built whole in memory: a million words is ~6 MB, beyond any model's context. */
const MAX_PROMPT_LENGTH = 1_000_000;
/** TensorRT-LLM's max_tokens is an INT32 tensor. */
const MAX_TOKENS = 2 ** 31 - 1;
/** Timers hold at most 2^31 − 1 ms (24.8 days); a longer one would fire at once. */
const MAX_MS = 2 ** 31 - 1;
const MAX_LEVELS = 1_000;

/** Converts and checks the load options; returns every problem at once. */
export function resolveLoad(raw: Record<string, unknown>, defaults: { maxTokens?: number; ignoreEos?: boolean; lengthFromScenario?: boolean } = {}): Resolved | string[] {
  // prefill and generation measure as the seed did: count windows of 10, any three "stable" (-s 999).
  const seedLike = defaults.lengthFromScenario === true;
  const issues: string[] = [];
  const int = (k: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | null => {
    if (raw[k] === undefined) return null;
    const v = Number(raw[k]);
    if (!Number.isInteger(v) || v < min || v > max) issues.push(`--${k}: expected an integer from ${min} to ${max.toLocaleString('en-US')}, got ${String(raw[k])}`);
    return v;
  };
  const concurrency = int('concurrency', 1, MAX_CONCURRENCY) ?? 1;
  const rate = raw['request-rate'] === undefined ? null : Number(raw['request-rate']);
  if (rate !== null && !(rate > 0)) issues.push(`--request-rate: expected a rate above 0, got ${String(raw['request-rate'])}`);
  const cr = raw['concurrency-range'] === undefined ? null : range(String(raw['concurrency-range']), '--concurrency-range', issues);
  const rr = raw['request-rate-range'] === undefined ? null : range(String(raw['request-rate-range']), '--request-rate-range', issues);
  const loadFlags = [rate !== null, cr !== null, rr !== null].filter(Boolean).length;
  if (loadFlags > 1) issues.push('choose one of --request-rate, --concurrency-range and --request-rate-range');
  if ((rate !== null || rr !== null) && raw.concurrency !== undefined && Number(raw.concurrency) !== 1) issues.push('--concurrency does not go with a request rate');
  let levels: LoadLevel[];
  if (cr !== null && cr.some((v) => v < 1 || v > MAX_CONCURRENCY)) issues.push(`--concurrency-range ${String(raw['concurrency-range'])}: each level from 1 to ${MAX_CONCURRENCY.toLocaleString('en-US')}`);
  if (cr !== null) levels = cr.map((v) => ({ mode: 'concurrency', value: Math.round(v) }));
  else if (rr !== null) levels = rr.map((v) => ({ mode: 'request_rate', value: v }));
  else if (rate !== null) levels = [{ mode: 'request_rate', value: rate }];
  else levels = [{ mode: 'concurrency', value: concurrency }];
  const requestCount = int('request-count', 1);
  const maxTokens = int('max-tokens', 1, MAX_TOKENS) ?? defaults.maxTokens ?? null;
  const windows = {
    mode: (raw['measurement-mode'] as 'count_windows' | 'time_windows' | undefined) ?? (seedLike ? 'count_windows' : 'time_windows'),
    requestCount: int('measurement-request-count', 1) ?? (seedLike ? 10 : 50),
    intervalMs: int('measurement-interval', 1, MAX_MS) ?? 5000,
    stabilityPercent: Number(raw['stability-percentage'] ?? (seedLike ? 999 : 10)),
    maxTrials: int('max-trials', 1) ?? 10,
  };
  if (!(windows.stabilityPercent >= 0)) issues.push('--stability-percentage: expected a percentage ≥ 0');
  const ms = (k: string, min: number, what: string): void => {
    if (raw[k] === undefined) return;
    const v = Number(raw[k]);
    if (!Number.isFinite(v) || v < min || v > MAX_MS || (min === 0 && v === 0 && k === 'timeout')) issues.push(`--${k}: expected ${what}, got ${String(raw[k])}`);
  };
  ms('grace', 0, `milliseconds ≥ 0, at most ${MAX_MS}`);
  ms('timeout', 0, `milliseconds above 0, at most ${MAX_MS}`);
  for (const l of levels) {
    if (l.mode === 'request_rate' && !(l.value >= MIN_RATE && l.value <= MAX_RATE)) issues.push(`request rate ${l.value}: expected ${MIN_RATE} to ${MAX_RATE} requests per second`);
  }
  // The scenarios measure each length on a fresh stream: its first requests pay for the stream's
  // set-up and for code not yet compiled, so two are sent first and left out by default.
  const warmup = int('warmup', 0) ?? (seedLike ? 2 : 0);
  int('max-errors', 0);
  const tokens = int('prompt-tokens', 1, MAX_PROMPT_LENGTH);
  const words = int('prompt-words', 1, MAX_PROMPT_LENGTH);
  const tokenizer = raw.tokenizer === undefined ? null : String(raw.tokenizer);
  const inputData = raw['input-data'] === undefined ? null : String(raw['input-data']);
  if (tokens !== null && words !== null) issues.push('choose --prompt-tokens or --prompt-words');
  if (tokens !== null && tokenizer === null) issues.push('--prompt-tokens needs --tokenizer PATH (a local tokenizer.json)');
  if (inputData !== null && (tokens !== null || words !== null)) issues.push('--input-data brings its own prompts; --prompt-tokens / --prompt-words do not go with it');
  if (!defaults.lengthFromScenario && inputData === null && tokens === null && words === null) issues.push('give --prompt-words N, --prompt-tokens N with --tokenizer, or --input-data FILE');
  if (issues.length > 0) return issues;
  return {
    levels,
    requestCount,
    warmup,
    windows,
    promptUnit: tokens !== null ? 'tokens' : words !== null ? 'words' : null,
    promptLength: tokens ?? words,
    tokenizer,
    backend: raw.backend as Backend,
    inputData,
    maxTokens,
    ignoreEos: raw['ignore-eos'] === undefined ? (defaults.ignoreEos ?? false) : Boolean(raw['ignore-eos']),
  };
}

/** Triton's gRPC HOST:PORT from -u: a host alone gets Triton's gRPC port 8001, and says so. */
export function tritonTarget(url: unknown, io: CliIo): string {
  if (url === undefined) return '127.0.0.1:8001';
  const u = String(url).trim();
  if (u === '') throw new UsageError("-u '': expected the server's gRPC address, HOST:PORT (e.g. 127.0.0.1:8001)");
  const m = /^(\[[^\]]+\]|[^:/\s]+)(?::(\d+))?$/.exec(u);
  if (m === null) throw new UsageError(`-u ${u}: expected HOST:PORT for Triton's gRPC API (an OpenAI-compatible server: http://HOST:PORT)`);
  if (m[2] === undefined) {
    io.stderr.write(`palens: -u ${printable(u)} names no port: using ${printable(u)}:8001, Triton's gRPC port\n`);
    return `${u}:8001`;
  }
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`-u ${u}: the port must be 1–65535`);
  return u;
}

/**
 * The server, or the embedded mock (--mock). The mock counts prompt tokens with --tokenizer when one
 * is given, as a real server counts with its own: else its TTFT and usage.prompt_tokens would be
 * by words while palens's prompt lengths are in tokens.
 */
async function withTarget<T>(raw: Record<string, unknown>, io: CliIo, backend: Backend, fn: (target: string, model: string) => Promise<T>, tokenizer: TokenCounter | null = null): Promise<T> {
  let mock: RunningMock | RunningOpenAIMock | null = null;
  const api = apiOf(raw);
  const problems = apiProblems(raw, api);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  try {
    let target = api === 'triton' && !raw.mock ? tritonTarget(raw.url, io) : String(raw.url ?? defaultUrl(api));
    let model = raw.model === undefined ? null : String(raw.model);
    if (raw.mock) {
      const counting = tokenizer === null ? {} : { countTokens: (t: string) => tokenizer.count(t) };
      mock = api === 'openai' ? await startEmbeddedOpenAIMock(EMBEDDED_LAW, raw, counting) : await startMock({ port: 0, law: EMBEDDED_LAW, ...counting });
      target = mock.target;
      io.stderr.write(`palens: --mock: the embedded palens mock on ${target}, latency law ${describeLaw(EMBEDDED_LAW)}\n`);
      model ??= api === 'openai' ? OPENAI_MOCK_MODEL : MOCK_MODEL[backend];
    }
    if (model === null) throw new UsageError('name the model with -m MODEL (or use --mock)');
    return await fn(target, model);
  } finally {
    await mock?.close();
  }
}

function buildConfig(raw: Record<string, unknown>, r: Resolved, target: string, model: string, exportFile: string, tokenizer: TokenCounter | null, io: CliIo, prompt: { unit: 'tokens' | 'words'; length: number } | null): CaptureConfig {
  const extras = ((raw['extra-input'] as string[] | undefined) ?? []).map(parseExtraInput);
  const parameters: RequestPlan['parameters'] = Object.fromEntries(((raw['request-parameter'] as string[] | undefined) ?? []).map(parseRequestParameter));
  const seed = Number(raw.seed ?? 1);
  const clock = new MonotonicClock();
  const openai = apiOf(raw) === 'openai';
  return {
    ...(openai ? { transport: openaiTransport(raw, target, r, tokenizer, io, clock) } : {}),
    target,
    model,
    makeSource: async (info): Promise<RequestSource> => {
      const o = { maxTokens: r.maxTokens, ignoreEos: r.ignoreEos, extraInputs: extras.map((e) => extraTensor(info, e)), requestParameters: parameters };
      return r.inputData !== null ? inputDataSource(r.inputData, o) : presetSource(r.backend, o);
    },
    prompts: prompt === null ? null : new PromptBuilder({ unit: prompt.unit, length: prompt.length, seed, salt: raw.salt !== false }, tokenizer),
    promptUnit: prompt?.unit ?? null,
    tokenizer: tokenizer?.path ?? null,
    levels: r.levels,
    arrival: raw.arrival as 'constant' | 'poisson',
    warmup: r.warmup,
    requestCount: r.requestCount,
    windows: r.windows,
    exportFile,
    timeoutMs: Number(raw.timeout ?? 600_000),
    maxErrors: raw['max-errors'] === undefined ? null : Number(raw['max-errors']),
    graceMs: Number(raw.grace ?? 5000),
    seed,
    config: {
      target,
      model,
      ...(openai ? openaiConfig(raw) : { api: 'triton' }),
      backend: openai ? null : r.inputData === null ? r.backend : null,
      input_data: r.inputData,
      max_tokens: r.maxTokens,
      ignore_eos: r.ignoreEos,
      levels: r.levels,
      arrival: raw.arrival,
      warmup: r.warmup,
      request_count: r.requestCount,
      windows: r.windows,
      prompt,
      salt: raw.salt !== false,
      seed,
    },
    clock,
    ...(io.signal ? { signal: io.signal } : {}),
  };
}

/** A server's error text, at most this many characters (a 5 MB error page is not a message). */
const ERROR_CHARS = 500;
const clip = (t: string): string => (t.length > ERROR_CHARS ? `${t.slice(0, ERROR_CHARS)}… (${t.length.toLocaleString('en-US')} characters)` : t);
const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

function describeResult(res: CaptureResult, io: CliIo, prefix = '', embeddedMock = false, promptUnit: 'tokens' | 'words' | null = null): void {
  for (const l of res.levels) {
    const bad = Object.entries(l.statuses).filter(([k, v]) => k !== 'ok' && v > 0);
    const lag = l.scheduleLagNs === null ? '' : ` · schedule lag p50 ${((l.scheduleLagNs.p50 ?? 0) / 1e6).toFixed(3)} ms, p99 ${((l.scheduleLagNs.p99 ?? 0) / 1e6).toFixed(3)} ms`;
    const intended =
      l.ttftFromIntendedMeanNs === null ? '' : ` · mean TTFT ${((l.ttftFromSendMeanNs ?? 0) / 1e6).toFixed(3)} ms from send, ${(l.ttftFromIntendedMeanNs / 1e6).toFixed(3)} ms from intended send`;
    const stability = l.stable === null ? '' : l.stable ? ` · stable after ${l.windows} windows` : ` · not stable after ${l.windows} windows`;
    const p = l.promptTokens;
    const range = p === null || p.min_difference === null ? '' : p.min_difference === p.max_difference ? signed(p.min_difference) : `${signed(p.min_difference)} to ${signed(p.max_difference!)}`;
    const counted = p !== null && p.differing > 0 ? ` · ${p.differing} of ${p.compared} prompts counted differently by the server (usage.prompt_tokens ${range} tokens)` : '';
    io.stderr.write(
      `palens: ${prefix}${l.mode.replace('_', ' ')} ${l.value}: ${l.requests} requests, ${l.statuses.ok} ok${bad.map(([k, v]) => `, ${v} ${k.replace('_', ' ')}`).join('')}${counted}${stability}${lag}${intended}\n`,
    );
  }
  // An OpenAI server's prompt count is compared only with a length palens knows in tokens.
  if (promptUnit === 'words' && res.levels.length > 0 && res.levels.every((l) => l.promptTokens !== null && l.promptTokens.compared === 0)) {
    io.stderr.write("palens: prompt lengths are in words (no --tokenizer): the server's usage.prompt_tokens is kept per request in the sidecar, not compared\n");
  }
  io.stderr.write(`palens: wrote ${printable(res.exportFile)} and ${printable(res.sidecarFile)}${res.interrupted ? ' (interrupted)' : ''}\n`);
  if (res.interrupted && res.levels.every((l) => l.requests === 0)) {
    io.stderr.write('palens: interrupted before any request was sent: the export holds no request, its sidecar says it was interrupted\n');
  }
  // The embedded mock schedules its responses in this process (spinning for the last ms before each), so it takes loop time too.
  const where = embeddedMock ? ' (--mock runs the mock in this process; `palens mock` in a process of its own leaves the client its loop)' : '';
  for (const w of timingWarnings(res.timingHealth)) io.stderr.write(`palens: warning: ${w}${where}\n`);
  for (const n of res.notes) io.stderr.write(`palens: warning: ${n}\n`);
  if (res.stoppedReason) {
    io.stderr.write(`palens: stopped early: ${printable(res.stoppedReason)}\n`);
    // The server's text: escaped (it must not drive the terminal or forge a line) and cut to a line's worth.
    if (res.firstError !== null) io.stderr.write(`palens: the first failure said: ${printable(clip(res.firstError))}\n`);
  }
}

/**
 * `palens capture`: the capture, then on stdout exactly what `palens analyze EXPORT` prints for the
 * export it wrote (table or --format json), computed from the live records by the same metrics
 * (pipeline/capture-analysis.ts). With several load levels, each level's table goes to stderr as
 * the level ends.
 */
export async function captureCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const r = resolveLoad(raw);
  if (Array.isArray(r)) throw new UsageError(r.join('; '));
  const tokenizer = r.tokenizer === null ? null : await loadTokenizer(r.tokenizer);
  const prompt = r.promptUnit === null ? null : { unit: r.promptUnit, length: r.promptLength! };
  const file = String(raw['profile-export-file']);
  const format = (raw.format as 'table' | 'json' | undefined) ?? 'table';
  const chalk = makeChalk(colorLevel(raw.color as boolean | undefined, io.env, io.stdoutIsTTY));
  const live = new LiveAnalysis({ percentiles: DEFAULT_PERCENTILES, keepEmptyResponses: false });
  const seed = Number(raw.seed ?? 1);
  const scale = resolveScale(raw, { levels: r.levels, requestCount: r.requestCount, warmup: r.warmup, windowRequests: r.windows.requestCount, rateStreams: RATE_STREAMS, seed });
  const count = scale.plan === null ? r.requestCount : scale.plan.requestCount;
  const bar = await captureProgress(io, 1, count === null ? null : count * r.levels.length);
  let opened = false;
  const stopping = startupInterrupts(io, raw.grace, () => file, () => opened);
  io.signal?.addEventListener('abort', stopping, { once: true });
  // Interrupted while palens was loading: said now, as the listener will never fire.
  if (io.signal?.aborted) stopping();
  let res: CaptureResult;
  let clock: Clock | null = null;
  let kind: { serviceKind: string; endpoint: string } | undefined;
  try {
    res = await withTarget(raw, io, r.backend, (target, model) => {
      const built = buildConfig({ ...raw, seed: runSeed(scale, seed) }, r, target, model, file, tokenizer, io, prompt);
      const cfg = applyScale({ ...built, rateStreams: RATE_STREAMS }, scale, seed);
      clock = cfg.clock;
      kind = cfg.transport?.exportKind;
      cfg.onProgress = (p) => bar.update('capture', 0, p);
      cfg.onFilesOpen = () => (opened = true);
      cfg.sinks = [live];
      if (r.levels.length > 1 && format === 'table') {
        cfg.sinks.push({
          experimentStart: () => undefined,
          sent: () => undefined,
          record: () => undefined,
          experimentEnd: (info) => {
            const a = live.analysis(file, 0, (ns) => cfg.clock.epochNs(ns), kind);
            io.stderr.write(renderTable({ ...a, inputs: [], experiments: a.experiments.filter((e) => e.index === info.index), warnings: [] }, chalk));
          },
          end: () => undefined,
        });
      }
      return capture(cfg);
    }, tokenizer);
  } finally {
    bar.stop();
    io.signal?.removeEventListener('abort', stopping);
  }
  describeResult(res, io, '', Boolean(raw.mock), prompt?.unit ?? null);
  const c = clock as Clock | null;
  if (c !== null) {
    const analysis = live.analysis(file, statSync(file).size, (ns) => c.epochNs(ns), kind);
    io.stdout.write(format === 'json' ? renderJson(analysis) : renderTable(analysis, chalk, io.stdoutColumns ?? Infinity));
  }
  if (res.interrupted) return EXIT.interrupted;
  if (res.stoppedReason !== null) return EXIT.invalid;
  // Too few requests for the stop rule (its first 5), all failed: a capture of nothing is no success.
  const ended = res.levels.reduce((n, l) => n + l.requests, 0);
  if (ended > 0 && res.levels.every((l) => l.statuses.ok === 0)) {
    io.stderr.write(`palens: no request succeeded (${ended} failed)\n`);
    if (res.firstError !== null) io.stderr.write(`palens: the first failure said: ${printable(clip(res.firstError))}\n`);
    return EXIT.invalid;
  }
  return EXIT.ok;
}

export async function scenarioCommand(name: 'prefill' | 'generation', raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const r = resolveLoad(raw, { maxTokens: name === 'prefill' ? 1 : 256, ignoreEos: name === 'generation', lengthFromScenario: true });
  if (Array.isArray(r)) throw new UsageError(r.join('; '));
  const lengths = String(raw.lengths)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (lengths.length === 0 || lengths.some((l) => !Number.isInteger(l) || l < 1 || l > MAX_PROMPT_LENGTH)) throw new UsageError(`--lengths ${String(raw.lengths)}: expected comma-separated integers from 1 to ${MAX_PROMPT_LENGTH.toLocaleString('en-US')}`);
  if (r.inputData !== null) throw new UsageError(`--input-data does not go with ${name}: it makes prompts of each length itself`);
  const tokenizer = r.tokenizer === null ? null : await loadTokenizer(r.tokenizer);
  const unit: 'tokens' | 'words' = tokenizer === null ? 'words' : 'tokens';
  const results = String(raw.results);
  await mkdir(results, { recursive: true });
  const files: string[] = [];
  let interrupted = false;
  const bar = await captureProgress(io, lengths.length, r.requestCount === null ? null : r.requestCount * r.levels.length * lengths.length);
  let current: string | null = null;
  let opened = false;
  const stopping = startupInterrupts(io, raw.grace, () => current, () => opened);
  io.signal?.addEventListener('abort', stopping, { once: true });
  if (io.signal?.aborted) stopping();
  try {
    await withTarget(raw, io, r.backend, async (target, model) => {
      for (const [i, length] of lengths.entries()) {
        if (interrupted) break;
        const file = join(results, `${name}-${length}.json`);
        const cfg = buildConfig(raw, r, target, model, file, tokenizer, io, { unit, length });
        current = file;
        opened = false;
        cfg.onFilesOpen = () => (opened = true);
        const label = `${name} ${length} ${unit}`;
        cfg.onProgress = (p) => bar.update(label, i, p);
        const res = await capture(cfg);
        bar.update(label, i + 1, { level: 0, levels: 1, sent: 0, done: 0, errors: 0, phase: 'drain' });
        describeResult(res, io, `${name} · length ${i + 1}/${lengths.length} (${length} ${unit}) · `, Boolean(raw.mock), unit);
        files.push(file);
        interrupted = res.interrupted;
      }
    }, tokenizer);
  } finally {
    bar.stop();
    io.signal?.removeEventListener('abort', stopping);
  }
  const analysis = await analyzeSweep(files, { percentiles: [50, 90, 99], keepEmptyResponses: false, lengthBy: 'meta', threads: 1, figures: raw.html !== false });
  io.stdout.write(renderTable(analysis, makeChalk(colorLevel(raw.color as boolean | undefined, io.env, io.stdoutIsTTY))));
  if (raw.html !== false) {
    const report = join(results, `${name}-report.html`);
    await writeFile(report, renderHtml(analysis, { captures: new Set(files) }));
    io.stderr.write(`palens: wrote ${printable(report)}\n`);
  }
  return interrupted ? EXIT.interrupted : EXIT.ok;
}

export async function mockCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const problems = mockOptionProblems(raw);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const tokenizer = raw.tokenizer === undefined ? null : await loadTokenizer(String(raw.tokenizer));
  if (raw.api === 'openai') {
    await openaiMockCommand(raw, io, lawFrom(raw), tokenizer === null ? null : (t) => tokenizer.count(t));
    return EXIT.ok;
  }
  const mock = await startMock({
    port: Number(raw.port),
    law: lawFrom(raw),
    faults: {
      errorRate: Number(raw['error-rate'] ?? 0),
      stallMs: Number(raw['stall-ms'] ?? 0),
      stallRate: Number(raw['stall-rate'] ?? 0.1),
      dropConnectionAfter: Number(raw['drop-connection-after'] ?? 0),
    },
    ...(tokenizer === null ? {} : { countTokens: (t: string) => tokenizer.count(t) }),
    ...(raw['truth-log'] === undefined ? {} : { truthLog: String(raw['truth-log']) }),
  });
  io.stdout.write(`palens mock listening on ${mock.target} (models: ${MODEL_NAMES.join(', ')}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve());
  });
  await mock.close();
  return EXIT.ok;
}
