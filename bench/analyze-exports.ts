/**
 * The synthetic exports bench/analyze measures (`analyze-170mb.json`, `analyze-1200mb.json` in
 * bench/out/), defined once: bench/html reuses the same files by name, so their options must not
 * drift apart.
 */
import type { SynthOptions } from '../tools/synth.js';

/** A vLLM-style export of `requests` requests × 1000 responses, prompts of 100 words. */
export function analyzeExportOptions(requests: number): SynthOptions {
  return {
    flavor: 'vllm',
    experiments: [{ mode: 'concurrency', value: 1, requests }],
    responses: 1000,
    promptWords: 100,
    ttftBaseNs: 20e6,
    ttftPerWordNs: 50e3,
    gapNs: 10e6,
    jitterNs: 2e6,
    emptyFinal: false,
    seed: 1,
  };
}

/** Requests in the ~170 MB and ~1.2 GB exports. */
export const ANALYZE_170MB_REQUESTS = 4000;
export const ANALYZE_1200MB_REQUESTS = 28000;

/** Many small experiments: memory per experiment, not per byte (`analyze-10k-experiments.json`, test/e2e/hostile-memory). */
export function manyExperimentsOptions(experiments: number): SynthOptions {
  return {
    flavor: 'vllm-legacy',
    experiments: Array.from({ length: experiments }, (_, i) => ({ mode: 'concurrency' as const, value: i + 1, requests: 1 })),
    responses: 16,
    promptWords: 20,
    ttftBaseNs: 20e6,
    ttftPerWordNs: 1e4,
    gapNs: 9e6,
    jitterNs: 1e6,
    emptyFinal: true,
    seed: 1,
  };
}
