/**
 * `--api openai` on the command line: which API a capture speaks, the OpenAI transport built from
 * the options, and `palens mock --api openai`. cli/capture.ts calls these at its three seams
 * (target, transport, mock); everything else about a capture is shared with Triton's.
 */
import { UsageError } from '../errors.js';
import { OpenAITransport } from '../driver/openai/transport.js';
import type { Api } from '../driver/openai/apis.js';
import { type Endpoint, parseExtraBody, parseHeaders } from '../driver/openai/request.js';
import type { LatencyLaw } from '../mock/latency.js';
import { type RunningOpenAIMock, startOpenAIMock } from '../mock/openai/server.js';
import type { TokenCounter } from '../prompts/tokenizer.js';
import type { Clock } from '../records/clock.js';
import type { CliIo } from './io.js';


/** The model palens mock --api openai serves. */
export const OPENAI_MOCK_MODEL = 'palens-mock';

/** --api, or openai when -u names an http:// URL. */
export function apiOf(raw: Record<string, unknown>): Api {
  if (raw.api !== undefined) return raw.api as Api;
  return typeof raw.url === 'string' && /^https?:\/\//i.test(raw.url) ? 'openai' : 'triton';
}

/** The server address when -u is not given. */
export function defaultUrl(api: Api): string {
  return api === 'openai' ? 'http://127.0.0.1:8000' : '127.0.0.1:8001';
}

/** Options that belong to one API only, given with the other: every problem at once. */
export function apiProblems(raw: Record<string, unknown>, api: Api): string[] {
  const issues: string[] = [];
  if (api === 'openai') {
    for (const k of ['backend', 'extra-input', 'request-parameter']) {
      if (raw[k] !== undefined && !(k === 'backend' && raw[k] === 'vllm')) issues.push(`--${k} is for Triton's gRPC API; with --api openai the body is built from --endpoint, --max-tokens, --ignore-eos and --extra-body (or taken from --input-data)`);
    }
  } else {
    for (const k of ['endpoint', 'usage', 'extra-body', 'header']) if (raw[k] !== undefined) issues.push(`--${k} is for --api openai`);
  }
  return issues;
}

/** The transport of an OpenAI capture. Header values go to the server only. */
export function openaiTransport(raw: Record<string, unknown>, target: string, r: { maxTokens: number | null; ignoreEos: boolean; inputData: string | null }, tokenizer: TokenCounter | null, io: CliIo, clock: Clock): OpenAITransport {
  return new OpenAITransport(target, clock, {
    endpoint: (raw.endpoint as Endpoint | undefined) ?? 'chat',
    maxTokens: r.maxTokens,
    ignoreEos: r.ignoreEos,
    usage: (raw.usage as 'final' | 'continuous' | undefined) ?? 'final',
    extraBody: parseExtraBody(raw['extra-body'] as string | undefined),
    headers: parseHeaders((raw.header as string[] | undefined) ?? [], io.env),
    countTokens: tokenizer === null ? null : (t) => tokenizer.count(t),
    inputData: r.inputData,
  });
}

/** What the sidecar's config records of the OpenAI options: header names, never values. */
export function openaiConfig(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    api: 'openai',
    endpoint: (raw.endpoint as string | undefined) ?? 'chat',
    usage: (raw.usage as string | undefined) ?? 'final',
    extra_body: raw['extra-body'] === undefined ? null : parseExtraBody(raw['extra-body'] as string),
    headers: ((raw.header as string[] | undefined) ?? []).map((h) => h.slice(0, Math.max(0, h.indexOf(':'))).trim()),
  };
}

/** --tokens-per-chunk N or MIN-MAX. */
export function tokensPerChunk(spec: unknown): number | [number, number] {
  if (spec === undefined) return 1;
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(spec));
  const a = Number(m?.[1]);
  const b = m?.[2] === undefined ? a : Number(m[2]);
  if (m === null || a < 1 || b < a) throw new UsageError(`--tokens-per-chunk ${String(spec)}: expected N or MIN-MAX with 1 ≤ MIN ≤ MAX`);
  return a === b ? a : [a, b];
}

export function startEmbeddedOpenAIMock(law: LatencyLaw, raw: Record<string, unknown>, o: { countTokens?: (t: string) => number } = {}): Promise<RunningOpenAIMock> {
  return startOpenAIMock({ port: 0, law, tokensPerChunk: tokensPerChunk(raw['tokens-per-chunk']), ...o });
}

export async function openaiMockCommand(raw: Record<string, unknown>, io: CliIo, law: LatencyLaw, countTokens: ((t: string) => number) | null): Promise<void> {
  const mock = await startOpenAIMock({
    port: Number(raw.port ?? 8000),
    law,
    tokensPerChunk: tokensPerChunk(raw['tokens-per-chunk']),
    faults: {
      errorRate: Number(raw['error-rate'] ?? 0),
      rate429: Number(raw['http-429-rate'] ?? 0),
      rate500: Number(raw['http-500-rate'] ?? 0),
      stallMs: Number(raw['stall-ms'] ?? 0),
      stallRate: Number(raw['stall-rate'] ?? 0.1),
      dropConnectionAfter: Number(raw['drop-connection-after'] ?? 0),
    },
    ...(countTokens === null ? {} : { countTokens }),
    ...(raw['truth-log'] === undefined ? {} : { truthLog: String(raw['truth-log']) }),
  });
  io.stdout.write(`palens mock listening on ${mock.target} (OpenAI API; models: ${mock.models.join(', ')}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve());
  });
  await mock.close();
}

