/**
 * vLLM's `vllm bench serve --save-result --save-detailed` JSON (vllm/benchmarks/serve.py): one
 * object of run settings and summary numbers plus per-request *columns* — `input_lens`,
 * `output_lens`, `ttfts` (s), `itls` (list per request of s), `latencies` (s), `start_times`
 * (time.perf_counter s: not the epoch), `errors` ("" when the request succeeded).
 *
 * Columns, not rows, so a request is whole only once every column has been read. Two passes keep
 * memory flat: the first keeps the small numeric columns in typed arrays (8 bytes a request each)
 * and skips `itls` and `generated_texts`; the second walks `itls` one request at a time and emits
 * each record. Float seconds become integer ns by formats/common.ts toNs (nearest ns).
 *
 * - Responses: the first at start + ttft, each next one itls[k] later (one per streamed chunk).
 * - The request ends at start + latency (vLLM's latency runs to its last chunk, the usage chunk
 *   included), so palens's request latency is vLLM's E2EL.
 * - Failed: a non-empty `errors` entry (server_error).
 * - `input_lens` is the prompt length for `--length-by meta`; `output_lens` the output tokens.
 * Files written with `--append-result` (several documents in one file) are not read.
 */
import { ByteWindow } from '../export/byte-window.js';
import { LBRACK } from '../export/json-lexer.js';
import type { JsonLexer } from '../export/json-lexer.js';
import { inspectExport, type ReadOptions, type ReadResult } from '../export/reader.js';
import type { RecordSink, RequestRecord } from '../records/record.js';
import { describeValue, fileChunks, peerRecord, peerResult, peerSource, ProblemLog, SecondsBase, toNs } from './common.js';
import { JsonWalker, type JsonVisitor, type PathPart, pointerOf, type Step } from './json-walk.js';

const NUMERIC_COLUMNS = ['input_lens', 'output_lens', 'ttfts', 'latencies', 'start_times'] as const;
type Column = (typeof NUMERIC_COLUMNS)[number];
const SETTINGS = new Set(['backend', 'endpoint_type', 'model_id', 'request_rate', 'max_concurrency', 'num_prompts', 'date']);

/** A growable column of doubles. */
class Values {
  data = new Float64Array(256);
  n = 0;
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const g = new Float64Array(Math.max(i + 1, 2 * this.data.length));
      g.set(this.data);
      this.data = g;
    }
    this.data[i] = v;
    if (i >= this.n) this.n = i + 1;
  }
}

async function walk(file: string, options: ReadOptions, visitor: JsonVisitor): Promise<number> {
  const window = new ByteWindow();
  const walker = new JsonWalker(file, window, visitor);
  for await (const chunk of fileChunks(file, options)) if (window.push(chunk)) walker.run(false);
  window.flush();
  walker.run(true);
  return window.received;
}

/** Reads a vLLM bench result JSON into `sink`. */
export async function readVllm(file: string, sink: RecordSink, options: ReadOptions): Promise<ReadResult> {
  const { size, compressed } = await inspectExport(file);
  const problems = new ProblemLog(file, options.failFast, options.maxProblems);
  const columns = new Columns(problems);
  const bytes = await walk(file, options, columns);
  const emit = new Emitter(columns, sink, problems);
  await walk(file, { ...options, onProgress: undefined }, emit);
  return emit.finish(file, size, compressed, bytes);
}

/** Pass 1: settings and the numeric columns. */
class Columns implements JsonVisitor {
  readonly values = Object.fromEntries(NUMERIC_COLUMNS.map((c) => [c, new Values()])) as Record<Column, Values>;
  failed = new Uint8Array(256);
  errorsSeen = 0;
  hasItls = false;
  readonly settings: Record<string, unknown> = {};

  constructor(private readonly problems: ProblemLog) {}

  decide(path: readonly PathPart[], first: number): Step {
    if (path.length === 0) return 'descend';
    const key = path[0] as string;
    if (path.length === 1) {
      if (key === 'itls') this.hasItls = true;
      if (SETTINGS.has(key)) return 'take';
      // Every top-level array is walked element by element, so a huge column (generated_texts,
      // itls) is never held whole: only what is read is taken.
      return first === LBRACK ? 'descend' : 'skip';
    }
    return path.length === 2 && ((NUMERIC_COLUMNS as readonly string[]).includes(key) || key === 'errors') ? 'take' : 'skip';
  }

