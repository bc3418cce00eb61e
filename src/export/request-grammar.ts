/**
 * One request of a perf_analyzer export, read into a reused RequestRecord: the hot part of the
 * export grammar (export/profile-parser.ts reads the levels around it). All of a request's bytes
 * are in view when it is read; if they are not, the lexer throws NEED_MORE and the request is
 * read again from its start once more bytes arrived. What it skips (whitespace, values it does not
 * read, the middles of long strings whose text it does not need) is cut from the window as it is
 * scanned (export/json-lexer.ts), so "all of its bytes" are the ones it reads.
 *
 * Hot loop notes (bench/analyze.ts): response timestamps go straight from digits into a reused
 * Float64Array of exact offsets; compact JSON (no whitespace, what perf_analyzer writes) is tried
 * first; pointers for problems are built only when one is reported.
 */
import type { RequestRecord } from '../records/record.js';
import type { TimeBase } from '../records/time.js';
import type { ByteWindow } from './byte-window.js';
import { JsonLexer, JsonSyntaxError, keyTable, NUM_OK as LEXER_NUM_OK, WS as LEXER_WS } from './json-lexer.js';

// Byte values and the whitespace table as this module's own constants: V8 folds a module's own
// `const` into the optimised code, but loads an imported binding from its cell at every use.
const QUOTE = 0x22;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const COMMA = 0x2c;
const LOWER_N = 0x6e;
const WS = LEXER_WS;
const NUM_OK = LEXER_NUM_OK;
import { countChars, countWords, PROMPT_INPUT_KEYS, promptFromPayload, sseChunkIsEmpty, TEXT_OUTPUT_KEYS } from './outputs.js';
import { foundAt, foundNumber, type Problem, problemAt, type ProblemLog } from './problems.js';

// ------------------------------------------------------------------ the request's fields

/** {"timestamp", "response_timestamps": [...], "response_outputs": [...], "request_inputs": {...}, "sequence_id"} */
const REQUEST = keyTable(['timestamp', 'response_timestamps', 'response_outputs', 'request_inputs', 'sequence_id']);
const K_TIMESTAMP = 0;
const K_RESPONSE_TIMESTAMPS = 1;
const K_RESPONSE_OUTPUTS = 2;
const K_REQUEST_INPUTS = 3;
const K_SEQUENCE_ID = 4;
/** Keys of a response output that hold generated text; the last, "response", is OpenAI's raw SSE text. */
const TEXT_KEYS = keyTable([...TEXT_OUTPUT_KEYS, 'response']);
const SSE_KEY = TEXT_KEYS.names.length - 1;
/** Keys of request_inputs that hold the prompt; the last, "payload", is OpenAI's request body. */
const PROMPT_KEYS = keyTable([...PROMPT_INPUT_KEYS, 'payload']);
const PAYLOAD_KEY = PROMPT_KEYS.names.length - 1;

const UINT_EXPECTED = 'a non-negative integer (ns since the Unix epoch)';

export class RequestReader extends JsonLexer {
  /** True when the export had these fields in any request so far. */
  hasResponseOutputs = false;
  hasRequestInputs = false;
  /** After {@link read}: whether the request had no problem (then {@link record} holds it). */
  clean = false;

  private respNs = new Float64Array(1024);
  private respEmpty = new Uint8Array(1024);
  private respCount = 0;
  private outCount = 0;
  private outputValueNonEmpty = false;
  private promptText: string | null = null;
  // The request being read, for problems.
  private exp = 0;
  private req = 0;

