/**
 * palens as a user installs it: the packed tarball (`npm pack`, exactly the files package.json
 * ships) installed with `npm install -g` into a temporary prefix puts `palens` on PATH, and that
 * `palens` runs from any folder: its version, and an analyze of a sample it ships. Dependencies come
 * from npm's cache, or the registry.
 */
import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { withTempDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

const run = promisify(execFile);

describe('installable', () => {
  test('npm pack, then npm install -g into a prefix: palens on PATH, --version and an analyze of a bundled sample', async () => {
    await withTempDir(async (dir) => {
      // dist/ is built by `npm test` already; --ignore-scripts packs it as it is.
      await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
      const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!;
      const prefix = join(dir, 'prefix');
      await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: dir });
      const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
      const version = await run('palens', ['--version'], { cwd: dir, env });
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      const sample = join(prefix, 'lib', 'node_modules', 'palens', 'samples', 'vllm-legacy-empty-finals.json');
      const analysis = await run('palens', ['analyze', sample, '-f', 'json'], { cwd: dir, env });
      const doc = JSON.parse(analysis.stdout);
      expect(doc.experiments).toHaveLength(1);
      expect(doc.experiments[0].requests.completed).toBe(10);
    });
  }, 300_000);
});
