/**
 * A streaming, validating parser for perf_analyzer profile exports.
 *
 * Why it is shaped this way: exports reach gigabytes, past V8's string limit and past free
 * memory, and their timestamps (ns since the epoch) do not fit a double. So the parser scans
 * Buffer bytes with integer compares, never builds a string of the file, turns digits straight
 * into exact time offsets (records/time.ts), and holds one request at a time in reused typed
 * arrays. Outer levels (document, experiments) are a small state machine; each request is
 * parsed by recursive descent over bytes already in memory. When a chunk ends inside a unit,
 * the unit is re-parsed from its start once more bytes arrive (at least twice as many, so a
 * huge unit costs amortised linear time). bench/analyze.ts measures it.
 *
 * It checks what schemas/profile-export.schema.json says, plus what a schema cannot: a
 * response timestamp before its request's, responses out of arrival order, and
 * response_outputs not parallel to response_timestamps. test/unit/schema-agreement.test.ts
 * keeps the two in step.
 *
 * No I/O here: export/reader.ts feeds it chunks.
 */
import { InputError } from '../errors.js';
import type { ExperimentInfo, RecordSink, RequestRecord, SourceInfo } from '../records/record.js';
import { TimeBase } from '../records/time.js';
import { countChars, countWords, PROMPT_INPUT_KEYS, promptFromPayload, sseChunkIsEmpty, TEXT_OUTPUT_KEYS } from './outputs.js';
import type { Problem } from './problems.js';

const QUOTE = 0x22;
const BSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_F = 0x66;

const WS = new Uint8Array(256);
WS[0x20] = WS[0x0a] = WS[0x0d] = WS[0x09] = 1;
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const MAX_DEPTH = 512;
const UINT64_MAX = '18446744073709551615';

/** Thrown inside the parser when a unit runs past the bytes in memory. */
const NEED_MORE = Symbol('need more bytes');

class SyntaxFault {
  constructor(
    readonly expected: string,
    readonly at: number,
  ) {}
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const keyTable = (keys: readonly string[]): Uint8Array[] => keys.map(enc);

const ROOT_KEYS = keyTable(['experiments', 'version', 'service_kind', 'endpoint']);
const EXPERIMENT_KEYS = keyTable(['experiment', 'requests', 'window_boundaries']);
const REQUEST_KEYS = keyTable(['timestamp', 'response_timestamps', 'response_outputs', 'request_inputs', 'sequence_id']);
const K_TIMESTAMP = 0;
const K_RESPONSE_TIMESTAMPS = 1;
const K_RESPONSE_OUTPUTS = 2;
const K_REQUEST_INPUTS = 3;
const K_SEQUENCE_ID = 4;
const TEXT_KEYS = keyTable([...TEXT_OUTPUT_KEYS, 'response']);
const SSE_KEY = TEXT_KEYS.length - 1;
const PROMPT_KEYS = keyTable([...PROMPT_INPUT_KEYS, 'payload']);
const PAYLOAD_KEY = PROMPT_KEYS.length - 1;

// Outer states.
const ST_BEGIN = 0;
const ST_ROOT_FIRST = 1;
const ST_ROOT_NEXT = 2;
const ST_EXPS_FIRST = 3;
const ST_EXPS_NEXT = 4;
const ST_EXP_FIRST = 5;
const ST_EXP_NEXT = 6;
const ST_REQS_FIRST = 7;
const ST_REQS_NEXT = 8;
const ST_AFTER = 9;
const ST_OPEN = 10;

const NUM_OK = 0;
const NUM_NEGATIVE = 1;
const NUM_FRACTION = 2;
const NUM_TOO_BIG = 3;
const NUM_NOT_NUMBER = 4;

const UINT_EXPECTED = 'a non-negative integer (ns since the Unix epoch)';

export interface ParserOptions {
  /** Name of the file, for messages. */
  file: string;
  /** Throw an InputError at the first problem (analysis) instead of collecting them (validation). */
  failFast: boolean;
  /** Problems kept when collecting; the rest are only counted. @default 20 */
  maxProblems?: number;
  /**
   * Parse the tail of a split file: the first byte fed sits at this absolute offset, just after a
   * request object inside an experiment's requests array. Experiment and request indexes then count
   * from that point (export/split.ts shifts them back).
   */
  startInRequestsAt?: number;
}

/** Where the head of a split file stopped. */
export interface HeadResult {
  /** True when the bytes ended exactly after a request inside a requests array. */
  clean: boolean;
  experiment: ExperimentInfo;
  requests: number;
  source: SourceInfo;
}

export interface ParseResult {
  source: SourceInfo;
  problems: Problem[];
  /** All problems found, including those not kept. */
  problemCount: number;
  bytes: number;
  experiments: number;
  requests: number;
}

export class ProfileParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  /** Bytes dropped before buf[0]. */
  private consumed = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private wantBytes = 0;
  private state = ST_BEGIN;

  private readonly time = new TimeBase();
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private unitProblems: Problem[] = [];
  private readonly maxProblems: number;

  // Root fields.
  private rootSeen = 0;
  private version: string | null = null;
  private serviceKind: string | null = null;
  private endpoint: string | null = null;
  private hasResponseOutputs = false;
  private hasRequestInputs = false;

  // Current experiment.
  private expIndex = -1;
  private expSeen = 0;
  private expMode: string | null = null;
  private expValue: number | null = null;
  private expWindows: number | null = null;
  private reqIndex = 0;
  private totalRequests = 0;

