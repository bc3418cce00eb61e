/**
 * `palens validate` of a capture's sidecar: the file is checked against schemas/sidecar.schema.json
 * and its problems reported in the same form as an export's (file, JSON pointer, what was expected).
 */
import { readFile } from 'node:fs/promises';
import { IoError } from '../errors.js';
import type { Problem } from '../export/problems.js';
import type { Validation } from '../export/validate.js';
import { ioReason } from './output.js';

export interface SidecarValidation extends Validation {
  kind: 'sidecar';
}

/** Validates the single-document sidecar (`EXPORT.palens.json`, schemaVersion 1). */
export async function validateSidecarDocument(file: string, maxProblems: number): Promise<SidecarValidation> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new IoError(`cannot be read: ${ioReason(e)}`, file, e);
  }
  const result = (problems: Problem[], count: number, experiments = 0, requests = 0): SidecarValidation => ({
    file,
    kind: 'sidecar',
    valid: count === 0,
    problems: problems.slice(0, maxProblems),
    problemCount: count,
    experiments,
    requests,
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return result([{ code: 'PALENS_INPUT_SYNTAX', pointer: '', expected: '', found: '', message: `expected a JSON sidecar, found invalid JSON (${(e as Error).message})` }], 1);
  }
  // ajv only when a sidecar is validated.
  const { schemaValidator } = await import('../schemas.js');
  const check = schemaValidator('sidecar');
  if (check(doc)) {
    const experiments = (doc as { experiments: { requests: unknown[] }[] }).experiments;
    return result([], 0, experiments.length, experiments.reduce((n, e) => n + e.requests.length, 0));
  }
  const problems: Problem[] = (check.errors ?? []).map((e) => ({
    code: 'PALENS_INPUT_SCHEMA',
    pointer: e.instancePath,
    expected: 'a palens sidecar (schemas/sidecar.schema.json)',
    found: '',
    message: `expected a palens sidecar (schemas/sidecar.schema.json): ${e.message ?? 'no match'}`,
  }));
  return result(problems, problems.length);
}
