/**
 * A JSON lexer over `(buffer, index, end)`: the tokens of RFC 8259 read straight from bytes, with
 * integer compares and lookup tables, never building a string of the input. Any streaming reader
 * of a JSON format (perf_analyzer exports today; AIPerf JSONL, GuideLLM or vLLM bench JSON next)
 * drives it the same way:
 *
 *   const lex = new JsonLexer();
 *   lex.view(window.buf, window.end);      // the bytes in memory
 *   let i = lex.ws(start);                 // every method takes an index and returns the next one
 *   const k = lex.key(i, FIELDS); i = lex.colon(lex.keyEnd);
 *   i = lex.uint(i); if (lex.numStatus === NUM_OK) use(lex.numHi, lex.numLo);
 *
 * Two things can stop a method: {@link NEED_MORE} (thrown, not an Error: the bytes ran out before
 * the token ended; the caller fetches more and reads the unit again from its start) and
 * {@link JsonSyntaxError} (the bytes are not JSON: what was expected, and where).
 *
 * Numbers stay bytes until read exactly: {@link JsonLexer.uint} splits an unsigned integer of up
 * to 20 digits into two exact halves (digits above the last nine, and the last nine), so ns since
 * the epoch (~1.7e18, far above 2^53) never pass through a double (records/time.ts).
 *
 * Holding little: a reader that keeps its bytes in an export/byte-window.ts window may give it to
 * the lexer ({@link JsonLexer.holes}); then a long whitespace run, the middle of a long string
 * (while {@link JsonLexer.cutStrings}) and a long value read by {@link JsonLexer.skipValue} are cut
 * out of the window as soon as they are scanned (validated), so a unit read again from its start
 * holds only the bytes it needs, whatever it skips. Cutting is decided only when the bytes run out
 * (a cold path): the hot loops are unchanged.
 *
 * Speed (bench/analyze.ts): one object, monomorphic methods, results in fields instead of
 * returned objects, so the hot loops allocate nothing.
 */

export const QUOTE = 0x22;
export const BSLASH = 0x5c;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACK = 0x5b;
export const RBRACK = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;
export const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LOWER_F = 0x66;

/** 1 for the four JSON whitespace bytes. */
export const WS = new Uint8Array(256);
WS[0x20] = WS[0x0a] = WS[0x0d] = WS[0x09] = 1;
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/**
 * A run of skipped bytes (whitespace, a string's middle, a skipped value) is cut out of the window
 * once this many of its bytes are in view, and at least as many as the unit holds before it (so
 * reading the unit again after each cut costs at most twice the bytes cut: linear time).
 */
export const HOLE_MIN = 64 << 10;
/** Bytes of a long string kept before its cut middle: non-empty, and longer than any key a reader looks for. */
const STRING_KEEP = 256;

/** Deepest nesting {@link JsonLexer.skip} accepts (a guard against stack exhaustion, not a JSON rule). */
export const MAX_DEPTH = 512;
import type { ByteWindow } from './byte-window.js';

const UINT64_MAX = '18446744073709551615';

/** Thrown (as a value, not an Error: it is control flow) when a token runs past the bytes in view. */
export const NEED_MORE: unique symbol = Symbol('need more bytes');

/** The bytes are not JSON: `expected` says what would have been, `at` is the buffer index. */
export class JsonSyntaxError {
  constructor(
    readonly expected: string,
    readonly at: number,
  ) {}
}

/** Results of {@link JsonLexer.uint}. */
export const NUM_OK = 0;
export const NUM_NEGATIVE = 1;
export const NUM_FRACTION = 2;
export const NUM_TOO_BIG = 3;
export const NUM_NOT_NUMBER = 4;
export type NumStatus = typeof NUM_OK | typeof NUM_NEGATIVE | typeof NUM_FRACTION | typeof NUM_TOO_BIG | typeof NUM_NOT_NUMBER;

