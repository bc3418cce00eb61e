/** The analysis as JSON, described by schemas/analysis.schema.json. */
import type { Analysis } from './analysis.js';

export function renderJson(a: Analysis): string {
  return JSON.stringify(a, null, 2) + '\n';
}
