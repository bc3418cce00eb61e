/** Latency and throughput against load, for exports with several load levels (concurrency or request rate). */
import { farApart, round } from '../compare/config.js';
import type { Analysis, FileExperiment } from './analysis.js';
import { againstFigure, at, figureHtml, levelAxis, rateFigure, type StatLine } from './charts.js';
import { goodputByLoadFigure } from './html-goodput.js';
import { noGapsReason } from './input-kind.js';
import { BRIGHT, esc, niceTicks } from './svg.js';

const MODE_WORDS: Record<string, { axis: string; title: string }> = {
  concurrency: { axis: 'concurrency (requests in flight)', title: 'concurrency' },
  request_rate: { axis: 'request rate (requests/s)', title: 'request rate' },
};

/**
 * Points from several files that differ in more than load — mean prompt length or output per
 * request far apart by compare's rule (compare/config.ts farApart) — are not one load sweep: said
 * under the heading, as `palens compare` refuses such runs. Null when the points come from one file or agree.
 */
function mixedCaptures(points: readonly FileExperiment[]): string | null {
  if (new Set(points.map((e) => e.file)).size < 2) return null;
  const differ = (name: string, pick: (e: FileExperiment) => number | null): string | null => {
    const values = points.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length < 2) return null;
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return farApart(lo, hi) ? `${name} from ${round(lo)} to ${round(hi)}` : null;
  };
  const found = [differ('mean prompt words', (e) => e.metrics.prompt_words.mean), differ('mean output responses per request', (e) => e.metrics.output_responses.mean)].filter((d) => d !== null);
  if (found.length === 0) return null;
  return `These levels come from ${new Set(points.map((e) => e.file)).size} files that differ in more than load (${found.join('; ')}): the curves join captures made differently.`;
}

export function loadSection(a: Analysis): string {
  const byMode = new Map<string, FileExperiment[]>();
  for (const e of a.experiments) {
    if (e.mode === null || e.value === null) continue;
    const list = byMode.get(e.mode) ?? [];
    list.push(e);
    byMode.set(e.mode, list);
  }
  const out: string[] = [];
  for (const [mode, list] of byMode) {
    const levels = [...new Set(list.map((e) => e.value!))].sort((x, y) => x - y);
    if (levels.length < 2) continue;
    const sorted = [...list].sort((x, y) => x.value! - y.value!);
    const words = MODE_WORDS[mode] ?? { axis: mode, title: mode };
    const x = levelAxis(words.axis, levels);
    const stat = (name: string, color: string, pick: (e: FileExperiment) => number | null, style: StatLine['style'] = 'line+points'): StatLine => ({ name, color, style, points: sorted.map((e) => [e.value!, pick(e)] as const) });
    const latency = (key: 'time_to_first_token' | 'token_to_token_latency', id: string, what: string, noun: string) =>
      againstFigure({
        id: `${id}-vs-${mode}`,
        title: `${what[0]!.toUpperCase()}${what.slice(1)} against ${words.title}`,
        x,
        width: 560,
        yLabel: `${what} (ms)`,
        noun,
        lines: [
          stat('p50', BRIGHT.blue, (e) => at(e.metrics[key], 50)),
          stat('p90', BRIGHT.green, (e) => at(e.metrics[key], 90)),
          stat('p99', BRIGHT.red, (e) => at(e.metrics[key], 99)),
        ],
        maxima: sorted.flatMap((e) => (e.metrics[key].max === null ? [] : [{ label: `${words.title} ${e.value}`, ns: e.metrics[key].max }])),
      });
    const ttft = latency('time_to_first_token', 'ttft', 'time to first token', 'time to first token');
    const t2t = latency('token_to_token_latency', 't2t', 'token-to-token latency', 'gap');
    const hasGaps = sorted.some((e) => e.metrics.token_to_token_latency.count > 0);
    const responses = rateFigure(`responses-vs-${mode}`, `Output responses per second against ${words.title}`, x, 'responses/s', [
      stat('responses/s', BRIGHT.purple, (e) => e.metrics.output_response_throughput.value),
    ]);
    const requests = rateFigure(`requests-vs-${mode}`, `Completed requests per second against ${words.title}`, x, 'requests/s', [
      stat('requests/s', BRIGHT.cyan, (e) => e.metrics.request_throughput.value),
    ]);
    // Latency against what the server delivered (peers' "TTFT vs throughput"): where more load stops buying throughput.
    const thr = sorted.map((e) => e.metrics.output_response_throughput.value).filter((v): v is number => v !== null);
    const thrHi = Math.max(0, ...thr);
    const thrTicks = niceTicks(0, thrHi * 1.05);
    const tradeoff =
      thr.length < 2
        ? null
        : againstFigure({
            id: `ttft-vs-throughput-${mode}`,
            title: 'Time to first token against output throughput',
            x: { label: 'output responses/s', kind: 'linear', lo: 0, hi: Math.max(thrHi * 1.05, thrTicks[thrTicks.length - 1]!) },
            width: 560,
            yLabel: 'time to first token (ms)',
            noun: 'time to first token',
            lines: (['p50', 'p99'] as const).map((name) => ({
              name,
              color: name === 'p50' ? BRIGHT.blue : BRIGHT.red,
              style: 'line+points' as const,
              points: sorted.flatMap((e) => (e.metrics.output_response_throughput.value === null ? [] : [[e.metrics.output_response_throughput.value, at(e.metrics.time_to_first_token, name === 'p50' ? 50 : 99)] as const])),
            })),
            topLabels: sorted.flatMap((e) => (e.metrics.output_response_throughput.value === null ? [] : [{ x: e.metrics.output_response_throughput.value, text: String(e.value) }])),
          });
    tradeoff?.notes.push(`One point per ${words.title} level (along the top), joined in level order: where the line turns up, more load buys latency, not throughput.`);
    const withGoodput = sorted.flatMap((e) => (e.goodput === null ? [] : [{ value: e.value!, goodput: e.goodput }]));
    const goodput = withGoodput.length === 0 ? null : goodputByLoadFigure(`goodput-vs-${mode}`, `Goodput against ${words.title}`, x, withGoodput);
    out.push(`<h2>Latency and throughput against ${esc(words.title)}</h2>`);
    out.push(`<p class="note">${levels.length} levels; each point is one experiment's exact statistic.</p>`);
    const mixed = mixedCaptures(sorted);
    if (mixed !== null) out.push(`<p class="leftout">${esc(mixed)}</p>`);
    const figs = [ttft, hasGaps ? t2t : null, responses, requests, tradeoff, goodput].filter((f) => f !== null);
    out.push(`<div class="grid2">${figs.map(figureHtml).join('')}</div>`);
    if (!hasGaps) out.push(`<p class="leftout">Token-to-token against ${esc(words.title)} left out: ${esc(noGapsReason(a.inputs, 'no request had two or more responses'))}.</p>`);
  }
  return out.join('\n');
}
