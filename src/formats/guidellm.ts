/**
 * GuideLLM's `benchmarks.json` (GuideLLM 0.8.1): one JSON document, `{metadata, config, benchmarks:
 * [...]}`, streamed with formats/json-walk.ts so only one request is held at a time.
 *
 * - Each benchmark is an experiment; its `config.strategy` gives the load (concurrent streams →
 *   concurrency N, synchronous → concurrency 1, constant/poisson rate → request_rate).
 * - Requests: `requests.successful` (ok), `requests.errored` (server_error), `requests.incomplete`
 *   (cancelled when the benchmark ended). Times are `info.timings` in float seconds since the epoch;
 *   formats/common.ts SecondsBase turns each into an exact ns offset (nearest ns of the double).
 * - GuideLLM keeps only the first and last token times of a request: the record has those two
 *   responses, the `token_iterations` − 2 between them untimed (RequestRecord.untimedResponses),
 *   and ends at `request_end` (GuideLLM's request latency is request_end − request_start). Metrics
 *   that need every gap (token-to-token latency, time to second token, ITL by position) are not
 *   available for such a file and say so.
 * - `prompt_tokens` is the prompt length for `--length-by meta`; `input_metrics.text_words` and
 *   `text_characters` the words and characters; `output_tokens` the output token count.
 */
import { InputError } from '../errors.js';
import { ByteWindow } from '../export/byte-window.js';
import type { JsonLexer } from '../export/json-lexer.js';
import { inspectExport, type ReadOptions, type ReadResult } from '../export/reader.js';
import type { ExperimentInfo, RecordSink, RequestRecord, RequestStatus } from '../records/record.js';
import { describeValue, fileChunks, peerRecord, peerResult, peerSource, ProblemLog, SecondsBase } from './common.js';
import { JsonWalker, type PathPart, pointerOf, type Step } from './json-walk.js';

const LISTS: Record<string, RequestStatus> = { successful: 'ok', errored: 'server_error', incomplete: 'cancelled' };

interface Timings {
  request_start?: unknown;
  first_token_iteration?: unknown;
  last_token_iteration?: unknown;
  request_end?: unknown;
  token_iterations?: unknown;
}

interface GuideRequest {
  info?: { timings?: Timings; status?: unknown };
  prompt_tokens?: unknown;
  output_tokens?: unknown;
  input_metrics?: { text_words?: unknown; text_characters?: unknown } | null;
}

