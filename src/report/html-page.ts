/** The page frame shared by the analysis and comparison reports: style, tables that scroll in their own box. */
import { esc } from './svg.js';

export const PAGE_STYLE = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;margin:20px auto;max-width:1180px;padding:0 16px}
h1{font-size:22px;margin:0 0 2px}h2{font-size:18px;margin:30px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta,.note{color:#4b5563}.sub{margin:0 0 2px;font-weight:500;overflow-wrap:anywhere}
.note{margin:2px 0 6px;font-size:13px}.leftout{color:#6b7280;font-style:italic;margin:8px 0}
.scroll{overflow-x:auto;max-width:100%;margin:6px 0 14px;border:1px solid #f3f4f6;border-radius:4px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;white-space:nowrap}
th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #f3f4f6;font-size:13px}th{background:#f9fafb;font-weight:600}
td:first-child,th:first-child{position:sticky;left:0;background:#fff;z-index:1}th:first-child{background:#f9fafb}
td.l,th.l{text-align:left}td.w{white-space:normal;overflow-wrap:anywhere;min-width:24ch;max-width:460px}
.bad{color:#b91c1c}.good{color:#15803d}
.warn{background:#fffbeb;border:1px solid #fcd34d;padding:8px 12px;border-radius:6px;margin:10px 0}.warn ul{margin:4px 0;padding-left:20px}
.verdict{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}.verdict.pass{background:#f0fdf4;border:1px solid #86efac}.verdict.fail{background:#fef2f2;border:1px solid #fca5a5}
.fit{font-family:ui-monospace,monospace;font-size:13px;background:#f9fafb;padding:8px 12px;border-radius:6px;overflow-x:auto;white-space:pre-wrap}
figure{margin:10px 0 18px}
svg.chart{display:block;width:100%;height:auto;max-width:880px;background:#fff}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:4px 16px}.grid2 svg.chart{max-width:560px}
svg .title{font-weight:600;font-size:14px}svg .tick,svg .legend{font-size:11px;fill:#374151}svg .label{font-size:12px;fill:#111827}
svg .n{fill:#6b7280;font-size:10px}svg .marklabel{font-size:10px;fill:#111827}
svg .grid{stroke:#eef0f3}svg .axis,svg .tickmark{stroke:#6b7280}
@media print{body{max-width:none;margin:0}.scroll{overflow:visible;border:none}table{white-space:normal}th,td{font-size:8.5px;padding:1px 2px}td.w{min-width:0}figure,tr{break-inside:avoid}h2{break-after:avoid}.grid2{grid-template-columns:1fr 1fr}}
`;

/** A table in its own scrolling box; `left` columns are text (left-aligned), `wrap` columns may wrap (file names). */
export function table(head: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = [0], wrap: readonly number[] = []): string {
  const cls = (i: number): string => (wrap.includes(i) ? ' class="l w"' : left.includes(i) ? ' class="l"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${body}
</body>
</html>
`;
}
