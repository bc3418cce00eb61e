/**
 * AIPerf's per-request records (`profile_export.jsonl`, AIPerf 0.13): one JSON object per line,
 * `{metadata, metrics, error?}`. Read line by line (a line is one request), so memory holds one
 * request whatever the file's size.
 *
 * - Send time: `metadata.request_start_ns`, ns since the epoch. Its digits are read from the line's
 *   bytes (JSON.parse would round them to a double) into an exact offset (records/time.ts).
 * - Responses: the first at send + `time_to_first_token`, each next one `inter_chunk_latency[k]`
 *   later (one entry per gap between content chunks). AIPerf writes both in float ms; formats/common.ts
 *   toNs turns each into integer ns (nearest), which gives back AIPerf's own integer ns exactly. Its
 *   `request_latency` is then the last response's time: AIPerf's definition and palens's agree.
 * - Phase: `metadata.benchmark_phase` (`warmup` | `profiling`). By default (`--phase profiling`) the
 *   profiling phase is analysed — what AIPerf's own summary describes — and warm-up records are left
 *   out and counted; several profiling runs (`profiling_index`) are several experiments.
 *   `--phase warmup` reads the warm-up alone (experiment 0) and counts the profiling records left
 *   out; `--phase all` reads both, each its own experiment: the warm-up is experiment 0 and
 *   profiling run k experiment k + 1 (AIPerf's `phase_index` numbers them alike). A phase of another
 *   name is left out and counted whatever is chosen.
 * - Failed: `was_cancelled` (cancelled) or an `error` object (its HTTP-like code decides client or
 *   server error); their responses enter no statistic.
 * - Tokens: `output_sequence_length` (AIPerf's tokenizer, or the server's usage with
 *   --use-server-token-count), `input_sequence_length` (the prompt, `--length-by meta`).
 */
import type { Problem } from '../export/problems.js';
import { inspectExport, type ReadResult } from '../export/reader.js';
import type { RecordSink, RequestRecord, RequestStatus } from '../records/record.js';
import { TimeBase } from '../records/time.js';
import { type AiperfPhase, describeValue, fileChunks, peerRecord, peerResult, type PeerReadOptions, peerSource, ProblemLog, statusOfCode, toNs } from './common.js';

const NEWLINE = 0x0a;
const START_KEY = Buffer.from('"request_start_ns"');
const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, sec: 1e9 };

interface AiperfLine {
  metadata?: Record<string, unknown>;
  metrics?: Record<string, { value?: unknown; unit?: unknown } | undefined>;
  error?: { code?: unknown } | null;
}

/** Reads an AIPerf profile_export.jsonl into `sink`. */
export async function readAiperf(file: string, sink: RecordSink, options: PeerReadOptions): Promise<ReadResult> {
  const { size, compressed } = await inspectExport(file);
  const reader = new AiperfReader(file, sink, new ProblemLog(file, options.failFast, options.maxProblems), options.phase ?? 'profiling');
  let carry: Buffer | null = null;
  for await (const chunk of fileChunks(file, options)) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const line: Buffer = carry === null ? chunk.subarray(start, nl) : Buffer.concat([carry, chunk.subarray(start, nl)]);
      carry = null;
      reader.line(line);
      start = nl + 1;
    }
    if (start < chunk.length) carry = carry === null ? Buffer.from(chunk.subarray(start)) : Buffer.concat([carry, chunk.subarray(start)]);
  }
  if (carry !== null) reader.line(carry);
  return reader.finish(size, compressed);
}

class AiperfReader {
  private readonly time = new TimeBase();
  private lineNo = 0;
  /** Byte offset of the line being read, for problems. */
  private lineStart = 0;
  private bytes = 0;
  private requests = 0;
  /** Records left out, by phase name, in the order first met. */
  private readonly leftOut = new Map<string, number>();
  private version: string | null = null;
  /** Requests per experiment (profiling run), by index. */
  private readonly perExperiment = new Map<number, number>();
  private respNs = new Float64Array(256);
  private readonly record: RequestRecord = peerRecord(this.respNs);

  constructor(
    private readonly file: string,
    private readonly sink: RecordSink,
    private readonly problems: ProblemLog,
    private readonly phase: AiperfPhase,
  ) {}