  readonly record: RequestRecord = {
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

  constructor(
    private readonly window: ByteWindow,
    private readonly log: ProblemLog,
    private readonly time: TimeBase,
  ) {
    super();
    this.holes = window;
  }

  /** Reads request `req` of experiment `exp` at i (the log's unit is begun); returns the index after it. */
  read(i: number, exp: number, req: number): number {
    const b = this.buf;
    this.exp = exp;
    this.req = req;
    this.clean = false;
    // What a request skips (whitespace, values of keys it does not read, the middles of strings
    // whose text it does not need) is cut from the window as it is scanned (export/json-lexer.ts),
    // so a request holds the bytes it reads, however much it skips.
    this.cutStrings = true;
    if (b[i] !== LBRACE) return this.valueProblem(i, '', 'a request object');
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
        const key = this.key(i, REQUEST);
        i = this.colon(this.keyEnd);
        if (key >= 0) {
          if (seen & (1 << key)) this.problem('PALENS_INPUT_SCHEMA', '/' + REQUEST.names[key]!, 'each key once', 'a duplicate key', i);
          seen |= 1 << key;
        }
        switch (key) {
          case K_TIMESTAMP: {
            i = this.uint(i);
            if (this.numStatus === NUM_OK) {
              sendNs = this.time.offset(this.numHi, this.numLo);
              sendOk = true;
            } else this.problem('PALENS_INPUT_SCHEMA', '/timestamp', UINT_EXPECTED, foundNumber(this, i), this.numStart);
            break;
          }
          case K_RESPONSE_TIMESTAMPS:
            i = this.responseTimestamps(i);
            break;
          case K_RESPONSE_OUTPUTS:
            i = this.responseOutputs(i);
            break;
          case K_REQUEST_INPUTS:
            i = this.requestInputs(i);
            break;
          case K_SEQUENCE_ID:
            i = this.uint(i);
            if (this.numStatus !== NUM_OK) this.problem('PALENS_INPUT_SCHEMA', '/sequence_id', 'a non-negative integer', foundNumber(this, i), this.numStart);
            break;
          default:
            i = this.skipValue(i);
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
        throw new JsonSyntaxError("',' or '}' after a value in a request", i);
      }
    }

    const log = this.log;
    if (!(seen & (1 << K_TIMESTAMP))) this.problem('PALENS_INPUT_SCHEMA', '', 'a "timestamp" field (send time, ns since the Unix epoch)', 'a request without one', start);
    if (!(seen & (1 << K_RESPONSE_TIMESTAMPS))) this.problem('PALENS_INPUT_SCHEMA', '', 'a "response_timestamps" array', 'a request without one', start);
    if (this.outCount >= 0 && this.outCount !== this.respCount && log.unitClean) {
      this.problem('PALENS_INPUT_SEMANTIC', '/response_outputs', `${this.respCount} entries (one per response timestamp)`, `${this.outCount}`, start);
    }
    if (sendOk && log.unitClean) this.checkOrder(sendNs, start);
    this.clean = log.unitClean;
    if (this.clean) {
      // In order now: the send is the earliest time, the last response the latest.
      this.time.note(sendNs, this.respCount > 0 ? this.respNs[this.respCount - 1]! : sendNs);
      this.fill(sendNs);
    } else this.noteAll(sendOk, sendNs);
    this.cutStrings = false;
    return i;
  }

  /** Responses at or after the send, in arrival order: what a schema cannot say. */
  private checkOrder(sendNs: number, start: number): void {
    const ns = this.respNs;
    for (let k = 0; k < this.respCount; k++) {
      const t = ns[k]!;
      if (t < sendNs) {
        const found = `${this.time.absolute(t)}, ${sendNs - t} ns before it`;
        this.problem('PALENS_INPUT_SEMANTIC', `/response_timestamps/${k}`, `a time at or after the request's timestamp (${this.time.absolute(sendNs)})`, found, start);
        return;
      }
      if (k > 0 && t < ns[k - 1]!) {
        this.problem('PALENS_INPUT_SEMANTIC', `/response_timestamps/${k}`, `timestamps in arrival order (at or after ${this.time.absolute(ns[k - 1]!)})`, `${this.time.absolute(t)}`, start);
        return;
      }
    }
  }

  /** A request with problems (validation goes on): its times count for the span too. */
  private noteAll(sendOk: boolean, sendNs: number): void {
    if (sendOk) this.time.note(sendNs, sendNs);
    for (let k = 0; k < this.respCount; k++) this.time.note(this.respNs[k]!, this.respNs[k]!);
  }

  private fill(sendNs: number): void {
    const r = this.record;
    r.experiment = this.exp;
    r.index = this.req;
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
  }

