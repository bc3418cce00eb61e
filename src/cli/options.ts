/**
 * Every command's options and help, for yargs. Kept apart from the commands themselves, which
 * main.ts loads only when they run: start-up time counts for every small file.
 */
import type { Argv } from 'yargs';
import { COMPARED_METRICS } from '../compare/metrics.js';
import { BACKENDS, type Backend } from '../driver/backends.js';
import { APIS, ENDPOINTS } from '../driver/openai/apis.js';
import { DEFAULT_PERCENTILES } from '../metrics/distribution.js';
import { DEFAULT_LAW } from '../mock/latency.js';
import { AIPERF_PHASES } from '../records/record.js';
import { LENGTH_MEASURES } from '../sweep/length.js';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

const PHASE_HELP = "AIPerf files: the benchmark phase read — profiling (AIPerf's results; warm-up left out and counted), warmup, or all (warm-up experiment 0, profiling run k experiment k + 1)";

export function analyzeOptions(y: Argv): Argv {
  return y
    .positional('files', { type: 'string', array: true, describe: 'files or quoted globs: perf_analyzer/GenAI-Perf exports and palens captures (.json, .json.gz), AIPerf profile_export.jsonl, GuideLLM benchmarks.json, vLLM bench results' })
    .option('format', { alias: 'f', choices: FORMATS, default: 'table' as Format, describe: 'output format' })
    .option('out', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of stdout' })
    .option('experiment', { alias: 'e', type: 'string', default: 'all', describe: 'experiment (load level) index to report, or all' })
    .option('percentiles', { alias: 'p', type: 'string', default: DEFAULT_PERCENTILES.join(','), describe: 'comma-separated percentiles, each in [0, 100]' })
    .option('threads', {
      type: 'number',
      default: 2,
      describe: 'threads for one large uncompressed file (1 or 2): the file is cut between two requests near its middle',
    })
    .option('sweep', {
      type: 'boolean',
      default: false,
      describe: 'group every request of every file by prompt length; fit TTFT and token-to-token latency against it',
    })
    .option('length-by', { choices: LENGTH_MEASURES, describe: 'prompt length measure for --sweep (default: meta with sidecars, else tokens with --tokenizer, else words)' })
    .option('tokenizer', { type: 'string', describe: 'a local Hugging Face tokenizer.json, or a folder holding one (never downloaded)' })
    .option('bucket', { type: 'number', describe: 'round prompt lengths to the nearest multiple of N' })
    .option('html', { type: 'string', describe: 'also write a self-contained HTML report with charts to FILE' })
    .option('slo', { type: 'string', describe: 'goodput: per-request bounds, e.g. time_to_first_token<=200ms,inter_token_latency<=40ms (docs/METRICS.md#goodput)' })
    .option('slo-target', { type: 'number', describe: 'with --sweep --slo: the goodput fraction a prompt length must reach (default 0.9)' })
    .option('phase', { choices: AIPERF_PHASES, default: 'profiling' as const, describe: PHASE_HELP })
    .option('keep-empty-responses', {
      type: 'boolean',
      default: false,
      describe: 'keep empty responses (decoupled models\' empty finals) in every metric, as naive scripts do',
    })
    .option('detect-empty-finals', {
      type: 'boolean',
      default: true,
      describe: 'in exports without response_outputs, recognise empty finals from their timing (--no-detect-empty-finals counts every response)',
    })
    .example('$0 analyze profile_export.json', 'report TTFT and token-to-token latency per experiment')
    .example('$0 analyze export.json.gz -f json -o analysis.json', 'machine-readable output (schemas/analysis.schema.json)')
    .example('$0 analyze export.json -p 50,90,99,99.9 --experiment 0', 'chosen percentiles, first load level only')
    .example('$0 analyze export.json -f csv | column -s, -t', 'one row per experiment × metric')
    .example("$0 analyze --sweep 'results/*.json' --tokenizer ./tokenizer.json --html sweep.html", 'TTFT and token-to-token latency against prompt length, with fits and charts');
}

export function validateOptions(y: Argv): Argv {
  return y
    .positional('files', { type: 'string', array: true, describe: 'profile exports to check (.json or .json.gz)' })
    .option('max-problems', { type: 'number', default: 20, describe: 'problems listed per file; the rest are counted' })
    .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table', describe: 'output format' })
    .example('$0 validate results/*.json', 'exit 0 when every file is valid, 1 when any is not, 2 when one cannot be read (docs/ERRORS.md)');
}

export function compareOptions(y: Argv): Argv {
  return y
    .positional('files', {
      type: 'string',
      array: true,
      describe: 'A (the baseline) then B: two exports, two quoted globs with --sweep, or the shell-expanded files of two folders',
    })
    .option('sweep', { type: 'boolean', default: false, describe: 'compare per prompt length across sets of exports' })
    .option('length-by', { choices: LENGTH_MEASURES, describe: 'prompt length measure for --sweep' })
    .option('tokenizer', { type: 'string', describe: 'a local tokenizer.json for --length-by tokens' })
    .option('bucket', { type: 'number', describe: 'round prompt lengths to the nearest multiple of N' })
    .option('fail-if-slower', { type: 'number', describe: 'exit 1 when B is slower than A by more than PCT percent, with the 95% interval above zero' })
    .option('metric', { type: 'string', array: true, choices: COMPARED_METRICS, describe: 'metrics the gate checks (default: time_to_first_token and token_to_token_latency)' })
    .option('stat', { choices: ['mean', 'p50', 'p99'] as const, default: 'mean' as const, describe: 'statistic the gate checks' })
    .option('bootstrap', { type: 'number', default: 1000, describe: 'bootstrap rounds for the intervals (100 to 100,000)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the bootstrap (same seed, same intervals)' })
    .option('allow-mismatch', {
      type: 'boolean',
      default: false,
      describe: 'compare runs whose model, backend, max tokens, load or prompt lengths differ (a warning instead of exit 2)',
    })
    .option('keep-empty-responses', { type: 'boolean', default: false, describe: 'keep empty responses in every metric' })
    .option('phase', { choices: AIPERF_PHASES, default: 'profiling' as const, describe: PHASE_HELP })
    .option('format', { alias: 'f', choices: ['table', 'json'] as const, default: 'table' as const, describe: 'output format' })
    .option('out', { alias: 'o', type: 'string', describe: 'write the comparison to FILE' })
    .option('html', { type: 'string', describe: 'also write a self-contained HTML report to FILE: A and B overlaid, the intervals, the verdict' })
    .example('$0 compare before.json after.json', 'B − A per experiment with 95% intervals')
    .example("$0 compare --sweep 'base/*.json' 'new/*.json' --fail-if-slower 5", 'a CI gate: exit 1 on a >5% slowdown that the interval confirms');
}

export function mergeOptions(y: Argv): Argv {
  return y
    .positional('files', { type: 'string', array: true, describe: 'the shards\' exports (palens capture --shard I/N); sidecars beside them are merged too' })
    .option('out', { alias: 'o', type: 'string', describe: 'the merged export (plus OUT.palens.jsonl); written via a temporary file and a rename' })
    .option('clock-offset-bound', { type: 'string', describe: 'the most the machines\' clocks differ (e.g. 1ms, from chrony/NTP), recorded in the sidecar: windows and throughput are uncertain by it' })
    .example('$0 merge results/shard-*.json -o results/all.json', 'one export from every shard, checked alike; analyse it as any export')
    .example('$0 merge a.json b.json -o all.json --clock-offset-bound 2ms', 'with the clock bound your time sync guarantees');
}

export function loadOptions(y: Argv): Argv {
  return y
    .option('api', { choices: APIS, describe: "the server's API: triton (KServe gRPC streaming; the default for -u HOST:PORT) or openai (HTTP + SSE; the default for -u http://…)" })
    .option('url', { alias: 'u', type: 'string', describe: "the server: Triton's gRPC HOST:PORT (default 127.0.0.1:8001), or an OpenAI-compatible http://HOST:PORT (default http://127.0.0.1:8000)" })
    .option('endpoint', { choices: ENDPOINTS, describe: 'OpenAI: /v1/chat/completions (chat, the default) or /v1/completions' })
    .option('usage', { choices: ['final', 'continuous'] as const, describe: "OpenAI: the usage chunk at the end (final, the default), or also vLLM's cumulative usage on every chunk (continuous: exact tokens per event)" })
    .option('extra-body', { type: 'string', describe: 'OpenAI: a JSON object merged into every request body (e.g. \'{"temperature":0}\')' })
    .option('tokens-per-chunk', { type: 'string', describe: 'with --mock --api openai: tokens per streamed event, N or MIN-MAX (default 1)' })
    .option('header', { type: 'string', array: true, describe: 'OpenAI: NAME:VALUE, an HTTP header (VALUE $VAR or env:VAR reads the environment); values are never printed or written' })
    .option('model', { alias: 'm', type: 'string', describe: 'model name (with --mock: the backend\'s mock model)' })
    .option('mock', { type: 'boolean', default: false, describe: 'run against an embedded palens mock on a free local port' })
    .option('backend', { choices: BACKENDS, default: 'vllm' as Backend, describe: 'request preset: vllm (text_input…), vllm-legacy (PROMPT…), trtllm (ensemble)' })
    .option('input-data', { type: 'string', describe: "perf_analyzer's --input-data JSON instead of a preset (the seed's prompts.json works as is; with --api openai also its payload form: request bodies)" })
    .option('max-tokens', { type: 'number', describe: 'output tokens per request: in sampling_parameters (vLLM) or the max_tokens tensor (TensorRT-LLM)' })
    .option('ignore-eos', { type: 'boolean', describe: 'keep generating past end-of-sequence (vLLM ignore_eos; TensorRT-LLM min_tokens)' })
    .option('extra-input', { type: 'string', array: true, describe: 'name:value, another input tensor (typed by the model)' })
    .option('request-parameter', { type: 'string', array: true, describe: 'name:value:type (string|int|bool), a request parameter' })
    .option('concurrency', { type: 'number', default: 1, describe: 'concurrent streams, one request in flight each (closed loop)' })
    .option('request-rate', { type: 'number', describe: 'requests per second, sent on schedule whatever is in flight (open loop)' })
    .option('arrival', { choices: ['constant', 'poisson'] as const, default: 'constant' as const, describe: 'gaps between intended send times at --request-rate' })
    .option('concurrency-range', { type: 'string', describe: 'start:end[:step], one experiment per level' })
    .option('request-rate-range', { type: 'string', describe: 'start:end[:step], one experiment per level' })
    .option('warmup', { type: 'number', describe: 'requests sent first and left out of the export, kept in the sidecar (capture: 0; prefill/generation: 2 per length)' })
    .option('request-count', { type: 'number', describe: 'exactly this many measured requests per level (no stability windows)' })
    .option('measurement-mode', { choices: ['count_windows', 'time_windows'] as const, describe: "perf_analyzer's windows (capture: time_windows; prefill/generation: count_windows, as the seed)" })
    .option('measurement-request-count', { type: 'number', describe: 'requests per count window (capture: 50; prefill/generation: 10)' })
    .option('measurement-interval', { type: 'number', default: 5000, describe: 'ms per time window' })
    .option('stability-percentage', { type: 'number', describe: 'stable when the last 3 windows agree within this % on throughput and mean latency (capture: 10; prefill/generation: 999, as the seed)' })
    .option('max-trials', { type: 'number', default: 10, describe: 'windows per level at most' })
    .option('prompt-tokens', { type: 'number', describe: 'prompts of exactly N tokens (needs --tokenizer)' })
    .option('prompt-words', { type: 'number', describe: 'prompts of exactly N words' })
    .option('tokenizer', { type: 'string', describe: 'a local tokenizer.json, or a folder holding one' })
    .option('seed', { type: 'number', default: 1, describe: 'seed for prompts and Poisson arrivals' })
    .option('salt', { type: 'boolean', default: true, describe: 'a unique salt at the start of every prompt, so a prefix cache cannot flatter results (--no-salt: off)' })
    .option('timeout', { type: 'number', default: 600_000, describe: 'ms to wait for a request\'s final response' })
    .option('max-errors', { type: 'number', describe: 'stop after more than N failed requests' })
    .option('grace', { type: 'number', default: 5000, describe: 'ms to wait for requests in flight after an interrupt' });
}

export function captureOptions(y: Argv): Argv {
  return loadOptions(y)
    .option('profile-export-file', { alias: 'f', type: 'string', demandOption: true, describe: "the export to write (perf_analyzer format), plus FILE.palens.jsonl; -f as in perf_analyzer (analyze's -f is --format)" })
    .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'the analysis printed at the end, as palens analyze EXPORT prints it (json: schemas/analysis.schema.json)' })
    .option('workers', { type: 'string', describe: 'N threads carry the streams (auto: cores − 1) while the main thread paces and writes the one export and sidecar (default: the main thread does all; docs/SCALE.md)' })
    .option('shard', { type: 'string', describe: 'drive part I of N of the load (concurrency, rate, counts, seeds and ids split); join the parts with palens merge' })
    .option('start-at', { type: 'string', describe: 'hold the first request until TIME (ISO 8601 with a zone, or @SECONDS), so shards begin together' })
    .example('$0 capture -u localhost:8001 -m vllm_model --max-tokens 32 --concurrency 4 --request-count 40 --prompt-words 100 -f export.json', 'the vLLM backend, 40 requests')
    .example('$0 capture -u localhost:8001 -m vllm_legacy --input-data samples/inputs/perf-analyzer-prompts.json --max-tokens 1 --request-count 10 -f prefill.json', "perf_analyzer's --input-data file (the seed's prompts.json), no model edits")
    .example('$0 capture --mock --request-rate 20 --arrival poisson --request-count 200 --prompt-words 64 -f rate.json', 'open loop against the embedded mock')
    .example('$0 capture -u http://127.0.0.1:8000 -m palens-mock --endpoint chat --usage continuous --max-tokens 64 --concurrency 8 --request-count 100 --prompt-words 200 -f chat.json', 'an OpenAI-compatible server (vLLM, SGLang, llama.cpp …) over SSE; -m names its model (palens mock --api openai --port 8000 serves palens-mock)');
}

