/**
 * The perf_analyzer profile-export grammar: a streaming, validating reader that turns an export's
 * bytes into RequestRecords.
 *
 * Why it is shaped this way: exports reach gigabytes, past V8's string limit and past free memory,
 * and their timestamps (ns since the epoch) do not fit a double. So the bytes sit in a window
 * (export/byte-window.ts), tokens are read from them by the JSON lexer (export/json-lexer.ts),
 * digits become exact time offsets (records/time.ts), and one request at a time is held, in reused
 * typed arrays. The outer levels (document, experiments, an experiment's keys, the requests array)
 * are a small state machine that consumes whitespace and separators as it goes; each unit (a
 * top-level key and its value, an experiment key and its value, one request) is read by recursive
 * descent and read again from its start if the bytes run out inside it. Problems are reported by
 * export/problems.ts. bench/analyze.ts measures it.
 *
 * It checks what schemas/profile-export.schema.json says, plus what a schema cannot: a response
 * timestamp before its request's, responses out of arrival order, and response_outputs not
 * parallel to response_timestamps. test/unit/schema-agreement.test.ts keeps the two in step.
 *
 * No I/O here: export/reader.ts feeds it.
 */
import { InputError } from '../errors.js';
import type { RecordSink, SourceInfo } from '../records/record.js';
import type { ExportParseResult, HeadResult, ParserOptions, Truncation } from './parse-types.js';
import { TimeBase } from '../records/time.js';
import { ByteWindow } from './byte-window.js';
import { COLON, COMMA, JsonLexer, JsonSkipper, JsonSyntaxError, keyTable, LBRACE, LBRACK, NEED_MORE, NUM_OK, RBRACE, RBRACK, WS } from './json-lexer.js';
import { describeValue, foundAt, foundNumber, pointerToken, type Problem, problemAt, ProblemLog } from './problems.js';
import { RequestReader } from './request-grammar.js';

// ------------------------------------------------------------------ the export's fields
// A key outside these tables is skipped (validated as JSON, never held).

/** Top level: {"experiments": [...], "version", "service_kind", "endpoint"}. */
const ROOT = keyTable(['experiments', 'version', 'service_kind', 'endpoint']);
const R_EXPERIMENTS = 0;
const R_VERSION = 1;
const R_SERVICE_KIND = 2;

/** One experiment: {"experiment": {"mode", "value"}, "requests": [...], "window_boundaries": [...]}. */
const EXPERIMENT = keyTable(['experiment', 'requests', 'window_boundaries']);
const E_EXPERIMENT = 0;
const E_REQUESTS = 1;
const E_WINDOWS = 2;

/** The experiment's load: {"mode": "concurrency" | "request_rate", "value": number}. */
const EXPERIMENT_INFO = keyTable(['mode', 'value']);
const I_MODE = 0;
const I_VALUE = 1;

// (The request's own fields are declared at the top of export/request-grammar.ts.)

// ------------------------------------------------------------------ outer states

const ST_BEGIN = 0;
const ST_OPEN = 1; // before the top-level '{'
const ST_ROOT_FIRST = 2; // after '{': a key or '}'
const ST_ROOT_NEXT = 3; // after a top-level value: ',' or '}'
const ST_ROOT_KEY = 4; // a top-level key
const ST_ROOT_COLON = 5; // after it: ':'
const ST_ROOT_VALUE = 6; // its value (a unit)
const ST_EXPS_FIRST = 7; // after "experiments": [ : an experiment or ']'
const ST_EXPS_NEXT = 8;
const ST_EXPS_ITEM = 9;
const ST_EXP_FIRST = 10; // after an experiment's '{'
const ST_EXP_NEXT = 11;
const ST_EXP_KEY = 12;
const ST_EXP_COLON = 13;
const ST_EXP_VALUE = 14;
const ST_REQS_FIRST = 15; // after "requests": [
const ST_REQS_NEXT = 16;
const ST_REQS_ITEM = 17; // one request (a unit)
const ST_AFTER = 18; // after the top-level '}': only whitespace
const ST_SKIP = 19; // inside an unknown value too long to hold: skipped in pieces, then afterSkip
// Ranges matter: experiments' states lie between ST_EXPS_FIRST and ST_REQS_ITEM, an experiment's
// own from ST_EXP_FIRST.

