/** One palens analysis in this process; prints {seconds, maxRssBytes} as JSON (bench/analyze.ts runs it). */
import { analyzeFiles } from '../src/pipeline/analysis.js';
import { DEFAULT_PERCENTILES } from '../src/metrics/distribution.js';

const file = process.argv[2]!;
const start = process.hrtime.bigint();
const a = await analyzeFiles([file], { experiment: 'all', percentiles: DEFAULT_PERCENTILES, keepEmptyResponses: false });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const m = a.experiments[0]!.metrics;
process.stdout.write(
  JSON.stringify({
    seconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ttft_mean_s: m.time_to_first_token.mean! / 1e9,
    t2t_mean_s: m.token_to_token_latency.mean! / 1e9,
  }) + '\n',
);
