import type { ErrorCode } from '../errors.js';

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
