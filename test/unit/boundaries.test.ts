/**
 * The layers of DESIGN.md, checked on the sources: the engine (records/, metrics/, sweep/,
 * compare/) does no I/O and knows no CLI; export/ reads and writes files and knows no metric;
 * report/ renders one Analysis and reads nothing; no source file grows past 700 lines.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoPath } from '../helpers/paths.js';

/** Node modules that do I/O or touch the process, and transports. */
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|http2|https|child_process|worker_threads|zlib|os|stream|readline|dgram|tls|dns|cluster|process)$|^(yargs|chalk|cli-progress|@grpc\/grpc-js)/;

interface Source {
  path: string;
  folder: string;
  text: string;
  /** Every module it imports or re-exports, statically or dynamically. */
  imports: string[];
}

function sources(): Source[] {
  const root = repoPath('src');
  const out: Source[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        const path = relative(root, full);
        const imports = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map((m) => m[1]!);
        out.push({ path, folder: path.includes('/') ? path.split('/')[0]! : '.', text, imports });
      }
    }
  };
  walk(root);
  return out;
}

/** The src/ folder (or top-level module name) an import of `s` points at, or null for a package. */
function target(s: Source, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const parts = join(s.folder, spec).split('/');
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.js$/, '');
}

const ALL = sources();
const inFolder = (folder: string): Source[] => ALL.filter((s) => s.folder === folder);

/** What each engine folder may import from src/ (besides itself); nothing else, and no I/O. */
const ENGINE: Record<string, string[]> = {
  records: [],
  metrics: ['records'],
  sweep: ['records', 'metrics'],
  compare: ['records', 'metrics', 'sweep'],
};

/** Folders each of these must not import. */
const FORBIDDEN: Record<string, string[]> = {
  export: ['metrics', 'sweep', 'compare', 'report', 'cli', 'pipeline'],
  formats: ['metrics', 'sweep', 'compare', 'report', 'cli', 'pipeline'],
  report: ['cli', 'pipeline', 'export', 'driver', 'mock'],
  pipeline: ['cli'],
};

/** Files another helper is splitting now (issue 11 item 4); each entry goes when its split lands. */
const BEING_SPLIT = new Set<string>([]);

describe('import boundaries', () => {
  test('the layout has the folders these rules name', () => {
    for (const folder of [...Object.keys(ENGINE), ...Object.keys(FORBIDDEN)]) expect(inFolder(folder).length).toBeGreaterThan(0);
  });

  test.each(Object.entries(ENGINE))('src/%s imports no I/O module and only %p of src/', (folder, allowed) => {
    for (const s of inFolder(folder)) {
      const bad = s.imports.filter((spec) => {
        if (IO_MODULES.test(spec)) return true;
        const t = target(s, spec);
        return t !== null && t !== folder && t !== 'errors' && !allowed.includes(t);
      });
      expect({ file: s.path, bad, process: /\bprocess\./.test(s.text) }).toEqual({ file: s.path, bad: [], process: false });
    }
  });

  test.each(Object.entries(FORBIDDEN))('src/%s imports none of %p', (folder, forbidden) => {
    for (const s of inFolder(folder)) {
      const bad = s.imports.filter((spec) => forbidden.includes(target(s, spec) ?? ''));
      expect({ file: s.path, bad }).toEqual({ file: s.path, bad: [] });
    }
  });

  test('report/ renders and does no I/O of its own', () => {
    for (const s of inFolder('report')) {
      const bad = s.imports.filter((spec) => /^node:(fs|net|http|worker_threads|child_process)/.test(spec));
      expect({ file: s.path, bad }).toEqual({ file: s.path, bad: [] });
    }
  });

  test('src/index.ts (the library API) pulls in no CLI module', () => {
    const index = ALL.find((s) => s.path === 'index.ts')!;
    expect(index.imports.filter((spec) => target(index, spec) === 'cli' || /yargs|chalk/.test(spec))).toEqual([]);
  });

  test('no source file is over 700 lines', () => {
    const long = ALL.filter((s) => !BEING_SPLIT.has(s.path) && s.text.split('\n').length > 700).map((s) => s.path);
    expect(long).toEqual([]);
  });

  test('the checks see imports of every form', () => {
    const s: Source = { path: 'metrics/x.ts', folder: 'metrics', text: '', imports: [] };
    const text = "import { a } from '../cli/a.js';\nexport { b } from '../report/b.js';\nconst c = await import('../export/c.js');\nimport '../mock/d.js';";
    const found = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)].map((m) => target(s, m[1]!));
    expect(found).toEqual(['cli', 'report', 'export', 'mock']);
  });
});