export type { ExportParseResult, HeadResult, ParseResult, ParserOptions, Truncation } from './parse-types.js';

export class ProfileParser {
  private readonly window = new ByteWindow();
  /** The lexer is the request reader's (one object: its hot loops call the lexer's methods on `this`). */
  private readonly lex: JsonLexer;
  private readonly log: ProblemLog;
  private readonly time = new TimeBase();
  private readonly requests: RequestReader;
  private state = ST_BEGIN;
  /** The fragment's first experiment continues one the head began. */
  private readonly fragment: boolean;

  // Top-level fields.
  private rootSeen = 0;
  private version: string | null = null;
  private serviceKind: string | null = null;
  private endpoint: string | null = null;

  // The current experiment.
  private expIndex = -1;
  private expSeen = 0;
  private expMode: string | null = null;
  private expValue: number | null = null;
  private expWindows: number | null = null;
  private reqIndex = 0;
  private totalRequests = 0;

  private spanReported = false;

  /** Skips unknown values that run past the bytes in view, so they are never held. */
  private readonly skipper = new JsonSkipper();
  private afterSkip = ST_ROOT_NEXT;

  /** The key whose value comes next (index in ROOT or EXPERIMENT, -1 for one they do not hold). */
  private pendingKey = -1;

  constructor(
    private readonly sink: RecordSink,
    private readonly options: ParserOptions,
  ) {
    this.log = new ProblemLog(options.file, options.failFast, options.maxProblems ?? 20);
    this.requests = new RequestReader(this.window, this.log, this.time);
    this.lex = this.requests;
    this.fragment = options.fragmentAt !== undefined;
    if (options.fragmentAt !== undefined) {
      this.window.offset = options.fragmentAt;
      this.state = ST_REQS_NEXT;
      this.expIndex = 0;
    }
  }

  /**
   * For the head of a split file, after its last byte: whether it stopped cleanly between two
   * requests, and what it knows of the experiment it stopped in.
   */
  headResult(): HeadResult {
    const w = this.window;
    const clean = this.state === ST_REQS_NEXT && w.held === 0 && this.log.count === 0;
    return {
      clean,
      experiment: { index: this.expIndex, mode: this.expMode, value: this.expValue, windows: this.expWindows, requests: this.reqIndex },
      requests: this.totalRequests,
      source: this.sourceInfo(),
      spanNs: { lo: this.time.lo, hi: this.time.hi },
    };
  }

  private sourceInfo(): SourceInfo {
    return {
      version: this.version,
      serviceKind: this.serviceKind,
      endpoint: this.endpoint,
      hasResponseOutputs: this.requests.hasResponseOutputs,
      hasRequestInputs: this.requests.hasRequestInputs,
      timeBaseNs: this.time.isSet ? this.time.absolute(0) : null,
    };
  }

  /** Parses as much of the document as the bytes so far allow. */
  feed(chunk: Buffer): void {
    if (this.window.push(chunk)) this.run(false);
  }

  /**
   * For readers that fill the parser's own buffer (no copy per chunk): returns where at least
   * `minFree` new bytes may be written.
   */
  writeWindow(minFree: number): { buffer: Buffer; offset: number } {
    return this.window.reserve(minFree);
  }

  /** `n` bytes were written at the window's offset; parses what it can. */
  commitWrite(n: number): void {
    if (this.window.commit(n)) this.run(false);
  }

  /** Ends the document; throws if it is incomplete. */
  finish(): ExportParseResult {
    this.window.flush();
    this.run(true);
    if (!this.fragment && !(this.rootSeen & (1 << R_EXPERIMENTS))) {
      this.log.add(problemAt('PALENS_INPUT_SCHEMA', -1, -1, '/experiments', 'a key "experiments" (the array of experiments) in the top-level object', 'none', this.window.received));
    }
    return {
      source: this.sourceInfo(),
      problems: this.log.kept,
      problemCount: this.log.count,
      bytes: this.window.received,
      experiments: this.expIndex + 1,
      requests: this.totalRequests,
      spanNs: { lo: this.time.lo, hi: this.time.hi },
      truncated: this.truncated,
    };
  }

