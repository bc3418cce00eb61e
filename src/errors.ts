/**
 * Every failure palens reports to a user is a PalensError with a stable `code`.
 * Exit codes come from one table and are applied only in cli/main.ts.
 * docs/ERRORS.md lists every code.
 */
import { printable } from './printable.js';

/** Exit statuses of the palens CLI. */
export const EXIT = {
  ok: 0,
  /** Invalid input or a failed check. */
  invalid: 1,
  /** Usage or I/O error. */
  usage: 2,
  /** Stopped by SIGINT/SIGTERM, after writing a valid (partial) export. */
  interrupted: 130,
} as const;

export type ErrorCode =
  | 'PALENS_INPUT_SYNTAX'
  | 'PALENS_INPUT_SCHEMA'
  | 'PALENS_INPUT_SEMANTIC'
  | 'PALENS_INPUT_EMPTY'
  | 'PALENS_USAGE'
  | 'PALENS_IO'
  | 'PALENS_SERVER'
  | 'PALENS_INTERRUPTED';

export interface ErrorLocation {
  file?: string;
  /** JSON Pointer (RFC 6901) into the file, '' for the document itself. */
  pointer?: string;
  /** Byte offset in the (decompressed) file where the problem was seen. */
  byteOffset?: number;
}

export class PalensError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly pointer: string | undefined;
  readonly byteOffset: number | undefined;

  constructor(code: ErrorCode, exitCode: number, message: string, where: ErrorLocation = {}, hint?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
    this.file = where.file;
    this.pointer = where.pointer;
    this.byteOffset = where.byteOffset;
  }

  /** One line a user can act on: file, JSON pointer, then the message. */
  describe(): string {
    const parts: string[] = [];
    if (this.file !== undefined) parts.push(this.file);
    if (this.pointer !== undefined) parts.push(this.pointer === '' ? '(document)' : this.pointer);
    parts.push(this.message);
    let line = parts.join(': ');
    if (this.byteOffset !== undefined) line += ` (at byte ${this.byteOffset})`;
    // File names and quoted input reach the terminal here; none of it may act on it.
    return printable(line);
  }
}

/** The input file is not a valid profile export; exit 1. */
export class InputError extends PalensError {
  /** Problems a validating scan had collected before this error ended it. */
  earlier: { problems: unknown[]; count: number } | undefined;

  constructor(code: Extract<ErrorCode, `PALENS_INPUT_${string}`>, message: string, where: ErrorLocation, hint?: string) {
    super(code, EXIT.invalid, message, where, hint);
  }
}

/** The command line is wrong; exit 2. */
export class UsageError extends PalensError {
  constructor(message: string, hint?: string) {
    super('PALENS_USAGE', EXIT.usage, message, {}, hint);
  }
}

/** A file could not be read or written; exit 2. */
export class IoError extends PalensError {
  constructor(message: string, file: string, cause?: unknown, hint?: string) {
    super('PALENS_IO', EXIT.usage, message, { file }, hint, cause);
  }
}

/** The server is unreachable, not ready, or its model does not fit what was asked; exit 1. */
export class ServerError extends PalensError {
  constructor(message: string, target: string, cause?: unknown, hint?: string) {
    super('PALENS_SERVER', EXIT.invalid, message, { file: target }, hint, cause);
  }
}