/** Reads a GuideLLM benchmarks.json into `sink`. */
export async function readGuidellm(file: string, sink: RecordSink, options: ReadOptions): Promise<ReadResult> {
  const { size, compressed } = await inspectExport(file);
  const window = new ByteWindow();
  const reader = new GuidellmReader(sink, new ProblemLog(file, options.failFast, options.maxProblems));
  const walker = new JsonWalker(file, window, reader);
  for await (const chunk of fileChunks(file, options)) {
    if (window.push(chunk)) walker.run(false);
  }
  window.flush();
  walker.run(true);
  return reader.finish(file, size, compressed, window.received);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class GuidellmReader {
  private readonly time = new SecondsBase();
  private version: string | null = null;
  private benchmarks = 0;
  private requests = 0;
  private index = 0;
  private info: ExperimentInfo = { index: 0, mode: null, value: null, windows: null, requests: 0 };
  /** Successful requests the benchmark's metrics counted, to tell a sampled file. */
  private counted = -1;
  private listed = 0;
  private readonly notes: string[] = [];
  private readonly respNs = new Float64Array(2);
  private readonly record: RequestRecord = peerRecord(this.respNs);

  constructor(
    private readonly sink: RecordSink,
    private readonly problems: ProblemLog,
  ) {}

  decide(path: readonly PathPart[]): Step {
    const d = path.length;
    if (d === 0) return 'descend';
    if (path[0] === 'metadata') return d === 1 ? 'take' : 'skip';
    if (path[0] !== 'benchmarks') return 'skip';
    if (d === 1 || d === 2) return 'descend';
    const key = path[2];
    if (d === 3) {
      if (key === 'requests') return 'descend';
      // config before requests: the load; scheduler_state: its start time becomes the time base.
      return key === 'config' || key === 'scheduler_state' ? 'take' : key === 'metrics' ? 'descend' : 'skip';
    }
    if (key === 'metrics') return d === 4 && path[3] === 'request_totals' ? 'take' : 'skip';
    if (key === 'requests') return d === 4 && typeof path[3] === 'string' && path[3] in LISTS ? 'descend' : d === 5 ? 'take' : 'skip';
    return 'skip';
  }

  take(path: readonly PathPart[], lexer: JsonLexer, s: number, e: number): void {
    const value = lexer.parse(s, e);
    if (path[0] === 'metadata') {
      const v = (value as { guidellm_version?: unknown } | null)?.guidellm_version;
      if (typeof v === 'string') this.version = v;
      return;
    }
    const key = path[2];
    if (key === 'config') this.load(value);
    else if (key === 'scheduler_state') {
      const start = (value as { start_time?: unknown } | null)?.start_time;
      if (isNum(start) && !this.time.isSet) this.time.offset(start);
    } else if (key === 'metrics') {
      const ok = (value as { successful?: unknown } | null)?.successful;
      this.counted = isNum(ok) ? ok : -1;
    } else this.request(path, value as GuideRequest, LISTS[path[3] as string]!);
  }

  leave(path: readonly PathPart[]): void {
    if (path.length !== 2 || path[0] !== 'benchmarks') return;
    this.sink.experimentEnd({ ...this.info, requests: this.index });
    if (this.counted > this.listed) {
      this.notes.push(`benchmark ${this.benchmarks}: ${this.listed} of ${this.counted} successful requests kept in the file (GuideLLM samples requests); palens's numbers are over those kept`);
    }
    this.benchmarks++;
    this.index = 0;
    this.listed = 0;
    this.counted = -1;
    this.info = { index: this.benchmarks, mode: null, value: null, windows: null, requests: 0 };
  }

  /** The load of a benchmark, from config.strategy. */
  private load(config: unknown): void {
    const s = (config as { strategy?: { type_?: unknown; streams?: unknown; rate?: unknown } } | null)?.strategy;
    const type = s?.type_;
    let mode: string | null = null;
    let value: number | null = null;
    if (type === 'concurrent' && isNum(s?.streams)) [mode, value] = ['concurrency', s.streams];
    else if (type === 'synchronous') [mode, value] = ['concurrency', 1];
    else if ((type === 'constant' || type === 'poisson' || type === 'async') && isNum(s?.rate)) [mode, value] = ['request_rate', s.rate];
    else if (typeof type === 'string') mode = type;
    this.info = { index: this.benchmarks, mode, value, windows: null, requests: 0 };
  }

  private request(path: readonly PathPart[], q: GuideRequest, status: RequestStatus): void {
    const pointer = pointerOf(path);
    const t = q?.info?.timings;
    if (t === undefined || t === null || !isNum(t.request_start)) {
      this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: `${pointer}/info/timings/request_start`, expected: 'a number (seconds since the Unix epoch)', found: describeValue(t?.request_start) });
      return;
    }
    const r = this.record;
    r.experiment = this.benchmarks;
    r.index = this.index++;
    r.sendNs = this.time.offset(t.request_start);
    r.status = status;
    r.responseCount = 0;
    r.untimedResponses = 0;
    r.endNs = -1;
    r.outputTokens = isNum(q.output_tokens) ? q.output_tokens : -1;
    r.promptTokens = isNum(q.prompt_tokens) ? q.prompt_tokens : -1;
    const words = q.input_metrics?.text_words;
    const chars = q.input_metrics?.text_characters;
    r.promptWords = isNum(words) ? words : -1;
    r.promptChars = isNum(chars) && r.promptWords >= 0 ? chars : -1;
    if (status === 'ok') {
      if (!isNum(t.first_token_iteration) || !isNum(t.last_token_iteration) || !isNum(t.request_end)) {
        this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: `${pointer}/info/timings`, expected: 'first_token_iteration, last_token_iteration and request_end as numbers for a successful request', found: describeValue(t.first_token_iteration) });
        return;
      }
      this.listed++;
      this.respNs[0] = this.time.offset(t.first_token_iteration);
      this.respNs[1] = this.time.offset(t.last_token_iteration);
      const iterations = isNum(t.token_iterations) ? t.token_iterations : 2;
      r.responseCount = iterations <= 1 || this.respNs[1] === this.respNs[0] ? 1 : 2;
      r.untimedResponses = Math.max(0, iterations - r.responseCount);
      r.endNs = this.time.offset(t.request_end);
    }
    this.requests++;
    this.sink.record(r);
  }

  finish(file: string, fileBytes: number, compressed: boolean, bytes: number): ReadResult {
    if (this.version === null && this.benchmarks === 0) {
      throw new InputError('PALENS_INPUT_SCHEMA', 'expected a GuideLLM benchmarks.json (metadata.guidellm_version, benchmarks)', { file, pointer: '' });
    }
    this.notes.push('token-to-token latency, time to second token and inter-token latency by position: not available (GuideLLM keeps only the first and last token time of a request)');
    const source = peerSource('guidellm', this.version, null, this.time.absolute(), this.notes);
    return peerResult(file, fileBytes, compressed, bytes, source, this.problems, this.benchmarks, this.requests);
  }
}
