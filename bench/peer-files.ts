/**
 * Peer tools' result files of a chosen size for bench/analyze, grown from the real samples in
 * samples/peers/ (and, for vLLM, from the documented-format sample): the same requests repeated, so
 * every byte is in the shape the tool writes. Written once into bench/out/ and reused.
 *
 * - AIPerf profile_export.jsonl: the sample's profiling lines, each round's start times one second
 *   later (the digits stay 19 long and exact).
 * - GuideLLM benchmarks.json: one benchmark whose `requests.successful` is the sample's requests
 *   repeated, its request totals set to match.
 * - vLLM bench --save-detailed JSON: one result whose per-request columns are the sample's repeated.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../test/helpers/paths.js';

export type PeerFormat = 'aiperf' | 'guidellm' | 'vllm';

async function write(file: string, parts: () => Iterable<string>): Promise<void> {
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  for (const p of parts()) if (!out.write(p)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  // A run stopped half-way leaves no file that looks finished.
  const { rename } = await import('node:fs/promises');
  await rename(partial, file);
}

function aiperfParts(sizeMb: number): () => Iterable<string> {
  const lines = readFileSync(repoPath('samples', 'peers', 'aiperf-isl256', 'profile_export.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"benchmark_phase":"profiling"'));
  const bytes = lines.reduce((n, l) => n + l.length + 1, 0);
  const rounds = Math.ceil((sizeMb * 1e6) / bytes);
  return function* () {
    for (let r = 0; r < rounds; r++) {
      for (const l of lines) yield l.replace(/"request_start_ns":(\d+)/, (_m, d: string) => `"request_start_ns":${BigInt(d) + BigInt(r) * 1_000_000_000n}`) + '\n';
    }
  };
}

function guidellmParts(sizeMb: number): () => Iterable<string> {
  const doc = JSON.parse(readFileSync(repoPath('samples', 'peers', 'guidellm-concurrent2', 'benchmarks.json'), 'utf8'));
  const b = doc.benchmarks[0];
  const reqs: string[] = b.requests.successful.map((r: unknown) => JSON.stringify(r));
  const per = reqs.reduce((n, r) => n + r.length + 1, 0);
  const rounds = Math.ceil((sizeMb * 1e6) / per);
  const total = rounds * reqs.length;
  b.metrics.request_totals.successful = total;
  b.metrics.request_totals.total = total;
  const head = JSON.stringify({ ...doc, benchmarks: [{ ...b, requests: { successful: '@@' } }] });
  const [before, after] = head.split('"@@"') as [string, string];
  return function* () {
    yield before + '[';
    for (let r = 0; r < rounds; r++) for (let i = 0; i < reqs.length; i++) yield (r === 0 && i === 0 ? '' : ',') + reqs[i]!;
    yield ']' + after;
  };
}

const VLLM_COLUMNS = ['input_lens', 'output_lens', 'ttfts', 'itls', 'latencies', 'start_times', 'generated_texts', 'errors'] as const;

function vllmParts(sizeMb: number): () => Iterable<string> {
  const doc = JSON.parse(readFileSync(repoPath('samples', 'peers', 'vllm-bench-documented-format', 'vllm-result.json'), 'utf8')) as Record<string, unknown>;
  const n = (doc.ttfts as unknown[]).length;
  const per = VLLM_COLUMNS.reduce((s, c) => s + JSON.stringify(doc[c]).length, 0);
  const rounds = Math.ceil((sizeMb * 1e6) / per);
  const settings = Object.fromEntries(Object.entries(doc).filter(([k]) => !(VLLM_COLUMNS as readonly string[]).includes(k)));
  settings.num_prompts = rounds * n;
  const head = JSON.stringify(settings);
  return function* () {
    yield head.slice(0, -1);
    for (const c of VLLM_COLUMNS) {
      const values = (doc[c] as unknown[]).map((v) => JSON.stringify(v));
      const span = c === 'start_times' ? (doc[c] as number[])[n - 1]! - (doc[c] as number[])[0]! + 0.01 : 0;
      yield `, ${JSON.stringify(c)}: [`;
      for (let r = 0; r < rounds; r++) {
        // Later rounds start later, as one long run's perf_counter stamps would.
        const row = c === 'start_times' ? (doc[c] as number[]).map((t) => String(t + r * span)) : values;
        yield (r === 0 ? '' : ', ') + row.join(', ');
      }
      yield ']';
    }
    yield '}';
  };
}

/** The file of `format` of about `sizeMb` MB, generated into `dir` when absent. */
export async function peerFile(format: PeerFormat, sizeMb: number, dir: string): Promise<string> {
  const name = { aiperf: `aiperf-${sizeMb}mb.jsonl`, guidellm: `guidellm-${sizeMb}mb.json`, vllm: `vllm-${sizeMb}mb.json` }[format];
  const file = join(dir, name);
  if (existsSync(file)) return file;
  process.stderr.write(`generating ${file}…\n`);
  await write(file, format === 'aiperf' ? aiperfParts(sizeMb) : format === 'guidellm' ? guidellmParts(sizeMb) : vllmParts(sizeMb));
  return file;
}

