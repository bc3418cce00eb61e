/** The engine (records/, metrics/, sweep/) does no I/O and knows no CLI (DESIGN.md). */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../helpers/paths.js';

const ENGINE = ['records', 'metrics', 'sweep'];
const FORBIDDEN = [/from 'node:(fs|net|http2?|child_process|worker_threads|zlib)/, /from '\.\.\/(cli|export|driver|mock|report)\//, /from '(yargs|chalk|cli-progress|@grpc\/grpc-js)'/, /\bprocess\./];

describe('import boundaries', () => {
  test.each(ENGINE)('src/%s imports no I/O, CLI or transport module', (folder) => {
    const dir = repoPath('src', folder);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const pattern of FORBIDDEN) expect({ file, hit: pattern.test(text) }).toEqual({ file, hit: false });
    }
  });

  test('src/export reads and writes files and imports no engine, report or CLI module', () => {
    const dir = repoPath('src', 'export');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect({ file, hit: /from '\.\.\/(metrics|sweep|compare|report|cli|pipeline)\//.test(text) }).toEqual({ file, hit: false });
    }
  });

  test('src/index.ts (the library API) pulls in no CLI module', () => {
    const text = readFileSync(repoPath('src', 'index.ts'), 'utf8');
    expect(text).not.toMatch(/from '\.\/cli\//);
    expect(text).not.toMatch(/yargs|chalk/);
  });
});
