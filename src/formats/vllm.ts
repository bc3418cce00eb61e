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
 * - `--append-result` appends each run to the same file: a newline, then the run's `json.dump`
 *   (one line; serve.py). Each appended result is one experiment (0, 1, … in file order), with its
 *   own time base: each run's `start_times` are its own process's perf_counter, not comparable
 *   across runs. Both passes walk the documents in order; pass 1 keeps each one's columns.
 */
import { ByteWindow } from '../export/byte-window.js';
import { LBRACE, LBRACK } from '../export/json-lexer.js';
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
  const walker = new JsonWalker(file, window, visitor, 'many');
  for await (const chunk of fileChunks(file, options)) if (window.push(chunk)) walker.run(false);
  window.flush();
  walker.run(true);
  return window.received;
}

/** Reads a vLLM bench result JSON (one result, or several appended) into `sink`. */
export async function readVllm(file: string, sink: RecordSink, options: ReadOptions): Promise<ReadResult> {
  const { size, compressed } = await inspectExport(file);
  const problems = new ProblemLog(file, options.failFast, options.maxProblems);
  const columns = new Columns(problems);
  const bytes = await walk(file, options, columns);
  const emit = new Emitter(columns, sink, problems);
  await walk(file, { ...options, onProgress: undefined }, emit);
  return emit.finish(file, size, compressed, bytes);
}

/** Where a problem is, in a file of several results: "result 2" (1-based, as a person counts). */
function where(document: number, documents: number): string | undefined {
  return documents > 1 || document > 0 ? `result ${document + 1}` : undefined;
}

/** One result's settings and numeric columns. */
class Result {
  readonly values = Object.fromEntries(NUMERIC_COLUMNS.map((c) => [c, new Values()])) as Record<Column, Values>;
  failed = new Uint8Array(256);
  errorsSeen = 0;
  hasItls = false;
  readonly settings: Record<string, unknown> = {};
}

/** Pass 1: each result's settings and numeric columns. */
class Columns implements JsonVisitor {
  readonly results: Result[] = [];
  private r = new Result();

  constructor(private readonly problems: ProblemLog) {}

  begin(document: number): void {
    this.r = new Result();
    this.results[document] = this.r;
  }

  decide(path: readonly PathPart[], first: number): Step {
    if (path.length === 0) {
      if (first === LBRACE) return 'descend';
      this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: '', expected: 'a JSON object (one vLLM bench result)', found: first === LBRACK ? 'an array' : `'${String.fromCharCode(first)}'` }, where(this.results.length - 1, 1));
      return 'skip';
    }
    const key = path[0] as string;
    if (path.length === 1) {
      if (key === 'itls') this.r.hasItls = true;
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
    const r = this.r;
    if (path.length === 1) {
      r.settings[key] = value;
      return;
    }
    const i = path[1] as number;
    if (key === 'errors') {
      if (i >= r.failed.length) {
        const g = new Uint8Array(Math.max(i + 1, 2 * r.failed.length));
        g.set(r.failed);
        r.failed = g;
      }
      r.failed[i] = typeof value === 'string' && value !== '' ? 1 : value === null || value === '' ? 0 : 1;
      r.errorsSeen = Math.max(r.errorsSeen, i + 1);
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: pointerOf(path), expected: 'a number', found: describeValue(value) }, where(this.results.length - 1, 1));
      return;
    }
    r.values[key as Column].set(i, value);
  }
}

/** Pass 2: one record per entry of `itls` (or of `ttfts` when a result has no itls); an experiment per result. */
class Emitter implements JsonVisitor {
  private time = new SecondsBase();
  private respNs = new Float64Array(1024);
  /** Records of the current result, and of all. */
  private emitted = 0;
  private total = 0;
  private document = -1;
  private c: Result = new Result();
  private readonly withoutItls: number[] = [];
  private readonly withoutStarts: number[] = [];
  private readonly record: RequestRecord = peerRecord(this.respNs);