  take(path: readonly PathPart[], lexer: JsonLexer, s: number, e: number): void {
    const value = lexer.parse(s, e);
    const key = path[0] as string;
    if (path.length === 1) {
      this.settings[key] = value;
      return;
    }
    const i = path[1] as number;
    if (key === 'errors') {
      if (i >= this.failed.length) {
        const g = new Uint8Array(Math.max(i + 1, 2 * this.failed.length));
        g.set(this.failed);
        this.failed = g;
      }
      this.failed[i] = typeof value === 'string' && value !== '' ? 1 : value === null || value === '' ? 0 : 1;
      this.errorsSeen = Math.max(this.errorsSeen, i + 1);
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: pointerOf(path), expected: 'a number', found: describeValue(value) });
      return;
    }
    this.values[key as Column].set(i, value);
  }
}

/** Pass 2: one record per entry of `itls` (or of `ttfts` when the file has no itls). */
class Emitter implements JsonVisitor {
  private readonly time = new SecondsBase();
  private respNs = new Float64Array(1024);
  private emitted = 0;
  private readonly record: RequestRecord = peerRecord(this.respNs);

  constructor(
    private readonly c: Columns,
    private readonly sink: RecordSink,
    private readonly problems: ProblemLog,
  ) {}

  decide(path: readonly PathPart[], first: number): Step {
    if (path.length === 0) return 'descend';
    if (path.length === 1) return first === LBRACK ? 'descend' : 'skip';
    return path.length === 2 && path[0] === 'itls' ? 'take' : 'skip';
  }

  take(path: readonly PathPart[], lexer: JsonLexer, s: number, e: number): void {
    const gaps = lexer.parse(s, e);
    if (!Array.isArray(gaps)) {
      this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: pointerOf(path), expected: 'an array of seconds', found: describeValue(gaps) });
      return;
    }
    this.emit(path[1] as number, gaps, path);
  }

  private emit(i: number, gaps: readonly unknown[], path: readonly PathPart[]): void {
    const v = this.c.values;
    const at = (col: Column): number => (i < v[col].n ? v[col].data[i]! : NaN);
    const r = this.record;
    r.index = i;
    const start = at('start_times');
    r.sendNs = Number.isNaN(start) ? 0 : this.time.offset(start);
    r.promptTokens = Number.isNaN(at('input_lens')) ? -1 : at('input_lens');
    r.outputTokens = Number.isNaN(at('output_lens')) ? -1 : at('output_lens');
    r.responseCount = 0;
    r.endNs = -1;
    const ttft = at('ttfts');
    r.status = (i < this.c.errorsSeen && this.c.failed[i] === 1) || !(ttft > 0) ? 'server_error' : 'ok';
    if (r.status === 'ok') {
      if (gaps.length + 1 > this.respNs.length) {
        this.respNs = new Float64Array(Math.max(gaps.length + 1, 2 * this.respNs.length));
        r.responseNs = this.respNs;
      }
      let t = r.sendNs + toNs(ttft, 1e9);
      this.respNs[0] = t;
      for (let k = 0; k < gaps.length; k++) {
        const g = gaps[k];
        if (typeof g !== 'number' || !(g >= 0)) {
          this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: `${pointerOf(path)}/${k}`, expected: 'a non-negative number (seconds)', found: describeValue(g) });
          return;
        }
        t += toNs(g, 1e9);
        this.respNs[k + 1] = t;
      }
      r.responseCount = gaps.length + 1;
      const latency = at('latencies');
      if (!Number.isNaN(latency)) r.endNs = r.sendNs + toNs(latency, 1e9);
    }
    this.emitted++;
    this.sink.record(r);
  }

  finish(file: string, fileBytes: number, compressed: boolean, bytes: number): ReadResult {
    const notes: string[] = [];
    // Without itls (an older file): records from ttfts alone, one response each.
    if (!this.c.hasItls) {
      for (let i = 0; i < this.c.values.ttfts.n; i++) this.emit(i, [], ['ttfts', i]);
      notes.push('no itls in the file: one response per request (time to first token and request latency only)');
    }
    if (this.c.values.start_times.n === 0) notes.push('no start_times in the file: every request is taken as sent at time 0, so throughput and duration are not meaningful');
    const s = this.c.settings;
    const concurrency = typeof s.max_concurrency === 'number' ? s.max_concurrency : null;
    const rate = typeof s.request_rate === 'number' ? s.request_rate : null;
    this.sink.experimentEnd({
      index: 0,
      mode: concurrency !== null ? 'concurrency' : rate !== null ? 'request_rate' : null,
      value: concurrency ?? rate,
      windows: null,
      requests: this.emitted,
    });
    const endpoint = typeof s.endpoint_type === 'string' ? s.endpoint_type : typeof s.backend === 'string' ? s.backend : null;
    // start_times are time.perf_counter(), not the epoch: no absolute time base.
    const source = peerSource('vllm', null, endpoint, null, notes);
    return peerResult(file, fileBytes, compressed, bytes, source, this.problems, 1, this.emitted);
  }
}
