/**
 * A palens capture's sidecar (`EXPORT.palens.json`, schemas/sidecar.schema.json): read here for
 * the prompt lengths the capture recorded (`--length-by meta`).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { InputError, IoError } from '../errors.js';
import type { PromptLengths } from '../records/prompt-lengths.js';

export const sidecarPath = (exportPath: string): string => `${exportPath}.palens.json`;

export function hasSidecar(exportPath: string): boolean {
  return existsSync(sidecarPath(exportPath));
}

interface SidecarRequest {
  index: number;
  prompt_tokens?: number | null;
  prompt_words?: number | null;
}

interface Sidecar {
  prompt?: { unit?: 'tokens' | 'words'; tokenizer?: string | null };
  experiments: { index: number; requests: SidecarRequest[] }[];
}

/** The prompt lengths a sidecar recorded, by experiment and request index. */
export async function readSidecarLengths(exportPath: string): Promise<PromptLengths> {
  const file = sidecarPath(exportPath);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as { code?: string }).code !== undefined) throw new IoError(`cannot be read (${(e as Error).message})`, file, e);
    throw new InputError('PALENS_INPUT_SYNTAX', `expected a JSON sidecar, found invalid JSON (${(e as Error).message})`, { file });
  }
  // ajv only when a sidecar is read.
  const { firstSchemaError, schemaValidator } = await import('../schemas.js');
  const validate = schemaValidator('sidecar');
  if (!validate(doc)) {
    const { pointer, message } = firstSchemaError(validate.errors);
    throw new InputError('PALENS_INPUT_SCHEMA', `expected a palens sidecar (schemas/sidecar.schema.json): ${message}`, { file, pointer });
  }
  const sidecar = doc as Sidecar;
  const byKey = new Map<string, { tokens: number | null; words: number | null }>();
  let tokens = 0;
  let words = 0;
  for (const e of sidecar.experiments) {
    for (const r of e.requests) {
      const t = r.prompt_tokens ?? null;
      const w = r.prompt_words ?? null;
      if (t !== null) tokens++;
      if (w !== null) words++;
      byKey.set(`${e.index}:${r.index}`, { tokens: t, words: w });
    }
  }
  const unit = sidecar.prompt?.unit ?? (tokens >= words && tokens > 0 ? 'tokens' : 'words');
  return {
    unit,
    lookup(experiment, index) {
      const hit = byKey.get(`${experiment}:${index}`);
      if (hit === undefined) return -1;
      return (unit === 'tokens' ? hit.tokens : hit.words) ?? -1;
    },
  };
}
