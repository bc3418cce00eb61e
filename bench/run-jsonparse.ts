/** Node's JSON.parse on a whole export (what a naive JS tool does); prints {seconds, maxRssBytes} or {error}. */
import { readFileSync } from 'node:fs';

const file = process.argv[2]!;
const start = process.hrtime.bigint();
try {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { experiments: unknown[] };
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, experiments: doc.experiments.length }) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: (e as Error).message }) + '\n');
}
