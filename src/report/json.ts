/**
 * The analysis as JSON, described by schemas/analysis.schema.json: the text of
 * `JSON.stringify(analysis, null, 2)` (without the figures) plus a newline, given in pieces, one
 * experiment at a time, so that a report of 10,000 experiments is written as it is made and never
 * held whole (docs/BENCHMARKS.md). test/unit/report-json.test.ts checks it against JSON.stringify.
 */
import type { Analysis } from './analysis.js';

export function renderJson(a: Analysis): string {
  return [...jsonPieces(a)].join('');
}

/** Indentation of an item of a top-level array (JSON.stringify's, two spaces a level). */
const ITEM = '\n    ';

/** The pieces of {@link renderJson}, in order. */
export function* jsonPieces(a: Analysis): Generator<string> {
  // The figures (curve vertices for --html) are not part of the JSON output.
  const { figures: _figures, ...rest } = a;
  let first = true;
  for (const [key, value] of Object.entries(rest) as [string, unknown][]) {
    // What JSON.stringify leaves out of an object.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    yield `${first ? '{\n  ' : ',\n  '}${JSON.stringify(key)}: `;
    first = false;
    if (Array.isArray(value) && value.length > 0) {
      // Item by item, each indented two levels (JSON strings hold no raw line break, so every
      // line break in an item's text is one of its own lines).
      for (let k = 0; k < value.length; k++) {
        const text = JSON.stringify(value[k], null, 2) as string | undefined;
        yield (k === 0 ? '[' + ITEM : ',' + ITEM) + (text === undefined ? 'null' : text.replaceAll('\n', ITEM));
      }
      yield '\n  ]';
    } else yield (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', '\n  ');
  }
  yield first ? '{}\n' : '\n}\n';
}
