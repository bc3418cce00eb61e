import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The repository root (this file runs from dist/test/helpers/). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);
export const fixture = (...parts: string[]): string => repoPath('test', 'fixtures', ...parts);
export const BIN = repoPath('dist', 'src', 'cli', 'bin.js');
