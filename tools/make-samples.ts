/**
 * Writes the bundled sample exports (see samples/README.md). Deterministic: the same seed gives
 * the same bytes. Usage: node dist/tools/make-samples.js [dir]
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSyntheticExport, type SynthOptions } from './synth.js';

const dir = process.argv[2] ?? 'samples';

const common = {
  ttftBaseNs: 18_000_000,
  ttftPerWordNs: 45_000,
  gapNs: 9_500_000,
  jitterNs: 1_500_000,
} as const;

const samples: Record<string, SynthOptions> = {
  'vllm-concurrency-sweep.json': {
    ...common,
    flavor: 'vllm',
    experiments: [
      { mode: 'concurrency', value: 1, requests: 20 },
      { mode: 'concurrency', value: 2, requests: 20 },
      { mode: 'concurrency', value: 4, requests: 20 },
    ],
    responses: 32,
    promptWords: 200,
    emptyFinal: false,
    seed: 1,
  },
  'vllm-legacy-empty-finals.json': {
    ...common,
    flavor: 'vllm-legacy',
    experiments: [{ mode: 'concurrency', value: 1, requests: 10 }],
    responses: 16,
    promptWords: 5,
    emptyFinal: true,
    seed: 2,
  },
  'pa-2023-format.json': {
    ...common,
    flavor: 'pa-2023',
    experiments: [{ mode: 'concurrency', value: 1, requests: 10 }],
    responses: 64,
    promptWords: 5,
    emptyFinal: false,
    seed: 3,
    version: '2.39.0',
  },
  'openai-chat.json': {
    ...common,
    flavor: 'openai',
    experiments: [{ mode: 'request_rate', value: 2.5, requests: 12 }],
    responses: 24,
    promptWords: 120,
    emptyFinal: true,
    failEvery: 6,
    seed: 4,
  },
};

await mkdir(dir, { recursive: true });
for (const [name, options] of Object.entries(samples)) {
  const bytes = await writeSyntheticExport(join(dir, name), options);
  process.stdout.write(`${join(dir, name)}: ${bytes} bytes\n`);
}