/** Object keys a reader knows, as bytes, matched by {@link JsonLexer.key}. Index = position in `names`. */
export interface KeyTable {
  readonly names: readonly string[];
  readonly bytes: readonly Uint8Array[];
}

export function keyTable(names: readonly string[]): KeyTable {
  const encoder = new TextEncoder();
  return { names, bytes: names.map((n) => encoder.encode(n)) };
}

export class JsonLexer {
  /** The bytes in view, and where they end (the buffer may be longer). */
  buf: Buffer = Buffer.alloc(0);
  end = 0;
  /**
   * The window `buf` belongs to, when what is skipped may be cut out of it (ByteWindow.cut) and
   * the unit being read starts at its `start` and is read again from there; null: never cut.
   */
  holes: ByteWindow | null = null;
  /** Long strings may lose their middles (their text is not read); reset by {@link view}. */
  cutStrings = false;
  /** For {@link skipValue}: skips long values in pieces. */
  private readonly skipper = new JsonSkipper();

  /** After {@link key}: the index after the key's closing quote. */
  keyEnd = 0;
  /** After {@link string}: whether the string held an escape (so its bytes are not its text). */
  escaped = false;
  /** After {@link uint}: the status, the exact halves (digits above the last nine, the last nine), the token start. */
  numStatus: NumStatus = NUM_OK;
  numHi = 0;
  numLo = 0;
  numStart = 0;
  /** Digit count of the last unsigned integer read: the fast path's guess for the next one. */
  private lastDigits = 19;

  /** Points the lexer at `buf[0, end)`. */
  view(buf: Buffer, end: number): void {
    this.buf = buf;
    this.end = end;
    this.cutStrings = false;
  }

  /** Skips whitespace from i; returns the first other byte's index. */
  ws(i: number): number {
    const b = this.buf;
    const end = this.end;
    const s = i;
    while (i < end && WS[b[i]!]) i++;
    if (i >= end) this.ranOut(s, s, end);
    return i;
  }

  /** Whether a run of skipped bytes from s to the end of the view is long enough to cut (see HOLE_MIN). */
  private cuttable(s: number): boolean {
    const w = this.holes;
    const run = this.end - s;
    return w !== null && run >= HOLE_MIN && s - w.start <= run;
  }

  /**
   * The bytes ran out in a run of skipped bytes that began at s: when it is long, drops
   * `buf[h, from)` (scanned, not needed again) from the window; then asks for more.
   */
  private ranOut(s: number, h: number, from: number): never {
    if (this.cuttable(s)) {
      const w = this.holes!;
      w.cut(h, from, null);
      this.end = w.end;
    }
    throw NEED_MORE;
  }

  /**
   * The bytes ran out in the string at i, at j (a character boundary): a long one (when strings
   * may be cut) keeps its first STRING_KEEP bytes and what is after j, and loses the rest.
   */
  private stringRanOut(i: number, j: number): never {
    if (this.cutStrings && this.cuttable(i)) {
      const b = this.buf;
      let k = i + 1;
      while (k < i + 1 + STRING_KEEP) k += b[k] === BSLASH ? (b[k + 1] === LOWER_U ? 6 : 2) : 1;
      if (k < j) this.ranOut(i, k, j);
    }
    throw NEED_MORE;
  }

  /** i just after an object key: skips ':' and whitespace; returns the start of the value. */
  colon(i: number): number {
    const b = this.buf;
    // Compact JSON (what perf_analyzer writes): the colon, then the value, no whitespace.
    if (b[i] === COLON && i + 1 < this.end && !WS[b[i + 1]!]) return i + 1;
    i = this.ws(i);
    if (b[i] !== COLON) throw new JsonSyntaxError("':' after an object key", i);
    return this.ws(i + 1);
  }

