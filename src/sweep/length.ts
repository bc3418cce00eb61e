/** How long a request's prompt was, by the measure the user chose. */
import type { PromptLengths } from '../records/prompt-lengths.js';
import type { RequestRecord } from '../records/record.js';

export type { PromptLengths } from '../records/prompt-lengths.js';

export const LENGTH_MEASURES = ['tokens', 'words', 'chars', 'meta'] as const;
export type LengthBy = (typeof LENGTH_MEASURES)[number];
export type LengthUnit = 'tokens' | 'words' | 'chars';

export interface LengthMeasure {
  by: LengthBy;
  unit: LengthUnit;
  /** The request's prompt length, bucketed; -1 when unknown. */
  of(r: RequestRecord): number;
}

/** Rounds to the nearest multiple of `bucket` (half up). */
export function bucketed(length: number, bucket: number | null): number {
  if (bucket === null || length < 0) return length;
  return Math.floor(length / bucket + 0.5) * bucket;
}

export function measure(
  by: LengthBy,
  options: { countTokens?: (text: string) => number; meta?: PromptLengths | null; bucket: number | null },
): LengthMeasure {
  const b = options.bucket;
  switch (by) {
    case 'words':
      return { by, unit: 'words', of: (r) => bucketed(r.promptWords, b) };
    case 'chars':
      return { by, unit: 'chars', of: (r) => bucketed(r.promptChars, b) };
    case 'tokens': {
      const count = options.countTokens;
      if (count === undefined) throw new Error('measure: tokens need a tokenizer');
      return { by, unit: 'tokens', of: (r) => (r.promptText === null ? -1 : bucketed(count(r.promptText), b)) };
    }
    case 'meta': {
      const meta = options.meta;
      // Without a sidecar: the prompt tokens the source itself recorded (peer tools' files).
      if (meta === undefined || meta === null) return { by, unit: 'tokens', of: (r) => bucketed(r.promptTokens ?? -1, b) };
      return { by, unit: meta.unit, of: (r) => bucketed(meta.lookup(r.experiment, r.index), b) };
    }
  }
}
