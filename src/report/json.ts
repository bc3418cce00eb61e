/** The analysis as JSON, described by schemas/analysis.schema.json. */
import type { Analysis } from './analysis.js';

export function renderJson(a: Analysis): string {
  // The figures (curve vertices for --html) are not part of the JSON output.
  const { figures: _figures, ...rest } = a;
  return JSON.stringify(rest, null, 2) + '\n';
}
