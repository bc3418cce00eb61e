/** `palens validate`: every problem in a file, not just the first. */
import { InputError } from '../errors.js';
import type { RecordSink } from '../records/record.js';
import { type Problem, ProblemError } from './problems.js';
import { readRecords } from '../formats/source.js';

export interface Validation {
  file: string;
  valid: boolean;
  /** The first problems, at most maxProblems. */
  problems: Problem[];
  /** Every problem found (a syntax error ends the scan, so later ones are unknown). */
  problemCount: number;
  experiments: number;
  requests: number;
}

const IGNORE: RecordSink = { record() {}, experimentEnd() {} };

/** Validates one file. I/O errors (missing file, directory) are thrown as IoError. */
export async function validateFile(file: string, maxProblems = 20): Promise<Validation> {
  let kept: Problem[] = [];
  let count = 0;
  let experiments = 0;
  let requests = 0;
  try {
    const r = await readRecords(file, IGNORE, { failFast: false, maxProblems });
    kept = r.problems;
    count = r.problemCount;
    experiments = r.experiments;
    requests = r.requests;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const earlier = (e.earlier?.problems ?? []) as Problem[];
    // A problem that ended the scan keeps its place (experiment, request); other errors (an empty
    // file, a BOM, a damaged gzip stream) have only a pointer, if that.
    const fatal: Problem = e instanceof ProblemError ? e.problem : {
      code: e.code as Problem['code'],
      pointer: e.pointer ?? '',
      expected: '',
      found: '',
      message: e.message,
      ...(e.byteOffset === undefined ? {} : { byteOffset: e.byteOffset }),
    };
    kept = earlier.length < maxProblems ? [...earlier, fatal] : earlier;
    count = (e.earlier?.count ?? 0) + 1;
  }
  return { file, valid: count === 0, problems: kept, problemCount: count, experiments, requests };
}
