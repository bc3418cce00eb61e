import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { repoPath } from './paths.js';

export type Validator = ((data: unknown) => boolean) & { errors?: unknown };

const ajv = new Ajv({ allErrors: true, strict: true });
const cache = new Map<string, Validator>();

/** A compiled validator for schemas/<name>.schema.json. */
export function schema(name: string): Validator {
  let v = cache.get(name);
  if (!v) {
    const json = JSON.parse(readFileSync(repoPath('schemas', `${name}.schema.json`), 'utf8')) as object;
    v = ajv.compile(json) as Validator;
    cache.set(name, v);
  }
  return v;
}

/** Throws with ajv's errors when data does not match the schema. */
export function expectSchema(name: string, data: unknown): void {
  const v = schema(name);
  if (!v(data)) throw new Error(`${name} schema: ${JSON.stringify(v.errors, null, 2)}`);
}
