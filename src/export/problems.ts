/**
 * Problem reporting for the export readers: what was expected, what was found, where (JSON
 * pointer and byte offset). Readers name a place by numbers (experiment, request) and a constant
 * tail; the pointer string is built only when a problem is reported, never on the hot path.
 */
import { InputError, type ErrorCode } from '../errors.js';
import { type JsonLexer, LBRACE, LBRACK, NUM_FRACTION, NUM_NEGATIVE, NUM_TOO_BIG, QUOTE } from './json-lexer.js';

/** One thing wrong with an input file, located by JSON pointer. */
export interface Problem {
  code: Extract<ErrorCode, `PALENS_INPUT_${string}`>;
  /** JSON Pointer (RFC 6901); '' is the document itself. */
  pointer: string;
  expected: string;
  found: string;
  /** Set instead of expected/found for problems that end the scan (invalid JSON, truncation). */
  message?: string;
  /** Byte offset in the decompressed file, where known. */
  byteOffset?: number;
  /** The experiment (and request in it) the pointer is in, when it is in one. */
  experiment?: number;
  request?: number;
}

export function describeProblem(p: Problem): string {
  const where = p.pointer === '' ? '(document)' : p.pointer;
  const at = p.byteOffset === undefined ? '' : ` (at byte ${p.byteOffset})`;
  const what = p.message ?? `expected ${p.expected}, found ${p.found}`;
  return `${where}: ${what}${at}`;
}

/** Escapes one JSON Pointer reference token. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer to `tail` inside request `request` of experiment `experiment` (-1: not inside one). */
export function pointerAt(experiment: number, request: number, tail: string): string {
  if (experiment < 0) return tail;
  if (request < 0) return `/experiments/${experiment}${tail}`;
  return `/experiments/${experiment}/requests/${request}${tail}`;
}

/** A problem at a place named by numbers; the pointer is built here, once. */
export function problemAt(
  code: Problem['code'],
  experiment: number,
  request: number,
  tail: string,
  expected: string,
  found: string,
  byteOffset: number,
): Problem {
  const p: Problem = { code, pointer: pointerAt(experiment, request, tail), expected, found, byteOffset };
  if (experiment >= 0) p.experiment = experiment;
  if (request >= 0) p.request = request;
  return p;
}

/** An InputError that keeps its problem, so it can be moved (another thread, a shifted reader) and rebuilt. */
export class ProblemError extends InputError {
  constructor(
    file: string,
    readonly problem: Problem,
    hint?: string,
  ) {
    super(
      problem.code,
      problem.message ?? `expected ${problem.expected}, found ${problem.found}`,
      { file, pointer: problem.pointer, ...(problem.byteOffset === undefined ? {} : { byteOffset: problem.byteOffset }) },
      hint,
    );
    // An InputError to everyone else (messages, pipeline/worker-protocol.ts); only this module's
    // callers look at `problem`.
    this.name = 'InputError';
  }
}

const FAIL_FAST_HINT = 'run `palens validate` on the file to list every problem';

/**
 * Collects a reader's problems, or throws at the first (`failFast`: analysis stops rather than
 * report a result from a damaged file). Problems of a unit that may be read again (the bytes ran
 * out inside it) are held until the unit is committed, so none is counted twice.
 */
export class ProblemLog {
  readonly kept: Problem[] = [];
  count = 0;
  private unit: Problem[] = [];

  constructor(
    readonly file: string,
    readonly failFast: boolean,
    readonly maxKept: number,
  ) {}

  /** Starts a unit (drops what an earlier, incomplete read of it found). */
  beginUnit(): void {
    if (this.unit.length > 0) this.unit = [];
  }

  /** True while the current unit has no problem. */
  get unitClean(): boolean {
    return this.unit.length === 0;
  }

  inUnit(p: Problem): void {
    if (this.failFast) this.raise(p);
    this.unit.push(p);
  }

  commitUnit(): void {
    if (this.unit.length === 0) return;
    for (const p of this.unit) this.add(p);
    this.unit = [];
  }

  /** A problem outside any unit that could be read again. */
  add(p: Problem): void {
    if (this.failFast) this.raise(p);
    this.count++;
    if (this.kept.length < this.maxKept) this.kept.push(p);
  }

  raise(p: Problem, hint: string | null = FAIL_FAST_HINT): never {
    const e = new ProblemError(this.file, p, hint ?? undefined);
    e.earlier = { problems: this.kept.slice(), count: this.count };
    throw e;
  }
}

/** A short description of the value at i in the lexer's view (ending at e when known). */
export function foundAt(lex: JsonLexer, i: number, e?: number): string {
  const b = lex.buf;
  if (i >= lex.end) return 'the end of the file';
  const c = b[i]!;
  if (c === LBRACE) return 'an object';
  if (c === LBRACK) return 'an array';
  const stop = e ?? Math.min(lex.end, i + 48);
  let text = b.toString('utf8', i, stop);
  if (e === undefined) {
    const m = /^("(?:[^"\\]|\\.)*"|[^\s,\]}]+)/.exec(text);
    text = m ? m[1]! : text;
  }
  if (text.length > 40) text = text.slice(0, 37) + '…';
  if (c === QUOTE) return `the string ${text}`;
  return text;
}

/** What the lexer's last {@link JsonLexer.uint} found, when it was not an unsigned integer; `e` is where it ended. */
export function foundNumber(lex: JsonLexer, e: number): string {
  const text = foundAt(lex, lex.numStart, e);
  switch (lex.numStatus) {
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

/** A JSON.parse'd value described for messages (every reader's): its type, or a short rendering. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'none';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}