  private truncated: Truncation | null = null;

  /** Whether the reader is inside the experiments array with an experiment begun. */
  private inExperiments(): boolean {
    const state = this.state === ST_SKIP ? this.afterSkip : this.state;
    return this.expIndex >= 0 && state >= ST_EXPS_FIRST && state <= ST_REQS_ITEM;
  }

  /** The file ends early (acceptTruncated): keep what was read, end the open experiment. */
  private endEarly(): void {
    const state = this.state === ST_SKIP ? this.afterSkip : this.state;
    this.truncated = { experiment: this.expIndex, request: this.reqIndex, insideRequest: state === ST_REQS_ITEM, byteOffset: this.window.received };
    this.log.beginUnit();
    if (state >= ST_EXP_FIRST) {
      this.sink.experimentEnd({ index: this.expIndex, mode: this.expMode, value: this.expValue, windows: this.expWindows, requests: this.reqIndex });
    }
  }

  private run(final: boolean): void {
    const w = this.window;
    this.lex.view(w.buf, w.end);
    if (this.state === ST_BEGIN && !this.begin(final)) return;
    for (;;) {
      try {
        if (!this.step(final)) return;
      } catch (e) {
        if (e === NEED_MORE) {
          if (!final) {
            w.needMore();
            return;
          }
          if (this.options.acceptTruncated && this.inExperiments()) {
            this.endEarly();
            return;
          }
          this.log.raise(this.truncation(), 'a perf_analyzer run that was killed leaves a partial export; re-run it');
        }
        if (e instanceof JsonSyntaxError) this.log.raise(this.syntaxProblem(e), null);
        throw e;
      }
    }
  }

