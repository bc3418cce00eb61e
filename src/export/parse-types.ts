/** What the perf_analyzer export reader (export/profile-parser.ts) takes and gives back. */
import type { ExperimentInfo, SourceInfo } from '../records/record.js';
import type { Problem } from './problems.js';

export interface ParserOptions {
  /** Name of the file, for messages. */
  file: string;
  /** Throw an InputError at the first problem (analysis) instead of collecting them (validation). */
  failFast: boolean;
  /** Problems kept when collecting; the rest are only counted. @default 20 */
  maxProblems?: number;
  /**
   * Read a fragment instead of a document: the bytes start (at this stream offset) just after a
   * request object inside an experiment's requests array, and run to the end of the file
   * (export/split.ts reads the rest of a file on another thread this way). The fragment's
   * experiment 0 is the one the head was in, its requests numbered from 0 at the cut; what the
   * head has read (the top-level keys, the experiment's "experiment" and "requests") is not
   * required again.
   */
  fragmentAt?: number;
  /**
   * Accept a file that ends early inside its experiments (a capture cut short by SIGKILL or a
   * full disk): {@link finish} returns the complete requests read so far, ends the open
   * experiment, and says where the file ended ({@link ParseResult.truncated}) instead of throwing.
   * A file that ends before any experiment began is still an error. `palens analyze` accepts,
   * with a warning; `palens validate` does not (docs/ERRORS.md).
   */
  acceptTruncated?: boolean;
}

/** Where a file that ends early ended. */
export interface Truncation {
  /** The experiment the file ends in, and the index of its first request not read whole. */
  experiment: number;
  request: number;
  /** True when the file ends inside that request; false when it ends after a complete one. */
  insideRequest: boolean;
  /** Length of the (decompressed) file: where it ends. */
  byteOffset: number;
}

/** Where the head of a split file stopped. */
export interface HeadResult {
  /** True when the bytes ended exactly after a request inside a requests array, with no problem. */
  clean: boolean;
  experiment: ExperimentInfo;
  requests: number;
  source: SourceInfo;
  spanNs: { lo: number; hi: number };
}

export interface ParseResult {
  source: SourceInfo;
  problems: Problem[];
  /** All problems found, including those not kept. */
  problemCount: number;
  bytes: number;
  experiments: number;
  requests: number;
  /** Smallest and largest time offset seen (pipeline/split.ts checks the span of two halves); perf_analyzer exports. */
  spanNs?: { lo: number; hi: number };
  /** Set when the file ends early and `acceptTruncated` was given (perf_analyzer exports; null or absent: complete). */
  truncated?: Truncation | null;
}

/** What a perf_analyzer export's reader always says (other formats' readers may not). */
export interface ExportParseResult extends ParseResult {
  spanNs: { lo: number; hi: number };
  truncated: Truncation | null;
}