function scenarioOptions(name: 'prefill' | 'generation'): (y: Argv) => Argv {
  return (y) =>
    loadOptions(y)
      .option('lengths', { type: 'string', demandOption: true, describe: 'comma-separated prompt lengths (tokens with --tokenizer, else words)' })
      .option('results', { type: 'string', demandOption: true, describe: 'folder for one export (+ sidecar) per length and the report' })
      .option('html', { type: 'boolean', default: true, describe: 'write RESULTS/' + name + '-report.html' })
      .example(`$0 ${name} -u localhost:8001 -m vllm_model --lengths 64,128,256,512,1024,2048 --results results/`, name === 'prefill' ? 'TTFT against prompt length (max_tokens 1)' : 'token-to-token latency against prompt length (256 tokens each)')
      .example(`$0 ${name} --mock --lengths 64,512,2048 --request-count 10 --results results/`, 'the same against the embedded mock');
}

export const prefillOptions = scenarioOptions('prefill');
export const generationOptions = scenarioOptions('generation');

export function mockOptions(y: Argv): Argv {
  return y
    .option('port', { type: 'number', default: 8001, describe: 'port on 127.0.0.1 (0: any free one)' })
    .option('prefill-base-ms', { type: 'number', default: DEFAULT_LAW.prefillBaseMs, describe: 'TTFT = base + per-token × prompt tokens (+ quadratic × tokens²)' })
    .option('prefill-per-token-us', { type: 'number', default: DEFAULT_LAW.prefillPerTokenUs, describe: 'TTFT growth per prompt token, µs' })
    .option('prefill-quadratic-ns', { type: 'number', default: DEFAULT_LAW.prefillQuadraticNs, describe: 'TTFT growth per prompt token², ns (attention)' })
    .option('decode-gap-ms', { type: 'number', default: DEFAULT_LAW.decodeGapMs, describe: 'gap = base + growth × context tokens + batching × (active streams − 1)' })
    .option('decode-growth-ns', { type: 'number', default: DEFAULT_LAW.decodeGrowthNsPerToken, describe: 'gap growth per context token, ns' })
    .option('batching-us', { type: 'number', default: DEFAULT_LAW.batchingUsPerStream, describe: 'gap growth per other active stream, µs' })
    .option('jitter-ms', { type: 'number', default: DEFAULT_LAW.jitterMs, describe: 'seeded uniform noise on every TTFT and gap (0: exact)' })
    .option('seed', { type: 'number', default: 1, describe: 'seed of the jitter and the faults (same seed, same server)' })
    .option('tokenizer', { type: 'string', describe: 'count prompt tokens with this tokenizer.json (default: whitespace words)' })
    .option('error-rate', { type: 'number', default: 0, describe: 'fraction of requests answered with an error' })
    .option('stall-ms', { type: 'number', default: 0, describe: 'a pause of this many ms mid-stream…' })
    .option('stall-rate', { type: 'number', default: 0.1, describe: '…in this fraction of requests' })
    .option('drop-connection-after', { type: 'number', default: 0, describe: 'drop every stream after N responses in all (0: never)' })
    .option('truth-log', { type: 'string', describe: 'append a JSON line per emitted response to FILE' })
    .option('api', { choices: APIS, default: 'triton' as const, describe: "triton (KServe gRPC) or openai (HTTP/1.1 + SSE: /v1/models, /v1/chat/completions, /v1/completions; model palens-mock)" })
    .option('tokens-per-chunk', { type: 'string', describe: 'OpenAI: tokens per streamed event, N or MIN-MAX (seeded uniform); default 1' })
    .option('http-429-rate', { type: 'number', default: 0, describe: 'OpenAI: fraction of requests answered 429 Too Many Requests' })
    .option('http-500-rate', { type: 'number', default: 0, describe: 'OpenAI: fraction of requests answered 500 Internal Server Error' })
    .example('$0 mock --port 8001 --prefill-base-ms 20 --prefill-per-token-us 50 --jitter-ms 0', 'a server with an exact latency law')
    .example('$0 mock --api openai --port 8000 --tokens-per-chunk 1-3 --truth-log truth.jsonl', 'an OpenAI-compatible server over SSE (model palens-mock), logging every event it writes');
}