  /** The experiment a record of `phase` goes to, or null when the chosen phase leaves it out. */
  private experimentOf(phase: unknown, profilingIndex: unknown): number | null {
    const run = typeof profilingIndex === 'number' && Number.isInteger(profilingIndex) && profilingIndex >= 0 ? profilingIndex : 0;
    if (phase === 'profiling') return this.phase === 'profiling' ? run : this.phase === 'all' ? run + 1 : null;
    if (phase === 'warmup') return this.phase === 'profiling' ? null : 0;
    return null;
  }

  private problem(p: Omit<Problem, 'code'> & { code?: Problem['code'] }): void {
    this.problems.add({ code: 'PALENS_INPUT_SCHEMA', ...p, pointer: `/${this.lineNo - 1}${p.pointer}`, byteOffset: p.byteOffset ?? this.lineStart }, `line ${this.lineNo}`);
  }

  line(bytes: Buffer): void {
    this.lineNo++;
    const at = this.bytes;
    this.lineStart = at;
    this.bytes += bytes.length + 1;
    let blank = true;
    for (let k = 0; k < bytes.length && blank; k++) blank = bytes[k] === 0x20 || bytes[k] === 0x09 || bytes[k] === 0x0d;
    if (blank) return;
    let doc: AiperfLine;
    try {
      doc = JSON.parse(bytes.toString('utf8')) as AiperfLine;
    } catch (e) {
      this.problem({ code: 'PALENS_INPUT_SYNTAX', pointer: '', expected: '', found: '', message: `expected one JSON object per line (AIPerf profile_export.jsonl), found invalid JSON (${(e as Error).message})`, byteOffset: at });
      return;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      this.problem({ pointer: '', expected: 'a JSON object per line', found: describeValue(doc), byteOffset: at });
      return;
    }
    const md = doc.metadata;
    if (md === null || typeof md !== 'object') {
      this.problem({ pointer: '/metadata', expected: 'an object with request_start_ns and benchmark_phase', found: describeValue(md), byteOffset: at });
      return;
    }
    const phase = md.benchmark_phase ?? md.phase_kind ?? 'profiling';
    const experiment = this.experimentOf(phase, md.profiling_index);
    if (experiment === null) {
      const name = typeof phase === 'string' ? phase : JSON.stringify(phase);
      this.leftOut.set(name, (this.leftOut.get(name) ?? 0) + 1);
      return;
    }
    const start = this.startNs(bytes, md.request_start_ns, at);
    if (start === null) return;
    const index = this.perExperiment.get(experiment) ?? 0;
    this.perExperiment.set(experiment, index + 1);
    const r = this.record;
    r.experiment = experiment;
    r.index = index;
    r.sendNs = this.time.offset(start.sec, start.nsec);
    r.responseCount = 0;
    const metrics = doc.metrics ?? {};
    r.outputTokens = this.count(metrics, 'output_sequence_length');
    r.promptTokens = this.count(metrics, 'input_sequence_length');
    r.status = this.status(md, doc.error);
    if (r.status === 'ok' && !this.responses(metrics)) return;
    this.requests++;
    this.sink.record(r);
  }

