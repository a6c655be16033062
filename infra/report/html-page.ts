/**
 * The HTML report: one self-contained page (ECharts inlined, the data as a
 * JSON literal, no network) that draws a {@link ReportModel}.
 */
import type { ReportModel } from './report-model.js';
import { REPORT_SCRIPT } from './report-script.js';

/** Makes `source` safe inside a `<script>` element: no `</script` or `<!--` can close or comment it out. */
function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function summary(model: ReportModel): string {
  const failed = model.bars.filter((bar) => bar.outcome !== 'ok').length;
  const spills = model.marks.filter((mark) => mark.kind === 'spill').length;
  const cost = model.cost.map(({ backend, points }) => `${backend} $${(points.at(-1)?.[1] ?? 0).toPrecision(3)}`).join(', ') || 'none';
  const dropped = model.droppedAttempts > 0 ? ` (${model.droppedAttempts} older attempts dropped by the timeline's bound)` : '';
  return `${model.bars.length} attempts${dropped}, ${failed} failed, ${spills} spills, over ${(model.endMs / 1000).toFixed(2)} s; estimated cost: ${cost}`;
}

/** The report page of `model`, with `echartsSource` (the minified ECharts build) inlined; `title` heads the page. */
export function htmlPage(model: ReportModel, echartsSource: string, title: string): string {
  const started = new Date(model.startedAtEpochMs).toISOString();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 18px; margin: 0 0 4px; }
p.summary { margin: 0 0 12px; color: #555; }
.chart { width: 100%; margin-bottom: 12px; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
td, th { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; vertical-align: top; }
td:nth-child(-n+3) { white-space: nowrap; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="summary">Started ${started}. ${escapeHtml(summary(model))}.</p>
<div id="lanes" class="chart"></div>
<div id="queue" class="chart"></div>
<div id="cost" class="chart"></div>
<div id="heatmap" class="chart"></div>
<h2 style="font-size:15px">Spills, retries, failovers and breaker changes</h2>
<table><thead><tr><th>time</th><th>kind</th><th>lane</th><th>what</th></tr></thead><tbody id="events"></tbody></table>
<script>${scriptSafe(echartsSource)}</script>
<script>window.SPILLWAY_REPORT = ${scriptSafe(JSON.stringify(model))};</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