  constructor(
    private readonly columns: Columns,
    private readonly sink: RecordSink,
    private readonly problems: ProblemLog,
  ) {}

  begin(document: number): void {
    this.document = document;
    this.c = this.columns.results[document] ?? new Result();
    this.time = new SecondsBase();
    this.emitted = 0;
  }

  decide(path: readonly PathPart[], first: number): Step {
    if (path.length === 0) return first === LBRACE ? 'descend' : 'skip';
    if (path.length === 1) return first === LBRACK ? 'descend' : 'skip';
    return path.length === 2 && path[0] === 'itls' ? 'take' : 'skip';
  }

  take(path: readonly PathPart[], lexer: JsonLexer, s: number, e: number): void {
    const gaps = lexer.parse(s, e);
    if (!Array.isArray(gaps)) {
      this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: pointerOf(path), expected: 'an array of seconds', found: describeValue(gaps) }, this.where());
      return;
    }
    this.emit(path[1] as number, gaps, path);
  }

  /** The end of a result (its root object closed): one experiment. */
  leave(path: readonly PathPart[]): void {
    if (path.length === 0) this.endResult();
  }

  private where(): string | undefined {
    return where(this.document, this.columns.results.length);
  }

  private emit(i: number, gaps: readonly unknown[], path: readonly PathPart[]): void {
    const v = this.c.values;
    const at = (col: Column): number => (i < v[col].n ? v[col].data[i]! : NaN);
    const r = this.record;
    r.experiment = this.document;
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
          this.problems.add({ code: 'PALENS_INPUT_SCHEMA', pointer: `${pointerOf(path)}/${k}`, expected: 'a non-negative number (seconds)', found: describeValue(g) }, this.where());
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
    this.total++;
    this.sink.record(r);
  }

  private endResult(): void {
    const c = this.c;
    // Without itls (an older file): records from ttfts alone, one response each.
    if (!c.hasItls) {
      for (let i = 0; i < c.values.ttfts.n; i++) this.emit(i, [], ['ttfts', i]);
      this.withoutItls.push(this.document);
    }
    if (c.values.start_times.n === 0) this.withoutStarts.push(this.document);
    const s = c.settings;
    const concurrency = typeof s.max_concurrency === 'number' ? s.max_concurrency : null;
    const rate = typeof s.request_rate === 'number' ? s.request_rate : null;
    this.sink.experimentEnd({
      index: this.document,
      mode: concurrency !== null ? 'concurrency' : rate !== null ? 'request_rate' : null,
      value: concurrency ?? rate,
      windows: null,
      requests: this.emitted,
    });
  }

  finish(file: string, fileBytes: number, compressed: boolean, bytes: number): ReadResult {
    const results = this.columns.results.length;
    const which = (docs: number[]): string => (results > 1 ? ` (result${docs.length === 1 ? '' : 's'} ${docs.map((d) => d + 1).join(', ')} of ${results})` : '');
    const notes: string[] = [];
    if (this.withoutItls.length > 0) notes.push(`no itls in the file${which(this.withoutItls)}: one response per request (time to first token and request latency only)`);
    if (this.withoutStarts.length > 0) notes.push(`no start_times in the file${which(this.withoutStarts)}: every request is taken as sent at time 0, so throughput and duration are not meaningful`);
    if (results > 1) notes.push(`${results} results appended to one file (vllm bench serve --append-result): one experiment each, in file order`);
    const s = this.columns.results[0]?.settings ?? {};
    const endpoint = typeof s.endpoint_type === 'string' ? s.endpoint_type : typeof s.backend === 'string' ? s.backend : null;
    // start_times are time.perf_counter(), not the epoch: no absolute time base.
    const source = peerSource('vllm', null, endpoint, null, notes);
    return peerResult(file, fileBytes, compressed, bytes, source, this.problems, Math.max(1, results), this.total);
  }
}