  /** The exact digits of metadata.request_start_ns, from the line's bytes. */
  private startNs(bytes: Buffer, parsed: unknown, at: number): { sec: number; nsec: number } | null {
    const bad = (found: string): null => {
      this.problem({ pointer: '/metadata/request_start_ns', expected: 'a non-negative integer (ns since the Unix epoch)', found, byteOffset: at });
      return null;
    };
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0) return bad(describeValue(parsed));
    // The key can only appear as a key: inside a JSON string its quotes would be escaped.
    let i = bytes.indexOf(START_KEY);
    if (i < 0) return bad('an escaped key (palens reads these digits from the bytes)');
    i += START_KEY.length;
    while (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x3a) i++;
    const first = i;
    while (i < bytes.length && bytes[i]! >= 0x30 && bytes[i]! <= 0x39) i++;
    const digits = i - first;
    if (digits === 0 || digits > 19) return bad('a number palens cannot hold exactly');
    const cut = Math.max(first, i - 9);
    let sec = 0;
    for (let k = first; k < cut; k++) sec = sec * 10 + (bytes[k]! - 0x30);
    let nsec = 0;
    for (let k = cut; k < i; k++) nsec = nsec * 10 + (bytes[k]! - 0x30);
    return { sec, nsec };
  }

  private status(md: Record<string, unknown>, error: AiperfLine['error']): RequestStatus {
    if (md.was_cancelled === true) return 'cancelled';
    if (error !== undefined && error !== null) return statusOfCode(error.code);
    return 'ok';
  }

  /** A token count metric, or -1 when absent. */
  private count(metrics: NonNullable<AiperfLine['metrics']>, name: string): number {
    const v = metrics[name]?.value;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : -1;
  }

  /** ns per unit of a duration metric, or NaN (reported) when the unit is unknown. */
  private unitNs(metrics: NonNullable<AiperfLine['metrics']>, name: string): number {
    const unit = metrics[name]?.unit;
    const ns = typeof unit === 'string' ? NS_PER_UNIT[unit] : undefined;
    if (ns === undefined) {
      this.problem({ pointer: `/metrics/${name}/unit`, expected: 'a time unit (ns, us, ms, s)', found: describeValue(unit) });
      return NaN;
    }
    return ns;
  }

  /** Fills the record's response times; false (reported) when they are missing or malformed. */
  private responses(metrics: NonNullable<AiperfLine['metrics']>): boolean {
    const r = this.record;
    const ttft = metrics.time_to_first_token;
    if (ttft === undefined) {
      // A non-streaming request: one response, at the request latency.
      const latency = metrics.request_latency;
      if (latency === undefined || typeof latency.value !== 'number' || latency.value < 0) {
        this.problem({ pointer: '/metrics/time_to_first_token', expected: 'a {value, unit} time (or request_latency for a non-streaming request)', found: 'none' });
        return false;
      }
      const unit = this.unitNs(metrics, 'request_latency');
      if (Number.isNaN(unit)) return false;
      this.respNs[0] = r.sendNs + toNs(latency.value, unit);
      r.responseCount = 1;
      return true;
    }
    if (typeof ttft.value !== 'number' || !(ttft.value >= 0)) {
      this.problem({ pointer: '/metrics/time_to_first_token/value', expected: 'a non-negative number', found: describeValue(ttft.value) });
      return false;
    }
    const unit = this.unitNs(metrics, 'time_to_first_token');
    if (Number.isNaN(unit)) return false;
    let t = r.sendNs + toNs(ttft.value, unit);
    const icl = metrics.inter_chunk_latency;
    const gaps = icl?.value ?? [];
    if (!Array.isArray(gaps)) {
      this.problem({ pointer: '/metrics/inter_chunk_latency/value', expected: 'an array of numbers', found: describeValue(gaps) });
      return false;
    }
    const gapUnit = icl === undefined ? unit : this.unitNs(metrics, 'inter_chunk_latency');
    if (Number.isNaN(gapUnit)) return false;
    if (gaps.length + 1 > this.respNs.length) {
      this.respNs = new Float64Array(Math.max(gaps.length + 1, 2 * this.respNs.length));
      r.responseNs = this.respNs;
    }
    this.respNs[0] = t;
    for (let k = 0; k < gaps.length; k++) {
      const g = gaps[k] as unknown;
      if (typeof g !== 'number' || !(g >= 0)) {
        this.problem({ pointer: `/metrics/inter_chunk_latency/value/${k}`, expected: 'a non-negative number', found: describeValue(g) });
        return false;
      }
      t += toNs(g, gapUnit);
      this.respNs[k + 1] = t;
    }
    r.responseCount = gaps.length + 1;
    return true;
  }

  finish(fileBytes: number, compressed: boolean): ReadResult {
    const notes: string[] = [];
    for (const [name, n] of this.leftOut) {
      const requests = `request${n === 1 ? '' : 's'}`;
      if (name === 'warmup') notes.push(`${n} warm-up ${requests} left out (AIPerf benchmark_phase "warmup"; --phase warmup or --phase all reads them)`);
      else if (name === 'profiling') notes.push(`${n} profiling ${requests} left out (AIPerf benchmark_phase "profiling"; --phase ${this.phase} reads the warm-up only)`);
      else notes.push(`${n} ${requests} of AIPerf benchmark_phase ${JSON.stringify(name)} left out (palens reads "warmup" and "profiling")`);
    }
    if (this.phase === 'all') notes.push('--phase all: experiment 0 is the warm-up, experiment k + 1 the profiling run k');
    const experiments = [...this.perExperiment.keys()].sort((a, b) => a - b);
    if (experiments.length === 0 && this.problems.count === 0) experiments.push(0);
    for (const index of experiments) {
      this.sink.experimentEnd({ index, mode: null, value: null, windows: null, requests: this.perExperiment.get(index) ?? 0 });
    }
    const source = peerSource('aiperf', this.version, null, this.time.isSet ? this.time.absolute(0) : null, notes);
    return peerResult(this.file, fileBytes, compressed, this.bytes, source, this.problems, experiments.length, this.requests);
  }
}
