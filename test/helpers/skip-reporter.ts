/**
 * A jest reporter: after the run, one list of what was skipped here, why, and how to enable it,
 * from what test files recorded with `skipping()` (test/helpers/skips.ts). Test files run in jest's
 * worker processes, which inherit PALENS_SKIP_LOG from this one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default class SkipReporter {
  private readonly dir = mkdtempSync(join(tmpdir(), 'palens-skips-'));
  private readonly log = join(this.dir, 'skips.jsonl');

  constructor() {
    writeFileSync(this.log, '');
    process.env.PALENS_SKIP_LOG = this.log;
  }

  onRunComplete(): void {
    const seen = new Map<string, { what: string; reason: string; enable: string }>();
    for (const line of readFileSync(this.log, 'utf8').split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line) as { what: string; reason: string; enable: string };
      seen.set(`${e.what}\n${e.reason}`, e);
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (seen.size === 0) return;
    const lines = [...seen.values()].map((e) => `  - ${e.what}: ${e.reason}\n    to run them: ${e.enable}`);
    process.stderr.write(`\nSkipped here (${seen.size}):\n${lines.join('\n')}\n`);
  }
}