  private responseTimestamps(i: number): number {
    const b = this.buf;
    if (b[i] !== LBRACK) return this.valueProblem(i, '/response_timestamps', 'an array of ns timestamps');
    i = this.ws(i + 1);
    if (b[i] === RBRACK) return i + 1;
    const end = this.end;
    const time = this.time;
    let ns: Float64Array = this.respNs;
    let k = 0;
    for (;;) {
      i = this.uint(i);
      if (k === ns.length) ns = this.growResponses();
      if (this.numStatus === NUM_OK) ns[k] = time.offset(this.numHi, this.numLo);
      else {
        this.problem('PALENS_INPUT_SCHEMA', `/response_timestamps/${k}`, UINT_EXPECTED, foundNumber(this, i), this.numStart);
        ns[k] = 0;
      }
      k++;
      // Compact JSON first: ',' and the next value with no whitespace between.
      if (b[i] === COMMA && i + 1 < end && !WS[b[i + 1]!]) {
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
      throw new JsonSyntaxError("',' or ']' after a response timestamp", i);
    }
  }

  private responseOutputs(i: number): number {
    const b = this.buf;
    this.hasResponseOutputs = true;
    if (b[i] !== LBRACK) return this.valueProblem(i, '/response_outputs', 'an array of response outputs');
    i = this.ws(i + 1);
    let k = 0;
    if (b[i] === RBRACK) {
      this.outCount = 0;
      return i + 1;
    }
    let flags: Uint8Array = this.respEmpty;
    for (;;) {
      let empty = 0;
      const c = b[i];
      if (c === LBRACE) {
        // One output object, inline (this loop runs once per response): empty when it has no keys,
        // or its text outputs (text_output, TEXT, …; OpenAI's raw "response" SSE text) are all
        // empty, or, when it has no text output, all of its values are "" or null.
        let sawText = false;
        let textNonEmpty = false;
        let otherNonEmpty = false;
        i++;
        if (i >= this.end || b[i] !== QUOTE) i = this.ws(i);
        if (b[i] !== RBRACE) {
          for (;;) {
            const key = this.key(i, TEXT_KEYS);
            i = this.colon(this.keyEnd);
            let nonEmpty: boolean;
            if (b[i] === QUOTE) {
              const s = i;
              i = key === SSE_KEY ? this.heldString(i) : this.string(i);
              nonEmpty = i - s > 2;
              if (nonEmpty && key === SSE_KEY) nonEmpty = !sseChunkIsEmpty(this.text(s, i));
            } else {
              i = this.otherOutputValue(i);
              nonEmpty = this.outputValueNonEmpty;
            }
            if (key >= 0) {
              sawText = true;
              if (nonEmpty) textNonEmpty = true;
            } else if (nonEmpty) otherNonEmpty = true;
            if (b[i] !== RBRACE) i = this.ws(i);
            if (b[i] === COMMA) {
              i = this.ws(i + 1);
              continue;
            }
            if (b[i] === RBRACE) break;
            throw new JsonSyntaxError("',' or '}' after a value in a response output", i);
          }
        }
        i++;
        empty = (sawText ? !textNonEmpty : !otherNonEmpty) ? 1 : 0;
      } else if (c === LOWER_N) {
        i = this.literal(i, 'null');
        empty = 1;
      } else {
        i = this.valueProblem(i, `/response_outputs/${k}`, 'an object (output name → value) or null');
      }
      if (k === flags.length) {
        this.growResponses();
        flags = this.respEmpty;
      }
      flags[k] = empty;
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
      throw new JsonSyntaxError("',' or ']' after a response output", i);
    }
  }

  /** A response output value that is not a string (rare: kept out of the loop over outputs so it stays small). */
  private otherOutputValue(i: number): number {
    const c = this.buf[i];
    if (c === LOWER_N) {
      this.outputValueNonEmpty = false;
      return this.literal(i, 'null');
    }
    this.outputValueNonEmpty = c !== LBRACK || this.buf[this.ws(i + 1)] !== RBRACK;
    return this.skipValue(i);
  }

  private requestInputs(i: number): number {
    const b = this.buf;
    this.hasRequestInputs = true;
    if (b[i] !== LBRACE) return this.valueProblem(i, '/request_inputs', 'an object (input name → value)');
    i = this.ws(i + 1);
    if (b[i] === RBRACE) return i + 1;
    // A prompt key given twice would make the prompt length depend on which one is read.
    let seen = 0;
    for (;;) {
      const key = this.key(i, PROMPT_KEYS);
      i = this.colon(this.keyEnd);
      if (key >= 0) {
        if (seen & (1 << key)) this.problem('PALENS_INPUT_SCHEMA', '/request_inputs/' + PROMPT_KEYS.names[key]!, 'each key once', 'a duplicate key', i);
        seen |= 1 << key;
      }
      if (key >= 0 && b[i] === QUOTE) {
        const s = i;
        i = this.heldString(i);
        const text = this.text(s, i);
        this.promptText = key === PAYLOAD_KEY ? promptFromPayload(text) : text;
      } else {
        i = this.skipValue(i);
      }
      i = this.ws(i);
      if (b[i] === COMMA) {
        i = this.ws(i + 1);
        continue;
      }
      if (b[i] === RBRACE) return i + 1;
      throw new JsonSyntaxError("',' or '}' after a value in request_inputs", i);
    }
  }

  /** A string whose text is read (a prompt, an SSE chunk): held whole, whatever its length. */
  private heldString(i: number): number {
    this.cutStrings = false;
    const e = this.string(i);
    this.cutStrings = true;
    return e;
  }

  /** Doubles the response arrays; returns the new respNs. */
  private growResponses(): Float64Array {
    const n = this.respNs.length * 2;
    const ns = new Float64Array(n);
    ns.set(this.respNs);
    this.respNs = ns;
    const empty = new Uint8Array(n);
    empty.set(this.respEmpty);
    this.respEmpty = empty;
    return ns;
  }

  // ------------------------------------------------------------------ problems

  /** A problem in this request; `tail` is the pointer below the request, `i` the buffer index. */
  private problem(code: Problem['code'], tail: string, expected: string, found: string, i: number): void {
    this.log.inUnit(problemAt(code, this.exp, this.req, tail, expected, found, this.window.at(i)));
  }

  private valueProblem(i: number, tail: string, expected: string): number {
    this.problem('PALENS_INPUT_SCHEMA', tail, expected, foundAt(this, i), i);
    return this.skipValue(i);
  }
}