  /**
   * Reads an object key at i; sets {@link keyEnd}; returns its index in `table`, or -1 for a key
   * the table does not hold (escaped keys are decoded first, so `"\u0074imestamp"` is `timestamp`).
   */
  key(i: number, table: KeyTable): number {
    const b = this.buf;
    if (b[i] !== QUOTE) throw new JsonSyntaxError('a quoted object key', i);
    const keys = table.bytes;
    // Fast path: the key is one of the table's, byte for byte, and its closing quote follows.
    // Table keys hold no quote, backslash or control byte, so the string is valid as it stands.
    const end = this.end;
    for (let t = 0; t < keys.length; t++) {
      const k = keys[t]!;
      const close = i + 1 + k.length;
      if (close < end && b[close] === QUOTE && sameBytes(k, b, i + 1, k.length)) {
        this.keyEnd = close + 1;
        return t;
      }
    }
    const e = this.string(i);
    this.keyEnd = e;
    if (this.escaped) return table.names.indexOf(this.text(i, e));
    const s = i + 1;
    const len = e - 1 - s;
    for (let t = 0; t < keys.length; t++) {
      const k = keys[t]!;
      if (k.length === len && sameBytes(k, b, s, len)) return t;
    }
    return -1;
  }

  /** i at an opening quote; validates the string; sets {@link escaped}; returns the index after the closing quote. */
  string(i: number): number {
    const b = this.buf;
    const end = this.end;
    let j = i + 1;
    let escaped = false;
    for (;;) {
      if (j >= end) this.stringRanOut(i, j);
      const c = b[j]!;
      if (c === QUOTE) {
        this.escaped = escaped;
        return j + 1;
      }
      if (c === BSLASH) {
        escaped = true;
        if (j + 1 >= end) this.stringRanOut(i, j);
        const d = b[j + 1]!;
        if (d === LOWER_U) {
          if (j + 5 >= end) this.stringRanOut(i, j);
          if (!(HEX[b[j + 2]!] && HEX[b[j + 3]!] && HEX[b[j + 4]!] && HEX[b[j + 5]!])) throw new JsonSyntaxError('four hex digits after \\u', j);
          j += 6;
        } else if (ESCAPE[d]) j += 2;
        else throw new JsonSyntaxError('a valid escape sequence in a string', j);
        continue;
      }
      if (c < 0x20) throw new JsonSyntaxError('a closing quote (strings cannot hold raw control characters or line breaks)', j);
      j++;
    }
  }

  /** The text of the string token at [s, e), s at its opening quote (one already read by {@link string}). */
  text(s: number, e: number): string {
    this.string(s);
    if (!this.escaped) return this.buf.toString('utf8', s + 1, e - 1);
    return JSON.parse(this.buf.toString('utf8', s, e)) as string;
  }