/**
 * Each format's readers other than palens, as Python programs that load the file and print the
 * request count and mean TTFT (the least every reader must do). `python` says which interpreter: a
 * tool's own venv (test/real/setup-peers.sh) for its own loader, the system python3 otherwise.
 */
export interface PeerLoader {
  name: string;
  python: string;
  /** A module the program imports; the row is left out when it is not importable. */
  needs: string | null;
  code: string;
}

const AIPERF_PY = repoPath('.cache', 'real', 'peers-aiperf-venv', 'bin', 'python');
const GUIDELLM_PY = repoPath('.cache', 'real', 'peers-guidellm-venv', 'bin', 'python');

export const PEER_LOADERS: Record<PeerFormat, PeerLoader[]> = {
  aiperf: [
    {
      name: 'Python json, line by line',
      python: 'python3',
      needs: null,
      code: 'import json,sys\nrs=[json.loads(l) for l in open(sys.argv[1])]\nt=[r["metrics"]["time_to_first_token"]["value"] for r in rs]\nprint(len(t), sum(t)/len(t))',
    },
    {
      name: 'pandas read_json(lines=True)',
      python: AIPERF_PY,
      needs: 'pandas',
      code: 'import sys,pandas as pd\nd=pd.read_json(sys.argv[1],lines=True)\nt=d["metrics"].map(lambda m: m["time_to_first_token"]["value"])\nprint(len(t), t.mean())',
    },
    {
      // As AIPerf's own plot data loader reads profile_export.jsonl: one pydantic model per line.
      name: "AIPerf 0.13's MetricRecordInfo per line",
      python: AIPERF_PY,
      needs: 'aiperf',
      code: 'import sys\nfrom aiperf.common.models.record_models import MetricRecordInfo\nrs=[MetricRecordInfo.model_validate_json(l) for l in open(sys.argv[1])]\nt=[r.metrics["time_to_first_token"].value for r in rs]\nprint(len(t), sum(t)/len(t))',
    },
  ],
  guidellm: [
    {
      name: 'Python json.load',
      python: 'python3',
      needs: null,
      code: 'import json,sys\nd=json.load(open(sys.argv[1]))\nt=[r["time_to_first_token_ms"] for r in d["benchmarks"][0]["requests"]["successful"]]\nprint(len(t), sum(t)/len(t))',
    },
    {
      name: "GuideLLM 0.8.1's GenerativeBenchmarksReport.load_file",
      python: GUIDELLM_PY,
      needs: 'guidellm',
      code: 'import sys\nfrom guidellm.benchmark.schemas import GenerativeBenchmarksReport\nd=GenerativeBenchmarksReport.load_file(sys.argv[1])\nt=[r.time_to_first_token_ms for r in d.benchmarks[0].requests.successful]\nprint(len(t), sum(t)/len(t))',
    },
  ],
  // vLLM has no loader of its own for these files (its scripts json.load them).
  vllm: [
    {
      name: 'Python json.load',
      python: 'python3',
      needs: null,
      code: 'import json,sys\nd=json.load(open(sys.argv[1]))\nt=[x for x in d["ttfts"] if x > 0]\nprint(len(t), sum(t)/len(t))',
    },
  ],
};
