/**
 * palens's own JSON Schemas (schemas/), compiled with ajv on first use, for what palens reads
 * beside exports (sidecars).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/** schemas/<name>.schema.json, compiled once. */
export function schemaValidator(name: string): ValidateFunction {
  let v = compiled.get(name);
  if (v === undefined) {
    const url = new URL(`../../schemas/${name}.schema.json`, import.meta.url);
    v = ajv.compile(JSON.parse(readFileSync(url, 'utf8')) as object);
    compiled.set(name, v);
  }
  return v;
}

/** The first ajv error as "pointer: message". */
export function firstSchemaError(errors: ErrorObject[] | null | undefined): { pointer: string; message: string } {
  const e = errors?.[0];
  return { pointer: e?.instancePath ?? '', message: e?.message ?? 'does not match the schema' };
}

/** One definition of schemas/<name>.schema.json (e.g. one sidecar line kind), for a precise error. */
export function schemaDefinitionValidator(name: string, definition: string): ValidateFunction | undefined {
  const key = `${name}#${definition}`;
  let v = compiled.get(key);
  if (v === undefined) {
    const id = (schemaValidator(name).schema as { $id?: string }).$id;
    v = id === undefined ? undefined : ajv.getSchema(`${id}#/definitions/${definition}`);
    if (v !== undefined) compiled.set(key, v);
  }
  return v;
}