  // Scratch for the current request, reused.
  private respNs = new Float64Array(1024);
  private respEmpty = new Uint8Array(1024);
  private respCount = 0;
  private outCount = 0;
  private readonly record: RequestRecord = {
    experiment: 0,
    index: 0,
    sendNs: 0,
    responseCount: 0,
    responseNs: this.respNs,
    responseEmpty: null,
    promptWords: -1,
    promptChars: -1,
    promptText: null,
    status: null,
  };

  // Results of the last scanned number / string / output object.
  private numStatus = NUM_OK;
  private numSec = 0;
  private numNsec = 0;
  private numStart = 0;
  private strEscaped = false;
  private outputEmpty = false;
  private promptText: string | null = null;

  constructor(
    private readonly sink: RecordSink,
    private readonly options: ParserOptions,
  ) {
    this.maxProblems = options.maxProblems ?? 20;
    if (options.startInRequestsAt !== undefined) {
      this.state = ST_REQS_NEXT;
      this.consumed = options.startInRequestsAt;
      this.expIndex = 0;
      this.expSeen = 3;
      this.rootSeen = 1;
    }
  }

  /**
   * For the head of a split file, after its last byte: whether it stopped cleanly between two
   * requests, and what it knows of the experiment it stopped in.
   */
  headResult(): HeadResult {
    const clean = this.state === ST_REQS_NEXT && this.pos === this.end && this.pending.length === 0 && this.problemCount === 0;
    return {
      clean,
      experiment: { index: this.expIndex, mode: this.expMode, value: this.expValue, windows: this.expWindows, requests: this.reqIndex },
      requests: this.totalRequests,
      source: this.sourceInfo(),
    };
  }

  private sourceInfo(): SourceInfo {
    return {
      version: this.version,
      serviceKind: this.serviceKind,
      endpoint: this.endpoint,
      hasResponseOutputs: this.hasResponseOutputs,
      hasRequestInputs: this.hasRequestInputs,
      timeBaseNs: this.time.isSet ? this.time.absolute(0) : null,
    };
  }