  /**
   * Reads a number token at i as an unsigned 64-bit integer, exactly, into ({@link numHi},
   * {@link numLo}). Anything else sets {@link numStatus} and is skipped (a non-number value skips
   * as a whole), so a reader reports it and goes on.
   */
  uint(i: number): number {
    const b = this.buf;
    const end = this.end;
    // Fast path: integers in one file nearly always have the digit count of the last one
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
          this.numHi = hi;
          this.numLo = lo;
          this.numStatus = NUM_OK;
          return de;
        }
      }
    }
    return this.uintSlow(i);
  }

  private uintSlow(i: number): number {
    const b = this.buf;
    const end = this.end;
    let c = b[i]!;
    this.numStart = i;
    if (c !== MINUS && (c < ZERO || c > NINE)) {
      const e = this.skipValue(i);
      this.numStart = i;
      this.numStatus = NUM_NOT_NUMBER;
      return e;
    }
    const negative = c === MINUS;
    if (negative) {
      i++;
      if (i >= end) throw NEED_MORE;
      c = b[i]!;
      if (c < ZERO || c > NINE) throw new JsonSyntaxError('a digit after "-"', i);
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
    // A number is only complete when a byte after it is in view.
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
        this.numHi = hi;
        this.numLo = lo;
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
    if (i === s) throw new JsonSyntaxError('a digit', i);
    if (i >= end) throw NEED_MORE;
    return i;
  }

  /** Reads the literal `word` at i. */
  literal(i: number, word: 'null' | 'true' | 'false'): number {
    const n = word.length;
    if (i + n > this.end) throw NEED_MORE;
    for (let k = 0; k < n; k++) if (this.buf[i + k] !== word.charCodeAt(k)) throw new JsonSyntaxError('a JSON value', i);
    return i + n;
  }

  /** Skips (and validates) one JSON value starting at i; returns the index after it. */
  skip(i: number, depth: number): number {
    const b = this.buf;
    const c = b[i]!;
    if (c === QUOTE) return this.string(i);
    if (c === LBRACE || c === LBRACK) {
      if (depth >= MAX_DEPTH) throw new JsonSyntaxError(`at most ${MAX_DEPTH} levels of nesting`, i);
      const close = c === LBRACE ? RBRACE : RBRACK;
      i = this.ws(i + 1);
      if (b[i] === close) return i + 1;
      for (;;) {
        if (close === RBRACE) {
          if (b[i] !== QUOTE) throw new JsonSyntaxError('a quoted object key', i);
          i = this.colon(this.string(i));
        }
        i = this.skip(i, depth + 1);
        i = this.ws(i);
        if (b[i] === COMMA) {
          i = this.ws(i + 1);
          continue;
        }
        if (b[i] === close) return i + 1;
        throw new JsonSyntaxError(close === RBRACE ? "',' or '}' in an object" : "',' or ']' in an array", i);
      }
    }
    if (c === LOWER_T) return this.literal(i, 'true');
    if (c === LOWER_F) return this.literal(i, 'false');
    if (c === LOWER_N) return this.literal(i, 'null');
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const status = this.numStatus;
      i = this.uint(i);
      this.numStatus = status;
      return i;
    }
    throw new JsonSyntaxError('a JSON value', i);
  }

  /**
   * Skips (and validates) a value nobody reads, like {@link skip}; a long one that goes on past the
   * bytes in view is skipped in pieces and cut out of the window (when {@link holes} is set): its
   * place is kept with the cut, and when the unit is read again the skip goes on from there.
   */
  skipValue(i: number): number {
    const w = this.holes;
    const skipper = this.skipper;
    if (w !== null && w.holes > 0) {
      const state = w.stateAt(i) as SkipperState | null;
      if (state !== null) {
        skipper.restore(state);
        const e = skipper.scan(this.buf, i, this.end);
        if (e >= 0) return e;
        return this.cutValue(i);
      }
    }
    try {
      return this.skip(i, 0);
    } catch (e) {
      if (e !== NEED_MORE || !this.cuttable(i)) throw e;
    }
    skipper.begin();
    const e = skipper.scan(this.buf, i, this.end);
    if (e >= 0) return e;
    return this.cutValue(i);
  }

  /** The value at i was scanned to the end of the view by the skipper: its bytes are cut, its place kept. */
  private cutValue(i: number): never {
    const w = this.holes!;
    if (this.cuttable(i)) {
      w.cut(i, this.end, this.skipper.save());
      this.end = w.end;
    }
    throw NEED_MORE;
  }

  /** JSON.parse of a small value at [s, e), already skipped over. */
  parse(s: number, e: number): unknown {
    return JSON.parse(this.buf.toString('utf8', s, e));
  }
}

function sameBytes(key: Uint8Array, b: Uint8Array, s: number, len: number): boolean {
  if (key.length !== len) return false;
  for (let k = 0; k < len; k++) if (key[k] !== b[s + k]) return false;
  return true;
}

// ------------------------------------------------------------------ a value skipped in pieces

