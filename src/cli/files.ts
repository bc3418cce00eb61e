import { statSync } from 'node:fs';
import { basename } from 'node:path';
import fg from 'fast-glob';
import { IoError, UsageError } from '../errors.js';
import { isSidecarName } from '../export/sidecar.js';

/**
 * Files named on the command line, the same way for every command that takes them (validate,
 * analyze, analyze --sweep, compare): quoted globs are expanded here, in natural order (prefill-64
 * before prefill-128); shell-expanded lists pass through in their order; duplicates are dropped; a
 * pattern that matches nothing is an error. palens capture sidecars (docs/SIDECAR.md) are recognised
 * by name wherever they come from — `EXPORT.palens.jsonl`, or the earlier `EXPORT.palens.json`, which
 * a shell's `*.json` picks up beside every export — and kept apart: they are never read as exports.
 */
export interface NamedFiles {
  /** Every file, in the order named. */
  all: string[];
  exports: string[];
  sidecars: string[];
}

export { isSidecarName };

const natural = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

export async function expandFiles(args: readonly string[], what: string): Promise<NamedFiles> {
  const all: string[] = [];
  const empty: string[] = [];
  for (const arg of args) {
    // An empty name (an unset shell variable: palens analyze "$FILE") names no file; fast-glob would throw.
    if (arg.trim() === '') throw new UsageError(`${what}: an empty file name ('${arg}')`);
    if (fg.isDynamicPattern(arg)) {
      const matches = (await fg(arg, { onlyFiles: true, dot: false })).sort(natural);
      if (matches.length === 0) empty.push(arg);
      all.push(...matches);
    } else all.push(arg);
  }
  if (empty.length > 0) throw new UsageError(`${what}: ${empty.map((p) => `'${p}'`).join(', ')} matched no files`);
  const unique = [...new Set(all)];
  for (const f of unique) {
    // A folder named where files are meant: the glob that names its files is the fix.
    let dir = false;
    try {
      dir = statSync(f).isDirectory();
    } catch {
      // Missing or unreadable: the reader says which, with the file.
    }
    if (dir) throw new IoError('is a directory, not a profile export file', f, undefined, `name its files with a quoted glob: palens ${what.replace(/^analyze --sweep$/, 'analyze --sweep')} '${f.replace(/\/+$/, '')}/*.json'`);
  }
  return { all: unique, exports: unique.filter((f) => !isSidecarName(f)), sidecars: unique.filter(isSidecarName) };
}

/** The exports among the files named; an error when there are none (only sidecars, say). */
export async function expandExports(args: readonly string[], what: string): Promise<string[]> {
  const { exports, sidecars } = await expandFiles(args, what);
  if (exports.length === 0) {
    throw new UsageError(
      `${what}: no export among the files named${sidecars.length > 0 ? ` (only palens sidecars: ${sidecars.slice(0, 3).join(', ')}${sidecars.length > 3 ? ', …' : ''})` : ''}`,
      'name the exports themselves; each export\'s sidecar beside it is read with it',
    );
  }
  // AIPerf writes a summary beside its records; a glob over its folder picks both.
  const summary = exports.find((f) => /^profile_export_aiperf\.(json|csv)$/.test(basename(f)));
  if (summary !== undefined) {
    throw new UsageError(
      `${what}: ${summary} is AIPerf's summary (aggregate statistics, no request's times), not a file palens reads`,
      `read AIPerf's per-request records beside it: ${summary.replace(/profile_export_aiperf\.(json|csv)$/, 'profile_export.jsonl')}`,
    );
  }
  return exports;
}
