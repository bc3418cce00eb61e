import fg from 'fast-glob';
import { UsageError } from '../errors.js';

/**
 * Files named on the command line: quoted globs are expanded here (in natural order, leaving out
 * palens sidecars), shell-expanded lists pass through, duplicates are dropped. A pattern that
 * matches nothing is an error.
 */
export async function expandFiles(args: readonly string[], what: string): Promise<string[]> {
  const out: string[] = [];
  const empty: string[] = [];
  for (const arg of args) {
    if (fg.isDynamicPattern(arg)) {
      // Natural order, so that prefill-64 comes before prefill-128.
      // A capture's sidecar (EXPORT.palens.json) sits beside its export and matches *.json too.
      const matches = (await fg(arg, { onlyFiles: true, dot: false, ignore: ['**/*.palens.json'] })).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      if (matches.length === 0) empty.push(arg);
      out.push(...matches);
    } else out.push(arg);
  }
  if (empty.length > 0) throw new UsageError(`${what}: ${empty.map((p) => `'${p}'`).join(', ')} matched no files`);
  return [...new Set(out)];
}
