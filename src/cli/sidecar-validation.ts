/**
 * `palens validate` of a capture's sidecar (docs/SIDECAR.md), reported in the same form as an
 * export's problems (file, JSON pointer, what was expected). The JSON Lines form is read by the
 * sidecar reader itself (export/sidecar.ts), which checks every line against its kind's schema; the
 * earlier single document is checked against the schema's `legacy` definition, every problem listed.
 */
import { readFile } from 'node:fs/promises';
import { InputError, IoError } from '../errors.js';
import type { Problem } from '../export/problems.js';
import { findSidecar, readSidecar } from '../export/sidecar.js';
import type { Validation } from '../export/validate.js';
import { ioReason } from './output.js';

export interface SidecarValidation extends Validation {
  kind: 'sidecar';
  /** What a reader should know of a valid sidecar: cut short, requests left in flight. */
  notes: string[];
}

const asProblem = (e: InputError): Problem => ({
  code: e.code as Problem['code'],
  pointer: e.pointer ?? '',
  expected: '',
  found: '',
  message: e.message,
});

export async function validateSidecar(file: string, maxProblems: number): Promise<SidecarValidation> {
  const result = (problems: Problem[], count: number, notes: string[] = [], experiments = 0, requests = 0): SidecarValidation => ({
    file,
    kind: 'sidecar',
    valid: count === 0,
    problems: problems.slice(0, maxProblems),
    problemCount: count,
    experiments,
    requests,
    notes,
  });
  if (file.endsWith('.palens.json')) return validateLegacy(file, result);
  const exportPath = file.slice(0, -'.palens.jsonl'.length);
  if (findSidecar(exportPath) !== file) throw new IoError('no such file', file);
  try {
    const s = (await readSidecar(exportPath))!;
    const notes: string[] = [];
    if (s.truncated) notes.push('its last line was cut short (the capture ended mid-write) and is left out');
    if (s.end === null) notes.push('it has no end line: the capture was cut short');
    if (s.inFlight.length > 0) notes.push(`${s.inFlight.length} request${s.inFlight.length === 1 ? ' was' : 's were'} in flight`);
    return result([], 0, notes);
  } catch (e) {
    if (e instanceof InputError) return result([asProblem(e)], 1);
    throw e;
  }
}

type Result = (problems: Problem[], count: number, notes?: string[], experiments?: number, requests?: number) => SidecarValidation;

async function validateLegacy(file: string, result: Result): Promise<SidecarValidation> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw new IoError(`cannot be read: ${ioReason(e)}`, file, e);
    return result([{ code: 'PALENS_INPUT_SYNTAX', pointer: '', expected: '', found: '', message: `expected a JSON sidecar, found invalid JSON (${(e as Error).message})` }], 1);
  }
  // ajv only when a sidecar is validated.
  const { schemaDefinitionValidator } = await import('../schemas.js');
  const check = schemaDefinitionValidator('sidecar', 'legacy')!;
  if (check(doc)) {
    const experiments = (doc as { experiments: { requests: unknown[] }[] }).experiments;
    return result([], 0, [], experiments.length, experiments.reduce((n, e) => n + e.requests.length, 0));
  }
  const problems: Problem[] = (check.errors ?? []).map((e) => ({
    code: 'PALENS_INPUT_SCHEMA',
    pointer: e.instancePath,
    expected: 'a palens sidecar (schemas/sidecar.schema.json)',
    found: '',
    message: `expected a palens sidecar (schemas/sidecar.schema.json, the single-document form): ${e.message ?? 'no match'}`,
  }));
  return result(problems, problems.length);
}