// What JsonSkipper expects next.
const S_VALUE = 0; // a value (after whitespace)
const S_STRING = 1; // inside a string
const S_ESCAPE = 2; // after a backslash
const S_HEX = 3; // inside \uXXXX
const S_COLON = 4; // after an object key
const S_AFTER = 5; // after a value: ',' or a close, or the end of the skipped value
const S_KEY = 6; // after ',' in an object
const S_OBJ_FIRST = 7; // after '{': a key or '}'
const S_ARR_FIRST = 8; // after '[': a value or ']'
const S_LITERAL = 9; // inside true / false / null
const S_NUMBER = 10; // inside a number

// Number sub-states (RFC 8259's grammar); the last four may end the number.
const N_MINUS = 0;
const N_DOT = 1;
const N_EXP = 2;
const N_EXP_SIGN = 3;
const N_ZERO = 4;
const N_INT = 5;
const N_FRAC = 6;
const N_EXP_DIGITS = 7;

const IN_OBJECT = 1;
const IN_ARRAY = 2;
const LITERALS = ['true', 'false', 'null'].map((w) => Buffer.from(w, 'latin1'));

/** A {@link JsonSkipper}'s place in a value. */
export interface SkipperState {
  readonly mode: number;
  readonly sub: number;
  readonly isKey: boolean;
  readonly literal: Uint8Array;
  readonly stack: readonly number[];
}

/**
 * Skips (and validates) one JSON value that may be longer than anything a reader should hold:
 * it is fed the bytes piece by piece and keeps only its nesting and where it is in a token, so
 * a 2 GiB string or a deep array costs nothing but the time to scan it. Readers use it for values
 * they do not read (unknown keys); {@link JsonLexer.skip} is faster when the value is in view.
 */
export class JsonSkipper {
  private mode = S_VALUE;
  private sub = 0;
  private isKey = false;
  private literal: Uint8Array = LITERALS[0]!;
  private readonly stack: number[] = [];

  /** Starts a value. */
  begin(): void {
    this.mode = S_VALUE;
    this.stack.length = 0;
  }

  /** Where it is in the value, to come back to (a reader that reads a unit again from its start). */
  save(): SkipperState {
    return { mode: this.mode, sub: this.sub, isKey: this.isKey, literal: this.literal, stack: this.stack.slice() };
  }

  restore(s: SkipperState): void {
    this.mode = s.mode;
    this.sub = s.sub;
    this.isKey = s.isKey;
    this.literal = s.literal;
    this.stack.length = 0;
    for (const c of s.stack) this.stack.push(c);
  }

