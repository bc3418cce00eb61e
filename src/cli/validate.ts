import { EXIT, UsageError } from '../errors.js';
import { describeProblem } from '../export/problems.js';
import { validateFile, type Validation } from '../export/validate.js';
import { colorLevel, makeChalk } from './color.js';
import { expandFiles, isSidecarName } from './files.js';
import type { CliIo } from './io.js';
import { printable } from '../printable.js';

export async function validateCommand(raw: Record<string, unknown>, io: CliIo): Promise<number> {
  const max = Number(raw['max-problems']);
  if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max-problems: expected a positive integer, got ${String(raw['max-problems'])}`);
  const c = makeChalk(colorLevel(raw.color as boolean | undefined, io.env, io.stdoutIsTTY));
  // Exports and capture sidecars alike, each checked against its own schema, in the order named.
  const { all } = await expandFiles((raw.files as unknown[]).map(String), 'validate');
  const results: (Validation & { kind?: 'sidecar'; notes?: string[] })[] = [];
  for (const file of all) {
    results.push(isSidecarName(file) ? await (await import('./sidecar-validation.js')).validateSidecar(file, max) : await validateFile(file, max));
  }
  if (raw.format === 'json') {
    io.stdout.write(JSON.stringify({ files: results }, null, 2) + '\n');
  } else {
    for (const r of results) {
      if (r.valid) {
        const counts = `${r.experiments} experiment${r.experiments === 1 ? '' : 's'}, ${r.requests} request${r.requests === 1 ? '' : 's'}`;
        const what = r.kind !== 'sidecar' ? counts : r.experiments > 0 ? `palens sidecar, ${counts}` : 'palens sidecar';
        io.stdout.write(`${c.green('valid')}   ${printable(r.file)} (${what})\n`);
        for (const n of r.notes ?? []) io.stdout.write(`  note: ${printable(r.file)}: ${n}\n`);
        continue;
      }
      const file = printable(r.file);
      io.stderr.write(`${c.red('invalid')} ${file}: ${r.problemCount} problem${r.problemCount === 1 ? '' : 's'}\n`);
      for (const p of r.problems) io.stderr.write(`  ${file}: ${printable(describeProblem(p))}\n`);
      const more = r.problemCount - r.problems.length;
      if (more > 0) io.stderr.write(`  … and ${more} more problem${more === 1 ? '' : 's'} in ${file}\n`);
    }
  }
  return results.every((r) => r.valid) ? EXIT.ok : EXIT.invalid;
}