  /** Parses as much of the document as the bytes so far allow. */
  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.end - this.pos + this.pendingBytes < this.wantBytes) return;
    const rest = this.buf.subarray(this.pos, this.end);
    this.consumed += this.pos;
    this.buf = rest.length === 0 && this.pending.length === 1 ? chunk : Buffer.concat([rest, ...this.pending]);
    this.pos = 0;
    this.end = this.buf.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.wantBytes = 0;
    this.run(false);
  }

  /**
   * For readers that fill the parser's own buffer (no copy per chunk): moves the unparsed bytes
   * to the front and returns where at least `minFree` new bytes may be written.
   */
  writeWindow(minFree: number): { buffer: Buffer; offset: number } {
    const rest = this.end - this.pos;
    const need = Math.max(rest + minFree, this.wantBytes + minFree);
    if (this.buf.length < need || this.pending.length > 0) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buf.length));
      this.buf.copy(grown, 0, this.pos, this.end);
      this.buf = grown;
    } else if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
    }
    this.consumed += this.pos;
    this.pos = 0;
    this.end = rest;
    return { buffer: this.buf, offset: rest };
  }

  /** `n` bytes were written at the window's offset; parses what it can. */
  commitWrite(n: number): void {
    this.end += n;
    if (this.end - this.pos < this.wantBytes) return;
    this.wantBytes = 0;
    this.run(false);
  }

  /** Ends the document; throws if it is incomplete. */
  finish(): ParseResult {
    if (this.pending.length > 0) {
      const rest = this.buf.subarray(this.pos, this.end);
      this.consumed += this.pos;
      this.buf = Buffer.concat([rest, ...this.pending]);
      this.pos = 0;
      this.end = this.buf.length;
      this.pending = [];
    }
    this.run(true);
    if (this.rootSeen === 0 || (this.rootSeen & 1) === 0) {
      this.addProblem({ code: 'PALENS_INPUT_SCHEMA', pointer: '', expected: 'a required "experiments" array', found: 'none' });
    }
    return {
      source: this.sourceInfo(),
      problems: this.problems,
      problemCount: this.problemCount,
      bytes: this.consumed + this.end,
      experiments: this.expIndex + 1,
      requests: this.totalRequests,
    };
  }

  private run(final: boolean): void {
    if (this.state === ST_BEGIN && !this.begin(final)) return;
    for (;;) {
      try {
        if (!this.step(final)) return;
      } catch (e) {
        let err: unknown = e;
        if (e === NEED_MORE) {
          if (!final) {
            this.wantBytes = 2 * (this.end - this.pos);
            return;
          }
          err = this.truncatedError();
        } else if (e instanceof SyntaxFault) err = this.syntaxError(e);
        if (err instanceof InputError) err.earlier = { problems: this.problems.slice(), count: this.problemCount };
        throw err;
      }
    }
  }

  /** Rejects a BOM and an empty file before any JSON is read. */
  private begin(final: boolean): boolean {
    const b = this.buf;
    if (this.end < 3 && !final) return false;
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      throw new InputError(
        'PALENS_INPUT_SYNTAX',
        'expected JSON text, found a UTF-8 byte-order mark (BOM) at the start of the file',
        { file: this.options.file, pointer: '', byteOffset: 0 },
        'save the file as UTF-8 without a BOM',
      );
    }
    this.state = ST_OPEN;
    return true;
  }

  /** One unit of the outer state machine. Returns false when the document is done. */
  private step(final: boolean): boolean {
    const b = this.buf;
    let i = this.pos;
    switch (this.state) {
      case ST_OPEN: {
        while (i < this.end && WS[b[i]!]) i++;
        if (i >= this.end) {
          this.pos = i;
          if (!final) throw NEED_MORE;
          throw new InputError('PALENS_INPUT_EMPTY', 'expected a JSON object, found an empty file', {
            file: this.options.file,
          });
        }
        if (b[i] !== LBRACE) {
          throw new InputError(
            'PALENS_INPUT_SYNTAX',
            `expected a JSON object ('{') at the top level, found ${this.foundAt(i)}`,
            { file: this.options.file, pointer: '', byteOffset: this.consumed + i },
            'is this a perf_analyzer --profile-export-file output?',
          );
        }
        this.pos = i + 1;
        this.state = ST_ROOT_FIRST;
        return true;
      }
      case ST_ROOT_FIRST:
      case ST_ROOT_NEXT: {
        i = this.ws(i);
        if (b[i] === RBRACE) {
          this.pos = i + 1;
          this.state = ST_AFTER;
          return true;
        }
        if (this.state === ST_ROOT_NEXT) {
          if (b[i] !== COMMA) throw new SyntaxFault("',' or '}' after a top-level value", i);
          i = this.ws(i + 1);
        }
        this.unitProblems = [];
        this.seenField = null;
        const key = this.readKey(i, ROOT_KEYS);
        i = this.valueStart(this.keyEnd);
        if (key >= 0) this.markSeen('rootSeen', key, '/' + ['experiments', 'version', 'service_kind', 'endpoint'][key]!);
        if (key === 0) {
          if (b[i] === LBRACK) {
            this.commitUnit();
            this.pos = i + 1;
            this.state = ST_EXPS_FIRST;
            return true;
          }
          i = this.valueProblem(i, '/experiments', 'an array of experiments', 'PALENS_INPUT_SCHEMA');
        } else if (key > 0) {
          const s = i;
          i = this.skipValue(i, 0);
          const value = this.smallValue(s, i);
          const name = ['experiments', 'version', 'service_kind', 'endpoint'][key]!;
          if (typeof value === 'string') {
            if (key === 1) this.version = value;
            else if (key === 2) this.serviceKind = value;
            else this.endpoint = value;
          } else {
            this.unitProblem('PALENS_INPUT_SCHEMA', '/' + name, 'a string', this.foundAt(s), s);
          }
        } else {
          i = this.skipValue(i, 0);
        }
        this.commitUnit();
        this.pos = i;
        this.state = ST_ROOT_NEXT;
        return true;
      }
      case ST_EXPS_FIRST:
      case ST_EXPS_NEXT: {
        i = this.ws(i);
        if (b[i] === RBRACK) {
          if (this.expIndex < 0) {
            this.addProblem({
              code: 'PALENS_INPUT_SCHEMA',
              pointer: '/experiments',
              expected: 'at least one experiment',
              found: 'an empty array',
              byteOffset: this.consumed + i,
            });
          }
          this.pos = i + 1;
          this.state = ST_ROOT_NEXT;
          return true;
        }
        if (this.state === ST_EXPS_NEXT) {
          if (b[i] !== COMMA) throw new SyntaxFault("',' or ']' after an experiment", i);
          i = this.ws(i + 1);
        }
        if (b[i] !== LBRACE) {
          this.unitProblems = [];
          i = this.valueProblem(i, `/experiments/${this.expIndex + 1}`, 'an experiment object', 'PALENS_INPUT_SCHEMA');
          this.commitUnit();
          this.expIndex++;
          this.pos = i;
          this.state = ST_EXPS_NEXT;
          return true;
        }
        this.expIndex++;
        this.expSeen = 0;
        this.expMode = null;
        this.expValue = null;
        this.expWindows = null;
        this.reqIndex = 0;
        this.pos = i + 1;
        this.state = ST_EXP_FIRST;
        return true;
      }
      case ST_EXP_FIRST:
      case ST_EXP_NEXT: {
        i = this.ws(i);
        if (b[i] === RBRACE) {
          this.endExperiment(i);
          this.pos = i + 1;
          this.state = ST_EXPS_NEXT;
          return true;
        }
        if (this.state === ST_EXP_NEXT) {
          if (b[i] !== COMMA) throw new SyntaxFault("',' or '}' after a value in an experiment", i);
          i = this.ws(i + 1);
        }
        this.unitProblems = [];
        this.seenField = null;
        const key = this.readKey(i, EXPERIMENT_KEYS);
        i = this.valueStart(this.keyEnd);
        const base = `/experiments/${this.expIndex}`;
        if (key >= 0) this.markSeen('expSeen', key, base + '/' + ['experiment', 'requests', 'window_boundaries'][key]!);
        if (key === 1) {
          if (b[i] === LBRACK) {
            this.commitUnit();
            this.pos = i + 1;
            this.state = ST_REQS_FIRST;
            return true;
          }
          i = this.valueProblem(i, base + '/requests', 'an array of requests', 'PALENS_INPUT_SCHEMA');
        } else if (key === 0) {
          i = this.parseExperimentObject(i, base + '/experiment');
        } else if (key === 2) {
          i = this.parseWindowBoundaries(i, base + '/window_boundaries');
        } else {
          i = this.skipValue(i, 0);
        }
        this.commitUnit();
        this.pos = i;
        this.state = ST_EXP_NEXT;
        return true;
      }
      case ST_REQS_FIRST:
      case ST_REQS_NEXT: {
        i = this.ws(i);
        if (b[i] === RBRACK) {
          this.pos = i + 1;
          this.state = ST_EXP_NEXT;
          return true;
        }
        if (this.state === ST_REQS_NEXT) {
          if (b[i] !== COMMA) throw new SyntaxFault("',' or ']' after a request", i);
          i = this.ws(i + 1);
        }
        this.unitProblems = [];
        i = this.parseRequest(i);
        this.pos = i;
        this.state = ST_REQS_NEXT;
        return true;
      }
      case ST_AFTER: {
        while (i < this.end && WS[b[i]!]) i++;
        if (i < this.end) throw new SyntaxFault('nothing after the end of the JSON document', i);
        this.pos = i;
        if (!final) throw NEED_MORE;
        return false;
      }
      default:
        throw new Error(`profile parser: unknown state ${this.state}`);
    }
  }

  // ---------------------------------------------------------------- requests

  private parseRequest(i: number): number {
    const b = this.buf;
    const base = `/experiments/${this.expIndex}/requests/${this.reqIndex}`;
    if (b[i] !== LBRACE) {
      i = this.valueProblem(i, base, 'a request object', 'PALENS_INPUT_SCHEMA');
      this.commitUnit();
      this.reqIndex++;
      return i;
    }
    const start = i;
    let seen = 0;
    let sendNs = 0;
    let sendOk = false;
    this.respCount = 0;
    this.outCount = -1;
    this.promptText = null;
    i = this.ws(i + 1);
    if (b[i] === RBRACE) i++;
    else {
      for (;;) {
        const key = this.readKey(i, REQUEST_KEYS);
        i = this.valueStart(this.keyEnd);
        if (key >= 0) {
          if (seen & (1 << key)) this.unitProblem('PALENS_INPUT_SCHEMA', `${base}/${this.keyName(REQUEST_KEYS, key)}`, 'each key once', 'a duplicate key', i);
          seen |= 1 << key;
        }
        switch (key) {
          case K_TIMESTAMP: {
            i = this.readUint(i);
            if (this.numStatus === NUM_OK) {
              sendNs = this.time.offset(this.numSec, this.numNsec);
              sendOk = true;
            } else this.uintProblem(`${base}/timestamp`, i);
            break;
          }
          case K_RESPONSE_TIMESTAMPS:
            i = this.parseResponseTimestamps(i, base);
            break;
          case K_RESPONSE_OUTPUTS:
            i = this.parseResponseOutputs(i, base);
            break;
          case K_REQUEST_INPUTS:
            i = this.parseRequestInputs(i, base);
            break;
          case K_SEQUENCE_ID:
            i = this.readUint(i);
            if (this.numStatus !== NUM_OK) {
              this.unitProblem('PALENS_INPUT_SCHEMA', `${base}/sequence_id`, 'a non-negative integer', this.foundNumber(i), this.numStart);
            }
            break;
          default:
            i = this.skipValue(i, 0);
        }
        i = this.ws(i);
        if (b[i] === COMMA) {
          i = this.ws(i + 1);
          continue;
        }
        if (b[i] === RBRACE) {
          i++;
          break;
        }
        throw new SyntaxFault("',' or '}' after a value in a request", i);
      }
    }

    if (!(seen & (1 << K_TIMESTAMP))) {
      this.unitProblem('PALENS_INPUT_SCHEMA', base, 'a "timestamp" field (send time, ns since the Unix epoch)', 'a request without one', start);
    }
    if (!(seen & (1 << K_RESPONSE_TIMESTAMPS))) {
      this.unitProblem('PALENS_INPUT_SCHEMA', base, 'a "response_timestamps" array', 'a request without one', start);
    }
    if (this.outCount >= 0 && this.outCount !== this.respCount && this.unitProblems.length === 0) {
      this.unitProblem(
        'PALENS_INPUT_SEMANTIC',
        `${base}/response_outputs`,
        `${this.respCount} entries (one per response timestamp)`,
        `${this.outCount}`,
        start,
      );
    }
    if (sendOk && this.unitProblems.length === 0) {
      const ns = this.respNs;
      for (let k = 0; k < this.respCount; k++) {
        const t = ns[k]!;
        if (t < sendNs) {
          this.unitProblem(
            'PALENS_INPUT_SEMANTIC',
            `${base}/response_timestamps/${k}`,
            `a time at or after the request's timestamp (${this.time.absolute(sendNs)})`,
            `${this.time.absolute(t)}, ${sendNs - t} ns before it`,
            start,
          );
          break;
        }
        if (k > 0 && t < ns[k - 1]!) {
          this.unitProblem(
            'PALENS_INPUT_SEMANTIC',
            `${base}/response_timestamps/${k}`,
            `timestamps in arrival order (at or after ${this.time.absolute(ns[k - 1]!)})`,
            `${this.time.absolute(t)}`,
            start,
          );
          break;
        }
      }
    }

    const clean = this.unitProblems.length === 0;
    this.commitUnit();
    if (clean) {
      const r = this.record;
      r.experiment = this.expIndex;
      r.index = this.reqIndex;
      r.sendNs = sendNs;
      r.responseCount = this.respCount;
      r.responseNs = this.respNs;
      r.responseEmpty = this.outCount >= 0 ? this.respEmpty : null;
      r.promptText = this.promptText;
      if (this.promptText !== null) {
        r.promptWords = countWords(this.promptText);
        r.promptChars = countChars(this.promptText);
      } else {
        r.promptWords = -1;
        r.promptChars = -1;
      }
      this.sink.record(r);
    }
    this.reqIndex++;
    this.totalRequests++;
    return i;
  }

  private parseResponseTimestamps(i: number, base: string): number {
    const b = this.buf;
    if (b[i] !== LBRACK) return this.valueProblem(i, `${base}/response_timestamps`, 'an array of ns timestamps', 'PALENS_INPUT_SCHEMA');
    i = this.ws(i + 1);
    if (b[i] === RBRACK) return i + 1;
    let k = 0;
    for (;;) {
      i = this.readUint(i);
      if (this.numStatus === NUM_OK) {
        if (k === this.respNs.length) this.growResponses();
        this.respNs[k] = this.time.offset(this.numSec, this.numNsec);
      } else {
        this.uintProblem(`${base}/response_timestamps/${k}`, i);
        if (k === this.respNs.length) this.growResponses();
        this.respNs[k] = 0;
      }
      k++;
      // Compact JSON first: ',' and the next value with no whitespace between.
      if (b[i] === COMMA && i + 1 < this.end && !WS[b[i + 1]!]) {
        i++;
        continue;
      }
      i = this.ws(i);
      const c = b[i];
      if (c === COMMA) {
        i = this.ws(i + 1);
        continue;
      }
      if (c === RBRACK) {
        this.respCount = k;
        return i + 1;
      }
      throw new SyntaxFault("',' or ']' after a response timestamp", i);
    }
  }

  private parseResponseOutputs(i: number, base: string): number {
    const b = this.buf;
    this.hasResponseOutputs = true;
    if (b[i] !== LBRACK) return this.valueProblem(i, `${base}/response_outputs`, 'an array of response outputs', 'PALENS_INPUT_SCHEMA');
    i = this.ws(i + 1);
    let k = 0;
    if (b[i] === RBRACK) {
      this.outCount = 0;
      return i + 1;
    }
    for (;;) {
      let empty = 0;
      const c = b[i];
      if (c === LBRACE) {
        i = this.scanOutputObject(i);
        empty = this.outputEmpty ? 1 : 0;
      } else if (c === LOWER_N) {
        i = this.literal(i, 'null');
        empty = 1;
      } else {
        i = this.valueProblem(i, `${base}/response_outputs/${k}`, 'an object (output name → value) or null', 'PALENS_INPUT_SCHEMA');
      }
      if (k === this.respEmpty.length) this.growResponses();
      this.respEmpty[k] = empty;
      k++;
      if (b[i] === COMMA && i + 1 < this.end && !WS[b[i + 1]!]) {
        i++;
        continue;
      }
      i = this.ws(i);
      if (b[i] === COMMA) {
        i = this.ws(i + 1);
        continue;
      }
      if (b[i] === RBRACK) {
        this.outCount = k;
        return i + 1;
      }
      throw new SyntaxFault("',' or ']' after a response output", i);
    }
  }

  /**
   * Decides whether one response output object is empty: it has no keys, or its text
   * outputs (text_output, TEXT, …; OpenAI's raw "response" SSE text) are all empty, or, when
   * it has no text output, all of its values are "" or null.
   */
  private scanOutputObject(i: number): number {
    const b = this.buf;
    let sawText = false;
    let textNonEmpty = false;
    let otherNonEmpty = false;
    i++;
    if (i >= this.end || b[i] !== QUOTE) i = this.ws(i);
    if (b[i] === RBRACE) {
      this.outputEmpty = true;
      return i + 1;
    }
    for (;;) {
      const key = this.readKey(i, TEXT_KEYS);
      i = this.valueStart(this.keyEnd);
      const c = b[i];
      let nonEmpty: boolean;
      if (c === QUOTE) {
        const s = i;
        i = this.skipString(i);
        nonEmpty = i - s > 2;
        if (nonEmpty && key === SSE_KEY) nonEmpty = !sseChunkIsEmpty(this.decodeString(s, i));
      } else if (c === LOWER_N) {
        i = this.literal(i, 'null');
        nonEmpty = false;
      } else if (c === LBRACK) {
        nonEmpty = b[this.ws(i + 1)] !== RBRACK;
        i = this.skipValue(i, 0);
      } else {
        i = this.skipValue(i, 0);
        nonEmpty = true;
      }
      if (key >= 0) {
        sawText = true;
        if (nonEmpty) textNonEmpty = true;
      } else if (nonEmpty) otherNonEmpty = true;
      i = this.ws(i);
      if (b[i] === COMMA) {
        i = this.ws(i + 1);
        continue;
      }
      if (b[i] === RBRACE) {
        this.outputEmpty = sawText ? !textNonEmpty : !otherNonEmpty;
        return i + 1;
      }
      throw new SyntaxFault("',' or '}' after a value in a response output", i);
    }
  }

  private parseRequestInputs(i: number, base: string): number {
    const b = this.buf;
    this.hasRequestInputs = true;
    if (b[i] !== LBRACE) return this.valueProblem(i, `${base}/request_inputs`, 'an object (input name → value)', 'PALENS_INPUT_SCHEMA');
    i = this.ws(i + 1);
    if (b[i] === RBRACE) return i + 1;
    for (;;) {
      const key = this.readKey(i, PROMPT_KEYS);
      i = this.valueStart(this.keyEnd);
      if (key >= 0 && b[i] === QUOTE) {
        const s = i;
        i = this.skipString(i);
        const text = this.decodeString(s, i);
        this.promptText = key === PAYLOAD_KEY ? promptFromPayload(text) : text;
      } else {
        i = this.skipValue(i, 0);
      }
      i = this.ws(i);
      if (b[i] === COMMA) {
        i = this.ws(i + 1);
        continue;
      }
      if (b[i] === RBRACE) return i + 1;
      throw new SyntaxFault("',' or '}' after a value in request_inputs", i);
    }
  }

  private growResponses(): void {
    const n = this.respNs.length * 2;
    const ns = new Float64Array(n);
    ns.set(this.respNs);
    this.respNs = ns;
    const empty = new Uint8Array(n);
    empty.set(this.respEmpty);
    this.respEmpty = empty;
  }

  // ------------------------------------------------------------- experiments

  private parseExperimentObject(i: number, pointer: string): number {
    const s = i;
    i = this.skipValue(i, 0);
    const v = this.smallValue(s, i);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.unitProblem('PALENS_INPUT_SCHEMA', pointer, 'an object {"mode", "value"}', this.foundAt(s), s);
      return i;
    }
    const { mode, value } = v as { mode?: unknown; value?: unknown };
    if (typeof mode === 'string') this.expMode = mode;
    else this.unitProblem('PALENS_INPUT_SCHEMA', pointer + '/mode', 'a string such as "concurrency" or "request_rate"', describe(mode), s);
    if (typeof value === 'number') this.expValue = value;
    else this.unitProblem('PALENS_INPUT_SCHEMA', pointer + '/value', 'a number (the load level)', describe(value), s);
    return i;
  }

  private parseWindowBoundaries(i: number, pointer: string): number {
    const b = this.buf;
    if (b[i] !== LBRACK) return this.valueProblem(i, pointer, 'an array of ns timestamps', 'PALENS_INPUT_SCHEMA');
    i = this.ws(i + 1);
    let k = 0;
    if (b[i] !== RBRACK) {
      for (;;) {
        i = this.readUint(i);
        if (this.numStatus === NUM_OK) this.time.offset(this.numSec, this.numNsec);
        else this.uintProblem(`${pointer}/${k}`, i);
        k++;
        i = this.ws(i);
        if (b[i] === COMMA) {
          i = this.ws(i + 1);
          continue;
        }
        if (b[i] === RBRACK) break;
        throw new SyntaxFault("',' or ']' after a window boundary", i);
      }
    }
    this.expWindows = k > 0 ? k - 1 : 0;
    return i + 1;
  }

  private endExperiment(i: number): void {
    const base = `/experiments/${this.expIndex}`;
    if (!(this.expSeen & 1)) {
      this.addProblem({ code: 'PALENS_INPUT_SCHEMA', pointer: base, expected: 'an "experiment" object {"mode", "value"}', found: 'an experiment without one', byteOffset: this.consumed + i });
    }
    if (!(this.expSeen & 2)) {
      this.addProblem({ code: 'PALENS_INPUT_SCHEMA', pointer: base, expected: 'a "requests" array', found: 'an experiment without one', byteOffset: this.consumed + i });
    }
    const info: ExperimentInfo = {
      index: this.expIndex,
      mode: this.expMode,
      value: this.expValue,
      windows: this.expWindows,
      requests: this.reqIndex,
    };
    this.sink.experimentEnd(info);
  }

  // ------------------------------------------------------------ primitives

  private ws(i: number): number {
    const b = this.buf;
    const end = this.end;
    while (i < end && WS[b[i]!]) i++;
    if (i >= end) throw NEED_MORE;
    return i;
  }

  /** Skips ':' and whitespace after a key; returns the start of the value. */
  private valueStart(i: number): number {
    const b = this.buf;
    // Compact JSON (what perf_analyzer writes): the colon, then the value, no whitespace.
    if (b[i] === COLON && i + 1 < this.end && !WS[b[i + 1]!]) return i + 1;
    i = this.ws(i);
    if (this.buf[i] !== COLON) throw new SyntaxFault("':' after an object key", i);
    return this.ws(i + 1);
  }

  private keyEnd = 0;

  /** Reads a key at i (a string); sets keyEnd; returns its index in table or -1. */
  private readKey(i: number, table: readonly Uint8Array[]): number {
    const b = this.buf;
    if (b[i] !== QUOTE) throw new SyntaxFault('a quoted object key', i);
    // Fast path: the key is one of the table's, byte for byte, and its closing quote follows.
    // Table keys hold no quote, backslash or control byte, so the string is valid as it stands.
    const end = this.end;
    for (let t = 0; t < table.length; t++) {
      const k = table[t]!;
      const close = i + 1 + k.length;
      if (close < end && b[close] === QUOTE && sameBytes(k, b, i + 1, k.length)) {
        this.keyEnd = close + 1;
        return t;
      }
    }
    const e = this.skipString(i);
    this.keyEnd = e;
    const s = i + 1;
    const len = e - 1 - s;
    if (this.strEscaped) {
      const key = this.decodeString(i, e);
      const bytes = enc(key);
      for (let t = 0; t < table.length; t++) if (sameBytes(table[t]!, bytes, 0, bytes.length)) return t;
      return -1;
    }
    for (let t = 0; t < table.length; t++) {
      const k = table[t]!;
      if (k.length === len && sameBytes(k, b, s, len)) return t;
    }
    return -1;
  }

  private keyName(table: readonly Uint8Array[], k: number): string {
    return new TextDecoder().decode(table[k]);
  }

  /** i at the opening quote; returns the index after the closing quote. */
  private skipString(i: number): number {
    const b = this.buf;
    const end = this.end;
    let j = i + 1;
    let escaped = false;
    for (;;) {
      if (j >= end) throw NEED_MORE;
      const c = b[j]!;
      if (c === QUOTE) {
        this.strEscaped = escaped;
        return j + 1;
      }
      if (c === BSLASH) {
        escaped = true;
        if (j + 1 >= end) throw NEED_MORE;
        const d = b[j + 1]!;
        if (d === LOWER_U) {
          if (j + 5 >= end) throw NEED_MORE;
          if (!(HEX[b[j + 2]!] && HEX[b[j + 3]!] && HEX[b[j + 4]!] && HEX[b[j + 5]!])) throw new SyntaxFault('four hex digits after \\u', j);
          j += 6;
        } else if (ESCAPE[d]) j += 2;
        else throw new SyntaxFault('a valid escape sequence in a string', j);
        continue;
      }
      if (c < 0x20) throw new SyntaxFault('a closing quote (strings cannot hold raw control characters or line breaks)', j);
      j++;
    }
  }

  /** The text of the string token at [s, e), s at its opening quote. */
  private decodeString(s: number, e: number): string {
    this.skipString(s);
    if (!this.strEscaped) return this.buf.toString('utf8', s + 1, e - 1);
    return JSON.parse(this.buf.toString('utf8', s, e)) as string;
  }

  /**
   * Reads a number token at i as an unsigned 64-bit integer, exactly, into (numSec, numNsec).
   * Anything else sets numStatus and is skipped (a non-number value skips as a whole).
   */
  private readUint(i: number): number {
    const b = this.buf;
    const end = this.end;
    // Fast path: timestamps in one file nearly always have the digit count of the last one
    // (19 for ns since the epoch), so parse both halves in one validating pass.
    const nd = this.lastDigits;
    const de = i + nd;
    if (de < end && nd > 9) {
      const after = b[de]!;
      if ((after < ZERO || after > NINE) && after !== DOT && after !== LOWER_E && after !== UPPER_E && b[i] !== ZERO) {
        const cut = de - 9;
        let hi = 0;
        let k = i;
        for (; k < cut; k++) {
          const d = b[k]! - ZERO;
          if (d < 0 || d > 9) break;
          hi = hi * 10 + d;
        }
        let lo = 0;
        if (k === cut) {
          for (; k < de; k++) {
            const d = b[k]! - ZERO;
            if (d < 0 || d > 9) break;
            lo = lo * 10 + d;
          }
        }
        if (k === de && (nd < 20 || b.toString('latin1', i, de) <= UINT64_MAX)) {
          this.numStart = i;
          this.numSec = hi;
          this.numNsec = lo;
          this.numStatus = NUM_OK;
          return de;
        }
      }
    }
    return this.readUintSlow(i);
  }

  /** Digit count of the last unsigned integer read (the fast path's guess). */
  private lastDigits = 19;

  private readUintSlow(i: number): number {
    const b = this.buf;
    const end = this.end;
    let c = b[i]!;
    this.numStart = i;
    if (c !== MINUS && (c < ZERO || c > NINE)) {
      const e = this.skipValue(i, 0);
      this.numStart = i;
      this.numStatus = NUM_NOT_NUMBER;
      return e;
    }
    const negative = c === MINUS;
    if (negative) {
      i++;
      if (i >= end) throw NEED_MORE;
      c = b[i]!;
      if (c < ZERO || c > NINE) throw new SyntaxFault('a digit after "-"', i);
    }
    const ds = i;
    if (c === ZERO) i++;
    else {
      while (i < end) {
        c = b[i]!;
        if (c < ZERO || c > NINE) break;
        i++;
      }
    }
    if (i >= end) throw NEED_MORE;
    const de = i;
    c = b[i]!;
    let fraction = false;
    if (c === DOT) {
      fraction = true;
      i = this.digits(i + 1);
      c = b[i]!;
    }
    if (c === LOWER_E || c === UPPER_E) {
      fraction = true;
      i++;
      if (i >= end) throw NEED_MORE;
      c = b[i]!;
      if (c === PLUS || c === MINUS) i++;
      i = this.digits(i);
    }
    if (negative) this.numStatus = NUM_NEGATIVE;
    else if (fraction) this.numStatus = NUM_FRACTION;
    else {
      const nd = de - ds;
      if (nd > 20 || (nd === 20 && b.toString('latin1', ds, de) > UINT64_MAX)) this.numStatus = NUM_TOO_BIG;
      else {
        const cut = nd > 9 ? de - 9 : ds;
        let hi = 0;
        for (let k = ds; k < cut; k++) hi = hi * 10 + (b[k]! - ZERO);
        let lo = 0;
        for (let k = cut; k < de; k++) lo = lo * 10 + (b[k]! - ZERO);
        this.numSec = hi;
        this.numNsec = lo;
        this.numStatus = NUM_OK;
        this.lastDigits = nd;
      }
    }
    return i;
  }

  /** One or more digits from i; returns the index after them. */
  private digits(i: number): number {
    const b = this.buf;
    const end = this.end;
    if (i >= end) throw NEED_MORE;
    const s = i;
    while (i < end && b[i]! >= ZERO && b[i]! <= NINE) i++;
    if (i === s) throw new SyntaxFault('a digit', i);
    if (i >= end) throw NEED_MORE;
    return i;
  }

  private literal(i: number, word: 'null' | 'true' | 'false'): number {
    const n = word.length;
    if (i + n > this.end) throw NEED_MORE;
    for (let k = 0; k < n; k++) if (this.buf[i + k] !== word.charCodeAt(k)) throw new SyntaxFault('a JSON value', i);
    return i + n;
  }

  /** Skips one JSON value starting at i (after whitespace); returns the index after it. */
  private skipValue(i: number, depth: number): number {
    const b = this.buf;
    const c = b[i]!;
    if (c === QUOTE) return this.skipString(i);
    if (c === LBRACE || c === LBRACK) {
      if (depth >= MAX_DEPTH) throw new SyntaxFault(`at most ${MAX_DEPTH} levels of nesting`, i);
      const close = c === LBRACE ? RBRACE : RBRACK;
      i = this.ws(i + 1);
      if (b[i] === close) return i + 1;
      for (;;) {
        if (close === RBRACE) {
          if (b[i] !== QUOTE) throw new SyntaxFault('a quoted object key', i);
          i = this.valueStart(this.skipString(i));
        }
        i = this.skipValue(i, depth + 1);
        i = this.ws(i);
        if (b[i] === COMMA) {
          i = this.ws(i + 1);
          continue;
        }
        if (b[i] === close) return i + 1;
        throw new SyntaxFault(close === RBRACE ? "',' or '}' in an object" : "',' or ']' in an array", i);
      }
    }
    if (c === LOWER_T) return this.literal(i, 'true');
    if (c === LOWER_F) return this.literal(i, 'false');
    if (c === LOWER_N) return this.literal(i, 'null');
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const status = this.numStatus;
      i = this.readUint(i);
      this.numStatus = status;
      return i;
    }
    throw new SyntaxFault('a JSON value', i);
  }

  /** JSON.parse of a small value already skipped over. */
  private smallValue(s: number, e: number): unknown {
    return JSON.parse(this.buf.toString('utf8', s, e));
  }

  // -------------------------------------------------------------- problems

  /** Notes an outer-level key; it counts as seen only when its unit commits (a unit may be re-parsed). */
  private markSeen(field: 'rootSeen' | 'expSeen', key: number, pointer: string): void {
    if (this[field] & (1 << key)) this.unitProblem('PALENS_INPUT_SCHEMA', pointer, 'each key once', 'a duplicate key', this.keyEnd);
    this.seenField = field;
    this.seenBit = 1 << key;
  }

  private seenField: 'rootSeen' | 'expSeen' | null = null;
  private seenBit = 0;

  private valueProblem(i: number, pointer: string, expected: string, code: Problem['code']): number {
    this.unitProblem(code, pointer, expected, this.foundAt(i), i);
    return this.skipValue(i, 0);
  }

  private uintProblem(pointer: string, i: number): void {
    this.unitProblem('PALENS_INPUT_SCHEMA', pointer, UINT_EXPECTED, this.foundNumber(i), this.numStart);
  }

  private foundNumber(i: number): string {
    const s = this.numStart;
    const text = this.foundAt(s, i);
    switch (this.numStatus) {
      case NUM_NEGATIVE:
        return `a negative number ${text}`;
      case NUM_FRACTION:
        return `a non-integer number ${text}`;
      case NUM_TOO_BIG:
        return `${text}, which is above 2^64 − 1`;
      default:
        return text;
    }
  }

  /** A short description of the value at i (ending at e when known). */
  private foundAt(i: number, e?: number): string {
    const b = this.buf;
    if (i >= this.end) return 'the end of the file';
    const c = b[i]!;
    if (c === LBRACE) return 'an object';
    if (c === LBRACK) return 'an array';
    const stop = e ?? Math.min(this.end, i + 48);
    let text = b.toString('utf8', i, stop);
    if (e === undefined) {
      const m = /^("(?:[^"\\]|\\.)*"|[^\s,\]}]+)/.exec(text);
      text = m ? m[1]! : text;
    }
    if (text.length > 40) text = text.slice(0, 37) + '…';
    if (c === QUOTE) return `the string ${text}`;
    return text;
  }

  private unitProblem(code: Problem['code'], pointer: string, expected: string, found: string, at: number): void {
    const p: Problem = { code, pointer, expected, found, byteOffset: this.consumed + at };
    if (this.options.failFast) this.raise(p);
    this.unitProblems.push(p);
  }

  private commitUnit(): void {
    if (this.seenField !== null) {
      this[this.seenField] |= this.seenBit;
      this.seenField = null;
    }
    for (const p of this.unitProblems) this.addProblem(p);
    this.unitProblems = [];
  }

  private addProblem(p: Problem): void {
    if (this.options.failFast) this.raise(p);
    this.problemCount++;
    if (this.problems.length < this.maxProblems) this.problems.push(p);
  }

  private raise(p: Problem): never {
    throw new InputError(p.code, `expected ${p.expected}, found ${p.found}`, {
      file: this.options.file,
      pointer: p.pointer,
      ...(p.byteOffset === undefined ? {} : { byteOffset: p.byteOffset }),
    }, 'run `palens validate` on the file to list every problem');
  }

  private where(): string {
    switch (this.state) {
      case ST_REQS_FIRST:
      case ST_REQS_NEXT:
        return `/experiments/${this.expIndex}/requests/${this.reqIndex}`;
      case ST_EXP_FIRST:
      case ST_EXP_NEXT:
      case ST_EXPS_NEXT:
        return `/experiments/${Math.max(0, this.expIndex)}`;
      case ST_EXPS_FIRST:
        return '/experiments';
      default:
        return '';
    }
  }

  private syntaxError(f: SyntaxFault): InputError {
    const found = this.foundAt(f.at);
    return new InputError(
      'PALENS_INPUT_SYNTAX',
      `invalid JSON: expected ${f.expected}, found ${found}`,
      { file: this.options.file, pointer: this.where(), byteOffset: this.consumed + f.at },
    );
  }

  private truncatedError(): InputError {
    const where = this.where();
    return new InputError(
      'PALENS_INPUT_SYNTAX',
      `the file ends before ${where === '' ? 'the top-level object' : 'this value'} is complete: expected more JSON (is the file truncated?)`,
      { file: this.options.file, pointer: where, byteOffset: this.consumed + this.end },
      'a perf_analyzer run that was killed leaves a partial export; re-run it',
    );
  }
}

function sameBytes(key: Uint8Array, b: Uint8Array, s: number, len: number): boolean {
  if (key.length !== len) return false;
  for (let k = 0; k < len; k++) if (key[k] !== b[s + k]) return false;
  return true;
}

function describe(v: unknown): string {
  if (v === undefined) return 'none';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 30 ? v.slice(0, 27) + '…' : v)}`;
  return String(v);
}