  /**
   * Scans `b[i, end)`; returns the index just after the value, or -1 when every byte was taken
   * and the value goes on (call again with the next bytes). Throws JsonSyntaxError (at an index
   * in `b`) for bytes that are not JSON.
   */
  scan(b: Uint8Array, i: number, end: number): number {
    const stack = this.stack;
    while (i < end) {
      const c = b[i]!;
      switch (this.mode) {
        case S_STRING: {
          // The bulk of a long string: plain bytes.
          while (i < end) {
            const d = b[i]!;
            if (d === QUOTE || d === BSLASH || d < 0x20) break;
            i++;
          }
          if (i >= end) return -1;
          const d = b[i]!;
          if (d === QUOTE) this.mode = this.isKey ? S_COLON : S_AFTER;
          else if (d === BSLASH) this.mode = S_ESCAPE;
          else throw new JsonSyntaxError('a closing quote (strings cannot hold raw control characters or line breaks)', i);
          i++;
          continue;
        }
        case S_ESCAPE:
          if (c === LOWER_U) {
            this.mode = S_HEX;
            this.sub = 4;
          } else if (ESCAPE[c]) this.mode = S_STRING;
          else throw new JsonSyntaxError('a valid escape sequence in a string', i);
          i++;
          continue;
        case S_HEX:
          if (!HEX[c]) throw new JsonSyntaxError('four hex digits after \\u', i);
          if (--this.sub === 0) this.mode = S_STRING;
          i++;
          continue;
        case S_LITERAL:
          if (c !== this.literal[this.sub]) throw new JsonSyntaxError('a JSON value', i);
          if (++this.sub === this.literal.length) this.mode = S_AFTER;
          i++;
          continue;
        case S_NUMBER: {
          const digit = c >= ZERO && c <= NINE;
          const s = this.sub;
          if (digit) {
            if (s === N_ZERO) throw new JsonSyntaxError("',' or the end of the value after a leading zero", i);
            this.sub = s === N_MINUS ? (c === ZERO ? N_ZERO : N_INT) : s === N_DOT ? N_FRAC : s === N_EXP || s === N_EXP_SIGN ? N_EXP_DIGITS : s;
          } else if (c === DOT && (s === N_ZERO || s === N_INT)) this.sub = N_DOT;
          else if ((c === LOWER_E || c === UPPER_E) && (s === N_ZERO || s === N_INT || s === N_FRAC)) this.sub = N_EXP;
          else if ((c === PLUS || c === MINUS) && s === N_EXP) this.sub = N_EXP_SIGN;
          else if (s >= N_ZERO) {
            this.mode = S_AFTER; // the byte after the number: read it again as such
            continue;
          } else throw new JsonSyntaxError('a digit', i);
          i++;
          continue;
        }
        default:
          break;
      }
      if (WS[c]) {
        if (this.mode === S_AFTER && stack.length === 0) return i;
        i++;
        continue;
      }
      switch (this.mode) {
        case S_VALUE:
        case S_ARR_FIRST:
          if (this.mode === S_ARR_FIRST && c === RBRACK) {
            stack.pop();
            this.mode = S_AFTER;
          } else if (c === QUOTE) {
            this.mode = S_STRING;
            this.isKey = false;
          } else if (c === LBRACE || c === LBRACK) {
            if (stack.length >= MAX_DEPTH) throw new JsonSyntaxError(`at most ${MAX_DEPTH} levels of nesting`, i);
            stack.push(c === LBRACE ? IN_OBJECT : IN_ARRAY);
            this.mode = c === LBRACE ? S_OBJ_FIRST : S_ARR_FIRST;
          } else if (c === LOWER_T || c === LOWER_F || c === LOWER_N) {
            this.literal = LITERALS[c === LOWER_T ? 0 : c === LOWER_F ? 1 : 2]!;
            this.mode = S_LITERAL;
            this.sub = 1;
          } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
            this.mode = S_NUMBER;
            this.sub = c === MINUS ? N_MINUS : c === ZERO ? N_ZERO : N_INT;
          } else throw new JsonSyntaxError('a JSON value', i);
          break;
        case S_OBJ_FIRST:
        case S_KEY:
          if (this.mode === S_OBJ_FIRST && c === RBRACE) {
            stack.pop();
            this.mode = S_AFTER;
          } else if (c === QUOTE) {
            this.mode = S_STRING;
            this.isKey = true;
          } else throw new JsonSyntaxError('a quoted object key', i);
          break;
        case S_COLON:
          if (c !== COLON) throw new JsonSyntaxError("':' after an object key", i);
          this.mode = S_VALUE;
          break;
        case S_AFTER: {
          const top = stack[stack.length - 1];
          if (top === undefined) return i;
          if (c === COMMA) this.mode = top === IN_OBJECT ? S_KEY : S_VALUE;
          else if (c === (top === IN_OBJECT ? RBRACE : RBRACK)) stack.pop();
          else throw new JsonSyntaxError(top === IN_OBJECT ? "',' or '}' in an object" : "',' or ']' in an array", i);
          break;
        }
      }
      i++;
    }
    // A finished value (nothing open) ends here too, unless it is a number, which may go on.
    return this.mode === S_AFTER && stack.length === 0 ? end : -1;
  }
}
