/**
 * Walks one JSON document streamed through a ByteWindow, with the shared JsonLexer, one unit at a
 * time: a reader says, for each value by its path, whether to descend into it (a container whose
 * members it wants one by one), take it whole (a small value it reads: one request, a config
 * block) or skip it. Only a taken or skipped value is ever held whole, so memory is bounded by the
 * largest such unit (a GuideLLM request is a few KiB), not by the file.
 *
 * A unit is read from the window's start; when the bytes run out inside it, nothing is consumed and
 * it is read again once more bytes are held (ByteWindow.needMore: amortised linear time).
 *
 * With `documents: 'many'` the stream is a sequence of documents separated by whitespace (what
 * `vllm bench serve --append-result` writes: each run's `json.dump` after a newline); each one
 * starts with the visitor's `begin(index)` and paths restart at its root.
 */
import { InputError } from '../errors.js';
import type { ByteWindow } from '../export/byte-window.js';
import { COMMA, JsonLexer, JsonSyntaxError, LBRACE, LBRACK, NEED_MORE, RBRACE, RBRACK, WS } from '../export/json-lexer.js';
import { pointerToken } from '../export/problems.js';

export type PathPart = string | number;
export type Step = 'descend' | 'take' | 'skip';

export interface JsonVisitor {
  /** What to do with the value at `path` (its first byte is `first`: '{', '[', '"', a digit…). */
  decide(path: readonly PathPart[], first: number): Step;
  /** A taken value: its bytes are lexer.buf[s, e) until the call returns. */
  take(path: readonly PathPart[], lexer: JsonLexer, s: number, e: number): void;
  /** A descended container was closed. */
  leave?(path: readonly PathPart[]): void;
  /** A document begins (0, 1, …); called with `documents: 'many'` only. */
  begin?(document: number): void;
}

interface Frame {
  object: boolean;
  /** Members read so far. */
  count: number;
}

/** The JSON pointer of a path. */
export function pointerOf(path: readonly PathPart[]): string {
  return path.map((p) => '/' + pointerToken(String(p))).join('');
}

export class JsonWalker {
  private readonly lexer = new JsonLexer();
  private readonly stack: Frame[] = [];
  private readonly path: PathPart[] = [];
  private started = false;
  private done = false;
  /** Documents begun. */
  private begun = 0;
  /** The current document's begin was announced. */
  private announced = false;

  constructor(
    private readonly file: string,
    private readonly window: ByteWindow,
    private readonly visitor: JsonVisitor,
    private readonly documents: 'one' | 'many' = 'one',
  ) {}

  /** Documents begun so far. */
  get count(): number {
    return this.begun;
  }

  /** Reads as many units as the bytes in the window allow; `final` when no more bytes will come. */
  run(final: boolean): void {
    const w = this.window;
    this.lexer.view(w.buf, w.end);
    for (;;) {
      try {
        if (!this.step()) break;
      } catch (e) {
        if (e === NEED_MORE) {
          if (!final) {
            w.needMore();
            return;
          }
          throw new InputError('PALENS_INPUT_SYNTAX', `expected more JSON, found the end of the file inside ${pointerOf(this.path) || 'the document'} (a truncated file?)`, { file: this.file, pointer: pointerOf(this.path), byteOffset: w.at(w.end) });
        }
        if (e instanceof JsonSyntaxError) {
          throw new InputError('PALENS_INPUT_SYNTAX', `expected ${e.expected}, found ${this.found(e.at)}`, { file: this.file, pointer: pointerOf(this.path), byteOffset: w.at(e.at) });
        }
        throw e;
      }
    }
    if (final) this.finish();
  }

  private found(at: number): string {
    const b = this.window.buf;
    if (at >= this.window.end) return 'the end of the file';
    const c = b[at]!;
    return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`;
  }

  private finish(): void {
    const w = this.window;
    let i = w.start;
    while (i < w.end && WS[w.buf[i]!]) i++;
    if (!this.done) {
      throw new InputError('PALENS_INPUT_SYNTAX', `expected more JSON, found the end of the file inside ${pointerOf(this.path) || 'the document'} (a truncated file?)`, { file: this.file, pointer: pointerOf(this.path) });
    }
    if (i < w.end) throw new InputError('PALENS_INPUT_SYNTAX', `expected the end of the document, found ${this.found(i)}`, { file: this.file, pointer: '', byteOffset: w.at(i) });
  }

  /** One unit; false when the document is complete (trailing bytes are checked by finish). */
  private step(): boolean {
    const lex = this.lexer;
    const w = this.window;
    const b = w.buf;
    if (this.done) {
      if (this.documents === 'one') return false;
      // Between documents: whitespace is consumed as it comes, so a long gap is never held.
      let j = w.start;
      while (j < w.end && WS[b[j]!]) j++;
      w.consume(j);
      if (j >= w.end) return false;
      this.done = false;
      this.started = false;
    }
    let i = lex.ws(w.start);
    if (!this.started) {
      // Announced once, though a root scalar cut by the chunk's end is read again.
      if (!this.announced) {
        if (this.documents === 'many') this.visitor.begin?.(this.begun);
        this.begun++;
        this.announced = true;
      }
      const descended = this.value(i);
      this.started = true;
      this.announced = false;
      if (!descended) this.done = true;
      return true;
    }
    const top = this.stack[this.stack.length - 1]!;
    if (b[i] === (top.object ? RBRACE : RBRACK)) {
      this.stack.pop();
      w.consume(i + 1);
      const leaving = this.path.slice();
      // The container's own key in its parent (the root has none).
      if (this.stack.length > 0) this.path.pop();
      else this.done = true;
      this.visitor.leave?.(leaving);
      return true;
    }
    if (top.count > 0) {
      if (b[i] !== COMMA) throw new JsonSyntaxError(top.object ? "',' or '}' in an object" : "',' or ']' in an array", i);
      i = lex.ws(i + 1);
    }
    let key: PathPart = top.count;
    if (top.object) {
      const s = i;
      const e = lex.string(i);
      key = lex.text(s, e);
      i = lex.colon(e);
    }
    this.path.push(key);
    let descended: boolean;
    try {
      descended = this.value(i);
    } catch (e) {
      this.path.pop();
      throw e;
    }
    // A container descended into keeps its key on the path until it closes.
    if (!descended) this.path.pop();
    top.count++;
    return true;
  }

  /** The value at i, at the current path: descends (true), or takes or skips it and consumes it. */
  private value(i: number): boolean {
    const lex = this.lexer;
    const w = this.window;
    const c = w.buf[i]!;
    const step = this.visitor.decide(this.path, c);
    if (step === 'descend' && (c === LBRACE || c === LBRACK)) {
      this.stack.push({ object: c === LBRACE, count: 0 });
      w.consume(i + 1);
      return true;
    }
    const e = lex.skip(i, 0);
    if (step === 'take') this.visitor.take(this.path, lex, i, e);
    w.consume(e);
    return false;
  }
}