  /** Rejects a BOM before any JSON is read. */
  private begin(final: boolean): boolean {
    const w = this.window;
    const b = w.buf;
    if (w.end - w.start < 3 && !final) return false;
    if (b[w.start] === 0xef && b[w.start + 1] === 0xbb && b[w.start + 2] === 0xbf) {
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

  /** Consumes whitespace between units (so none is ever held); returns the next byte's index. */
  private between(): number {
    const w = this.window;
    const b = w.buf;
    const end = w.end;
    let i = w.start;
    while (i < end && WS[b[i]!]) i++;
    w.start = i;
    if (i >= end) throw NEED_MORE;
    return i;
  }

  /**
   * In an object or array, after its opening (a *_FIRST state) or after a member (*_NEXT): the
   * closing byte `close` (consumed; returns its index for the caller to move on), or, before the
   * next member, ',' unless it is the first (consumed; the state becomes `member`; returns -1).
   */
  private listStep(close: number, member: number, expected: string): number {
    const w = this.window;
    const i = this.between();
    const c = w.buf[i];
    if (c === close) {
      w.consume(i + 1);
      return i;
    }
    const first = this.state === ST_ROOT_FIRST || this.state === ST_EXPS_FIRST || this.state === ST_EXP_FIRST || this.state === ST_REQS_FIRST;
    if (!first) {
      if (c !== COMMA) throw new JsonSyntaxError(expected, i);
      w.consume(i + 1);
    }
    this.state = member;
    return -1;
  }

  /** One step of the outer state machine. Returns false when the document is done. */
  private step(final: boolean): boolean {
    const w = this.window;
    const b = w.buf;
    switch (this.state) {
      case ST_OPEN: {
        let i = w.start;
        while (i < w.end && WS[b[i]!]) i++;
        w.start = i;
        if (i >= w.end) {
          if (!final) throw NEED_MORE;
          throw new InputError('PALENS_INPUT_EMPTY', 'expected a JSON object, found an empty file', { file: this.options.file });
        }
        if (b[i] !== LBRACE) {
          throw new InputError(
            'PALENS_INPUT_SYNTAX',
            `expected a JSON object ('{') at the top level, found ${foundAt(this.lex, i)}`,
            { file: this.options.file, pointer: '', byteOffset: w.at(i) },
            'is this a perf_analyzer --profile-export-file output?',
          );
        }
        w.consume(i + 1);
        this.state = ST_ROOT_FIRST;
        return true;
      }
      case ST_ROOT_FIRST:
      case ST_ROOT_NEXT: {
        const i = this.listStep(RBRACE, ST_ROOT_KEY, "',' or '}' after a top-level value");
        if (i >= 0) this.state = ST_AFTER;
        return true;
      }
      case ST_ROOT_KEY:
      case ST_EXP_KEY:
        this.key(this.between());
        return true;
      case ST_ROOT_COLON:
      case ST_EXP_COLON: {
        const i = this.between();
        if (b[i] !== COLON) throw new JsonSyntaxError("':' after an object key", i);
        w.consume(i + 1);
        this.state = this.state === ST_ROOT_COLON ? ST_ROOT_VALUE : ST_EXP_VALUE;
        return true;
      }
      case ST_ROOT_VALUE:
        this.rootValue(this.between());
        return true;
      case ST_EXPS_FIRST:
      case ST_EXPS_NEXT: {
        const i = this.listStep(RBRACK, ST_EXPS_ITEM, "',' or ']' after an experiment");
        if (i < 0) return true;
        if (this.expIndex < 0) this.log.add(problemAt('PALENS_INPUT_SCHEMA', -1, -1, '/experiments', 'at least one experiment', 'an empty array', w.at(i)));
        this.state = ST_ROOT_NEXT;
        return true;
      }
      case ST_EXPS_ITEM: {
        const i = this.between();
        if (b[i] === LBRACE) {
          this.expIndex++;
          this.expSeen = 0;
          this.expMode = null;
          this.expValue = null;
          this.expWindows = null;
          this.reqIndex = 0;
          w.consume(i + 1);
          this.state = ST_EXP_FIRST;
          return true;
        }
        this.log.beginUnit();
        const e = this.valueProblem(i, this.expIndex + 1, -1, '', 'an experiment object');
        this.expIndex++;
        this.log.commitUnit();
        w.consume(e);
        this.state = ST_EXPS_NEXT;
        return true;
      }
      case ST_EXP_FIRST:
      case ST_EXP_NEXT: {
        const i = this.listStep(RBRACE, ST_EXP_KEY, "',' or '}' after a value in an experiment");
        if (i < 0) return true;
        this.endExperiment(i);
        this.state = ST_EXPS_NEXT;
        return true;
      }
      case ST_EXP_VALUE:
        this.experimentValue(this.between());
        return true;
      case ST_REQS_FIRST:
      case ST_REQS_NEXT: {
        if (this.listStep(RBRACK, ST_REQS_ITEM, "',' or ']' after a request") >= 0) this.state = ST_EXP_NEXT;
        return true;
      }
      case ST_REQS_ITEM: {
        const i = this.between();
        this.log.beginUnit();
        const e = this.requests.read(i, this.expIndex, this.reqIndex);
        if (this.time.tooWide) this.spanProblem(this.expIndex, this.reqIndex, '', i);
        this.log.commitUnit();
        if (this.requests.clean) this.sink.record(this.requests.record);
        this.reqIndex++;
        this.totalRequests++;
        w.consume(e);
        this.state = ST_REQS_NEXT;
        return true;
      }
      case ST_SKIP: {
        const e = this.skipper.scan(b, w.start, w.end);
        if (e < 0) {
          w.consume(w.end);
          throw NEED_MORE;
        }
        w.consume(e);
        this.state = this.afterSkip;
        return true;
      }
      case ST_AFTER: {
        let i = w.start;
        while (i < w.end && WS[b[i]!]) i++;
        w.start = i;
        if (i < w.end) throw new JsonSyntaxError('nothing after the end of the JSON document', i);
        if (!final) throw NEED_MORE;
        return false;
      }
      default:
        throw new Error(`profile parser: unknown state ${this.state}`);
    }
  }

  /**
   * A key of the top level or of an experiment (a unit of its own, so whitespace around the colon
   * is consumed as it comes): counted as seen, a duplicate reported at once.
   */
  private key(i: number): void {
    const root = this.state === ST_ROOT_KEY;
    const table = root ? ROOT : EXPERIMENT;
    this.log.beginUnit();
    // A key's text is only compared with the table's: a long one may lose its middle (json-lexer.ts).
    this.lex.cutStrings = true;
    const key = this.lex.key(i, table);
    this.lex.cutStrings = false;
    if (key >= 0) {
      const bit = 1 << key;
      if ((root ? this.rootSeen : this.expSeen) & bit) this.duplicate(root ? -1 : this.expIndex, -1, '/' + table.names[key]!, this.lex.keyEnd);
      if (root) this.rootSeen |= bit;
      else this.expSeen |= bit;
    }
    this.log.commitUnit();
    this.pendingKey = key;
    this.window.consume(this.lex.keyEnd);
    this.state = root ? ST_ROOT_COLON : ST_EXP_COLON;
  }

  /** The value of a top-level key (a unit). */
  private rootValue(i: number): void {
    const lex = this.lex;
    const key = this.pendingKey;
    this.log.beginUnit();
    if (key === R_EXPERIMENTS) {
      if (lex.buf[i] === LBRACK) {
        this.window.consume(i + 1);
        this.state = ST_EXPS_FIRST;
        return;
      }
      i = this.valueProblem(i, -1, -1, '/experiments', 'an array of experiments');
    } else if (key > 0) {
      const s = i;
      i = lex.skip(i, 0);
      const value = lex.parse(s, i);
      if (typeof value === 'string') {
        if (key === R_VERSION) this.version = value;
        else if (key === R_SERVICE_KIND) this.serviceKind = value;
        else this.endpoint = value;
      } else {
        this.unitProblem('PALENS_INPUT_SCHEMA', -1, -1, '/' + ROOT.names[key]!, 'a string', foundAt(lex, s), s);
      }
    } else if ((i = this.skipUnknown(i)) < 0) this.skipRest(ST_ROOT_NEXT);
    this.log.commitUnit();
    this.window.consume(i);
    this.state = ST_ROOT_NEXT;
  }

  /**
   * Skips the value of an unknown key at i; returns the index after it, or -1 when it runs past
   * the bytes in view (then it is skipped in pieces: see {@link skipRest}).
   */
  private skipUnknown(i: number): number {
    try {
      return this.lex.skip(i, 0);
    } catch (e) {
      if (e !== NEED_MORE) throw e;
    }
    this.skipper.begin();
    return this.skipper.scan(this.lex.buf, i, this.lex.end);
  }

  /** What is left of a value is skipped as the bytes come, never held (the unit is committed here). */
  private skipRest(next: number): never {
    this.log.commitUnit();
    this.window.consume(this.window.end);
    this.afterSkip = next;
    this.state = ST_SKIP;
    throw NEED_MORE;
  }

  /** The value of an experiment's key (a unit). */
  private experimentValue(i: number): void {
    const key = this.pendingKey;
    this.log.beginUnit();
    if (key === E_REQUESTS) {
      if (this.lex.buf[i] === LBRACK) {
        this.window.consume(i + 1);
        this.state = ST_REQS_FIRST;
        return;
      }
      i = this.valueProblem(i, this.expIndex, -1, '/requests', 'an array of requests');
    } else if (key === E_EXPERIMENT) {
      i = this.experimentObject(i);
    } else if (key === E_WINDOWS) {
      i = this.windowBoundaries(i);
    } else if ((i = this.skipUnknown(i)) < 0) this.skipRest(ST_EXP_NEXT);
    this.log.commitUnit();
    this.window.consume(i);
    this.state = ST_EXP_NEXT;
  }

  /** {"mode": "concurrency", "value": 4}: each key once, mode a string, value a number. */
  private experimentObject(i: number): number {
    const lex = this.lex;
    const b = lex.buf;
    const exp = this.expIndex;
    if (b[i] !== LBRACE) return this.valueProblem(i, exp, -1, '/experiment', 'an object {"mode", "value"}');
    const start = i;
    let seen = 0;
    let others: Set<string> | null = null;
    i = lex.ws(i + 1);
    if (b[i] !== RBRACE) {
      for (;;) {
        const key = lex.key(i, EXPERIMENT_INFO);
        const keyStart = i;
        i = lex.colon(lex.keyEnd);
        const s = i;
        i = lex.skip(i, 0);
        if (key >= 0) {
          if (seen & (1 << key)) this.duplicate(exp, -1, '/experiment/' + EXPERIMENT_INFO.names[key]!, s);
          seen |= 1 << key;
          const v = lex.parse(s, i);
          if (key === I_MODE) {
            if (typeof v === 'string') this.expMode = v;
            else this.unitProblem('PALENS_INPUT_SCHEMA', exp, -1, '/experiment/mode', 'a string such as "concurrency" or "request_rate"', describeValue(v), s);
          } else if (typeof v === 'number') this.expValue = v;
          else this.unitProblem('PALENS_INPUT_SCHEMA', exp, -1, '/experiment/value', 'a number (the load level)', describeValue(v), s);
        } else {
          // Other keys are allowed, but once each too (this object is small: its key names can be kept).
          const name = lex.text(keyStart, lex.keyEnd);
          others ??= new Set();
          if (others.has(name)) this.duplicate(exp, -1, '/experiment/' + pointerToken(name), s);
          others.add(name);
        }
        i = lex.ws(i);
        if (b[i] === COMMA) {
          i = lex.ws(i + 1);
          continue;
        }
        if (b[i] === RBRACE) break;
        throw new JsonSyntaxError("',' or '}' after a value in \"experiment\"", i);
      }
    }
    if (!(seen & (1 << I_MODE))) this.unitProblem('PALENS_INPUT_SCHEMA', exp, -1, '/experiment/mode', 'a string such as "concurrency" or "request_rate"', 'none', start);
    if (!(seen & (1 << I_VALUE))) this.unitProblem('PALENS_INPUT_SCHEMA', exp, -1, '/experiment/value', 'a number (the load level)', 'none', start);
    return i + 1;
  }

  private windowBoundaries(i: number): number {
    const lex = this.lex;
    const b = lex.buf;
    if (b[i] !== LBRACK) return this.valueProblem(i, this.expIndex, -1, '/window_boundaries', 'an array of ns timestamps');
    i = lex.ws(i + 1);
    let k = 0;
    if (b[i] !== RBRACK) {
      for (;;) {
        i = lex.uint(i);
        if (lex.numStatus === NUM_OK) {
          const t = this.time.offset(lex.numHi, lex.numLo);
          this.time.note(t, t);
        }
        else this.unitProblem('PALENS_INPUT_SCHEMA', this.expIndex, -1, `/window_boundaries/${k}`, 'a non-negative integer (ns since the Unix epoch)', foundNumber(lex, i), lex.numStart);
        k++;
        i = lex.ws(i);
        if (b[i] === COMMA) {
          i = lex.ws(i + 1);
          continue;
        }
        if (b[i] === RBRACK) break;
        throw new JsonSyntaxError("',' or ']' after a window boundary", i);
      }
    }
    this.expWindows = k > 0 ? k - 1 : 0;
    if (this.time.tooWide) this.spanProblem(this.expIndex, -1, '/window_boundaries', i);
    return i + 1;
  }

  private endExperiment(i: number): void {
    const continued = this.fragment && this.expIndex === 0;
    if (!continued) {
      const at = this.window.at(i);
      if (!(this.expSeen & (1 << E_EXPERIMENT))) {
        this.log.add(problemAt('PALENS_INPUT_SCHEMA', this.expIndex, -1, '', 'an "experiment" object {"mode", "value"}', 'an experiment without one', at));
      }
      if (!(this.expSeen & (1 << E_REQUESTS))) {
        this.log.add(problemAt('PALENS_INPUT_SCHEMA', this.expIndex, -1, '', 'a "requests" array', 'an experiment without one', at));
      }
    }
    this.sink.experimentEnd({ index: this.expIndex, mode: this.expMode, value: this.expValue, windows: this.expWindows, requests: this.reqIndex });
  }

  // ------------------------------------------------------------------ problems

  private unitProblem(code: Problem['code'], exp: number, req: number, tail: string, expected: string, found: string, i: number): void {
    this.log.inUnit(problemAt(code, exp, req, tail, expected, found, this.window.at(i)));
  }

  /**
   * The times seen so far span more than 2^53 ns: offsets from one base, and their differences,
   * would no longer be exact. Refused (once per file) rather than analysed with rounded numbers.
   */
  private spanProblem(exp: number, req: number, tail: string, i: number): void {
    if (this.spanReported) return;
    this.spanReported = true;
    const days = (this.time.hi - this.time.lo) / 86_400e9;
    this.unitProblem(
      'PALENS_INPUT_SEMANTIC',
      exp,
      req,
      tail,
      'timestamps within 2^53 ns (about 104 days) of each other, so that every duration is exact',
      `a time that makes the file span about ${days < 1e6 ? days.toFixed(0) : days.toExponential(1)} days`,
      i,
    );
  }

  private duplicate(exp: number, req: number, tail: string, i: number): void {
    this.unitProblem('PALENS_INPUT_SCHEMA', exp, req, tail, 'each key once', 'a duplicate key', i);
  }

  /** Reports the value at i as not what was expected and skips it. */
  private valueProblem(i: number, exp: number, req: number, tail: string, expected: string): number {
    this.unitProblem('PALENS_INPUT_SCHEMA', exp, req, tail, expected, foundAt(this.lex, i), i);
    return this.lex.skip(i, 0);
  }

  /** Where the reader is: a problem with no message yet, at stream offset `at`. */
  private here(at: number): Problem {
    switch (this.state === ST_SKIP ? this.afterSkip : this.state) {
      case ST_REQS_FIRST:
      case ST_REQS_NEXT:
      case ST_REQS_ITEM:
        return problemAt('PALENS_INPUT_SYNTAX', this.expIndex, this.reqIndex, '', '', '', at);
      case ST_EXP_FIRST:
      case ST_EXP_NEXT:
      case ST_EXP_KEY:
      case ST_EXP_COLON:
      case ST_EXP_VALUE:
      case ST_EXPS_NEXT:
        return problemAt('PALENS_INPUT_SYNTAX', Math.max(0, this.expIndex), -1, '', '', '', at);
      case ST_EXPS_ITEM:
        return problemAt('PALENS_INPUT_SYNTAX', this.expIndex + 1, -1, '', '', '', at);
      case ST_EXPS_FIRST:
        return problemAt('PALENS_INPUT_SYNTAX', -1, -1, '/experiments', '', '', at);
      default:
        return problemAt('PALENS_INPUT_SYNTAX', -1, -1, '', '', '', at);
    }
  }

  private syntaxProblem(f: JsonSyntaxError): Problem {
    const p = this.here(this.window.at(f.at));
    p.message = `invalid JSON: expected ${f.expected}, found ${foundAt(this.lex, f.at)}`;
    return p;
  }

  private truncation(): Problem {
    const p = this.here(this.window.received);
    const state = this.state === ST_SKIP ? this.afterSkip : this.state;
    const where =
      state === ST_REQS_ITEM
        ? `inside request ${this.reqIndex} of experiment ${this.expIndex}`
        : (state === ST_REQS_FIRST || state === ST_REQS_NEXT) && this.reqIndex > 0
          ? `after request ${this.reqIndex - 1} of experiment ${this.expIndex}, before the requests array is closed`
          : p.pointer === ''
            ? 'before the top-level object is complete'
            : 'before this value is complete';
    p.message = `the file ends early, ${where}: expected more JSON (a capture cut short, or a damaged copy?)`;
    return p;
  }
}
