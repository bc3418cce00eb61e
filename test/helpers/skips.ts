import { appendFileSync } from 'node:fs';

/**
 * A test file that cannot run here (no chromium, no perf_analyzer, not root) calls this once with
 * what is skipped, why, and how to enable it. Under `npm test` the skip reporter
 * (test/helpers/skip-reporter.ts) prints every such line once, after the run; run alone, the
 * file says it itself.
 */
export function skipping(what: string, reason: string, enable: string): void {
  const log = process.env.PALENS_SKIP_LOG;
  const entry = { what, reason, enable };
  if (log) appendFileSync(log, JSON.stringify(entry) + '\n');
  else process.stderr.write(`skipping ${what}: ${reason} (to run them: ${enable})\n`);
}
