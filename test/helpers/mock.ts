import { capture, type CaptureConfig } from '../../src/driver/capture.js';
import { type Backend, presetSource } from '../../src/driver/presets.js';
import { DEFAULT_LAW, type LatencyLaw } from '../../src/mock/latency.js';
import { type MockFaults, type RunningMock, startMock } from '../../src/mock/server.js';
import { PromptBuilder } from '../../src/prompts/builder.js';

/** A mock on 127.0.0.1:0 for one test; always closed. */
export async function withMock<T>(fn: (mock: RunningMock) => Promise<T>, law: Partial<LatencyLaw> = {}, faults: Partial<MockFaults> = {}): Promise<T> {
  const mock = await startMock({ port: 0, law: { ...DEFAULT_LAW, prefillBaseMs: 2, prefillPerTokenUs: 10, decodeGapMs: 1, ...law }, faults });
  try {
    return await fn(mock);
  } finally {
    await mock.close();
  }
}

/** A capture config against `mock` with small defaults; override what a test needs. */
export function config(mock: RunningMock, file: string, over: Partial<CaptureConfig> & { backend?: Backend; maxTokens?: number } = {}): CaptureConfig {
  const { backend = 'vllm', maxTokens = 6, ...rest } = over;
  return {
    target: mock.target,
    model: { vllm: 'vllm', 'vllm-legacy': 'vllm_legacy', trtllm: 'ensemble' }[backend],
    makeSource: async () => presetSource(backend, { maxTokens, ignoreEos: true, extraInputs: [], requestParameters: {} }),
    prompts: new PromptBuilder({ unit: 'words', length: 12, seed: 1, salt: true }, null),
    promptUnit: 'words',
    tokenizer: null,
    levels: [{ mode: 'concurrency', value: 2 }],
    arrival: 'constant',
    warmup: 0,
    requestCount: 8,
    windows: { mode: 'count_windows', requestCount: 5, intervalMs: 500, stabilityPercent: 999, maxTrials: 5 },
    exportFile: file,
    timeoutMs: 10_000,
    maxErrors: null,
    graceMs: 1000,
    seed: 1,
    config: {},
    clock: mock.clock,
    ...rest,
  };
}

export { capture };
