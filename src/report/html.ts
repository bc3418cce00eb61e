/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network) with the
 * charts and tables of an analysis or a sweep. Renders the Analysis object; computes nothing new.
 */
import type { Analysis, FileExperiment } from './analysis.js';
import { type Distribution, percentileKey } from '../metrics/distribution.js';
import type { SweepSummary } from '../sweep/sweep.js';
import { fitLines, sweepHeader, sweepRow } from './sweep-text.js';
import { type Band, chart, PALETTE, type Series } from './svg.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const msText = (ns: number | null): string => (ns === null ? '–' : (ns / 1e6).toFixed(3));
const ms = (ns: number): number => ns / 1e6;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#4b5563}
table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #f3f4f6}th{background:#f9fafb;font-weight:600}
td:first-child,th:first-child{text-align:left}
.warn{background:#fffbeb;border:1px solid #fcd34d;padding:8px 12px;border-radius:6px}
.fit{font-family:ui-monospace,monospace;background:#f9fafb;padding:8px 12px;border-radius:6px}
svg.chart{display:block;margin:8px 0 20px;background:#fff}
svg .title{font-weight:600;font-size:13px}svg .tick,svg .legend{font-size:11px;fill:#374151}svg .label{font-size:12px;fill:#111827}
svg .grid{stroke:#f3f4f6}svg .axis,svg .tickmark{stroke:#6b7280}
`;

/** (value in ms, cumulative fraction) points of a distribution, from its reported percentiles. */
function cdfPoints(d: Distribution): [number, number][] {
  if (d.count === 0 || d.min === null || d.max === null) return [];
  const pts: [number, number][] = [[ms(d.min), 0]];
  const keys = Object.keys(d.percentiles)
    .map((k) => [Number(k.slice(1).replace('_', '.')), d.percentiles[k]] as const)
    .filter((e): e is readonly [number, number] => e[1] !== null)
    .sort((a, b) => a[0] - b[0]);
  for (const [p, v] of keys) pts.push([ms(v), p / 100]);
  pts.push([ms(d.max), 1]);
  return pts;
}

function distributionTable(rows: [string, Distribution][], percentiles: readonly number[], unitLabel: (d: Distribution) => string): string {
  const head = ['metric', 'unit', 'count', 'mean', 'std', 'min', ...percentiles.map((p) => `p${p}`), 'max'];
  const fmt = (d: Distribution, v: number | null): string => (v === null ? '–' : d.unit === 'ns' ? msText(v) : Number(v.toFixed(2)).toLocaleString('en-US'));
  const body = rows.map(([name, d]) => {
    const cells = [name, unitLabel(d), String(d.count), fmt(d, d.mean), fmt(d, d.std), fmt(d, d.min), ...percentiles.map((p) => fmt(d, d.percentiles[percentileKey(p)] ?? null)), fmt(d, d.max)];
    return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

function experimentSection(e: FileExperiment, a: Analysis): string {
  const m = e.metrics;
  const rows: [string, Distribution][] = [
    ['time to first token', m.time_to_first_token],
    ['token-to-token latency', m.token_to_token_latency],
    ['inter-token latency', m.inter_token_latency],
    ['request latency', m.request_latency],
    ['output responses', m.output_responses],
  ];
  if (m.prompt_words.count > 0) rows.push(['prompt words', m.prompt_words], ['prompt chars', m.prompt_chars]);
  const load = e.mode === null ? '' : ` · ${e.mode.replace('_', ' ')} ${e.value}`;
  const rate = (v: number | null): string => (v === null ? '–' : v.toFixed(2));
  return `<h3>Experiment ${e.index}${esc(load)}${a.inputs.length > 1 ? ` <span class="meta">(${esc(e.file)})</span>` : ''}</h3>
<p class="meta">requests ${e.requests.total} · completed ${e.requests.completed} · failed ${e.requests.failed} · responses ${e.responses.total} (${e.responses.empty_dropped} empty dropped) · ${rate(m.request_throughput.value)} requests/s · ${rate(m.output_response_throughput.value)} responses/s</p>
${distributionTable(rows, a.options.percentiles, (d) => (d.unit === 'ns' ? 'ms' : d.unit))}`;
}

function experimentCharts(a: Analysis): string {
  const curve = (pick: (e: FileExperiment) => Distribution): Series[] =>
    a.experiments.map((e, i) => ({
      name: `${a.inputs.length > 1 ? `${e.file.split('/').pop()} ` : ''}exp ${e.index}${e.mode === null ? '' : ` (${e.mode.replace('_', ' ')} ${e.value})`}`,
      points: cdfPoints(pick(e)),
      style: 'line+points' as const,
      color: PALETTE[i % PALETTE.length]!,
    }));
  return [
    chart({ id: 'ttft-cdf', title: 'Time to first token: cumulative distribution', xLabel: 'time to first token (ms)', yLabel: 'fraction of requests', series: curve((e) => e.metrics.time_to_first_token) }),
    chart({ id: 't2t-cdf', title: 'Token-to-token latency: cumulative distribution', xLabel: 'token-to-token latency (ms)', yLabel: 'fraction of gaps', series: curve((e) => e.metrics.token_to_token_latency) }),
  ].join('\n');
}

function sweepSection(s: SweepSummary, a: Analysis): string {
  const u = s.unit;
  const pts = s.points;
  const at = (d: Distribution, p: number): number | null => d.percentiles[percentileKey(p)] ?? null;
  const line = (pick: (p: (typeof pts)[number]) => number | null): [number, number][] =>
    pts.flatMap((p) => {
      const v = pick(p);
      return v === null ? [] : [[p.length, ms(v)] as [number, number]];
    });
  const xs = pts.map((p) => p.length);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const grid = Array.from({ length: 41 }, (_, i) => lo + ((hi - lo) * i) / 40);
  const series: Series[] = [];
  const bands: Band[] = [];
  const ttft = s.fits.time_to_first_token;
  bands.push({ name: 'TTFT p50–p99', lower: line((p) => at(p.metrics.time_to_first_token, 50)), upper: line((p) => at(p.metrics.time_to_first_token, 99)), color: PALETTE[0]! });
  series.push({ name: 'TTFT p50', points: line((p) => at(p.metrics.time_to_first_token, 50)), style: 'line+points', color: PALETTE[0]! });
  series.push({ name: 'TTFT p90', points: line((p) => at(p.metrics.time_to_first_token, 90)), style: 'line', color: PALETTE[3]! });
  series.push({ name: 'TTFT p99', points: line((p) => at(p.metrics.time_to_first_token, 99)), style: 'line', color: PALETTE[1]! });
  if (ttft !== null) {
    const f =
      ttft.quadratic_preferred && ttft.quadratic !== null
        ? (x: number): number => ttft.quadratic!.intercept_ns + ttft.quadratic!.slope_ns_per_unit * x + ttft.quadratic!.quadratic_ns_per_unit2 * x * x
        : (x: number): number => ttft.intercept_ns + ttft.slope_ns_per_unit * x;
    series.push({ name: ttft.quadratic_preferred ? 'fit a + b·L + c·L²' : 'fit a + b·L', points: grid.map((x) => [x, ms(f(x))] as [number, number]), style: 'dashed', color: '#111827' });
  }
  const t2t = s.fits.token_to_token_latency;
  const decode: Series[] = [
    { name: 'token-to-token mean', points: line((p) => p.metrics.token_to_token_latency.mean), style: 'line+points', color: PALETTE[2]! },
    { name: 'token-to-token p50', points: line((p) => at(p.metrics.token_to_token_latency, 50)), style: 'line', color: PALETTE[0]! },
    { name: 'token-to-token p99', points: line((p) => at(p.metrics.token_to_token_latency, 99)), style: 'line', color: PALETTE[1]! },
  ];
  if (t2t !== null) decode.push({ name: 'fit c + d·L', points: grid.map((x) => [x, ms(t2t.intercept_ns + t2t.slope_ns_per_unit * x)] as [number, number]), style: 'dashed', color: '#111827' });
  const cdf = (pick: (p: (typeof pts)[number]) => Distribution): Series[] =>
    pts.map((p, i) => ({ name: `${p.length} ${u}`, points: cdfPoints(pick(p)), style: 'line' as const, color: PALETTE[i % PALETTE.length]! }));

  const rows = pts.map((p) => `<tr>${sweepRow(p).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
  const head = sweepHeader(u);
  return `<h2>Prompt length against latency</h2>
<p class="meta">length by ${esc(s.length_by)}${s.tokenizer ? ` (${esc(s.tokenizer)})` : ''}${s.bucket ? `, bucketed to ${s.bucket}` : ''} · ${s.requests} requests · ${pts.length} lengths${s.requests_without_length ? ` · ${s.requests_without_length} without a length` : ''}</p>
<div class="fit">${fitLines(s).map(esc).join('<br>')}</div>
${chart({ id: 'ttft-vs-length', title: 'Time to first token against prompt length', xLabel: `prompt length (${u})`, yLabel: 'time to first token (ms)', series, bands, yFromZero: true })}
${chart({ id: 't2t-vs-length', title: 'Token-to-token latency against prompt length', xLabel: `prompt length (${u})`, yLabel: 'token-to-token latency (ms)', series: decode, yFromZero: true })}
${chart({ id: 'ttft-cdf-by-length', title: 'Time to first token by prompt length: cumulative distribution', xLabel: 'time to first token (ms)', yLabel: 'fraction of requests', series: cdf((p) => p.metrics.time_to_first_token) })}
${chart({ id: 't2t-cdf-by-length', title: 'Token-to-token latency by prompt length: cumulative distribution', xLabel: 'token-to-token latency (ms)', yLabel: 'fraction of gaps', series: cdf((p) => p.metrics.token_to_token_latency) })}
<p class="meta">Times in ms. Cumulative distributions are drawn through the reported percentiles (${a.options.percentiles.join(', ')}), minimum and maximum.</p>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderHtml(a: Analysis): string {
  const title = a.sweep ? 'palens sweep report' : 'palens analysis report';
  const inputs = a.inputs
    .map((i) => `<tr><td>${esc(i.file)}</td><td>${esc(i.version ?? '–')}</td><td>${esc(i.service_kind ?? '–')}</td><td>${i.experiments}</td><td>${i.requests}</td><td>${(i.bytes / 1e6).toFixed(1)}</td></tr>`)
    .join('');
  const warnings = a.warnings.length === 0 ? '' : `<div class="warn"><strong>Warnings</strong><ul>${a.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`;
  const sections: string[] = [];
  if (a.sweep) sections.push(sweepSection(a.sweep, a));
  if (a.experiments.length > 0) {
    sections.push(`<h2>Experiments</h2>`);
    sections.push(experimentCharts(a));
    for (const e of a.experiments) sections.push(experimentSection(e, a));
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">palens ${esc(a.tool.version)} · ${a.inputs.length} input${a.inputs.length === 1 ? '' : 's'} · percentiles ${a.options.percentiles.join(', ')} · empty responses ${a.options.keep_empty_responses ? 'kept' : 'dropped'}</p>
${warnings}
${sections.join('\n')}
<h2>Inputs</h2>
<table><thead><tr><th>file</th><th>perf_analyzer</th><th>service</th><th>experiments</th><th>requests</th><th>MB</th></tr></thead><tbody>${inputs}</tbody></table>
</body>
</html>
`;
}
