/**
 * report.html: one self-contained page (inline CSS and SVG; no script, no link, no image file,
 * nothing fetched), so it opens from disk or as an e-mail attachment and still reads the same
 * in ten years.
 */
import { CELLS_NOTE, cellTable } from './cell-table.js';
import { chosenTable } from './chosen-table.js';
import { layerTable } from './layer-table.js';
import type { StudyResults } from './results.js';
import { summaryLines, testScope } from './summary.js';
import type { Table } from './table.js';
import { trialTable } from './trial-table.js';

/** A chart as the page embeds it: its SVG text, already rendered. */
export interface RenderedChart {
  id: string;
  caption: string;
  svg: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function htmlTable(t: Table, className: string): string {
  const cell = (tag: 'th' | 'td', s: string, i: number) =>
    `<${tag}${t.align[i] === 'right' ? ' class="num"' : ''}>${escapeHtml(s)}</${tag}>`;
  return `<div class="scroll"><table class="${className}">\n<thead><tr>${t.header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>\n<tbody>\n${
    t.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}\n</tbody></table></div>`;
}

const STYLE = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 0 auto; padding: 24px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin: 0 0 12px; }
ul.summary li { margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 20px; }
figure { margin: 0; padding: 8px; border: 1px solid #e3e3e3; border-radius: 4px; background: #fff; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 12px; margin-top: 6px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
th { background: #f6f6f6; position: sticky; top: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: #fafaf0; }
pre { background: #f6f6f6; padding: 10px; overflow-x: auto; font-size: 12px; }
`;

export function reportHtml(r: StudyResults, charts: readonly RenderedChart[]): string {
  const figures = charts.map((c) =>
    `<figure id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}">\n${c.svg}\n<figcaption>${escapeHtml(c.caption)}</figcaption>\n</figure>`);
  const body = [
    '<h1>prunequant study report</h1>',
    `<p class="meta">${escapeHtml(r.dataset.name)} · ${r.trials.length} trials · written ${escapeHtml(r.createdAt)} · ` +
      `accuracies on the validation split decide; ${escapeHtml(testScope(r))}; sizes are bytes of .pqm files on disk</p>`,
    '<h2>Summary</h2>',
    `<ul class="summary">\n${summaryLines(r).map((l) => `<li>${escapeHtml(l)}</li>`).join('\n')}\n</ul>`,
    '<h2>Chosen models</h2>',
    r.models.length > 0 ? htmlTable(chosenTable(r), 'chosen') : '<p>No model measured yet.</p>',
    '<h2>Charts</h2>',
    charts.length > 0 ? `<div class="charts">\n${figures.join('\n')}\n</div>` : '<p>Nothing to plot yet.</p>',
  ];
  const cells = cellTable(r);
  if (cells.rows.length > 0) body.push('<h2>Test accuracy of every configuration</h2>', `<p>${escapeHtml(CELLS_NOTE)}</p>`, htmlTable(cells, 'cells'));
  if (r.models.some((m) => m.layers.length > 0)) body.push('<h2>Per-layer sparsity and bits</h2>', htmlTable(layerTable(r), 'layers'));
  body.push('<h2>All trials</h2>', r.trials.length > 0 ? htmlTable(trialTable(r), 'trials') : '<p>No trial recorded yet.</p>');
  body.push('<h2>Study config</h2>', `<details><summary>resolved config, as the study ran it</summary><pre>${escapeHtml(JSON.stringify(r.config, null, 2))}</pre></details>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prunequant study report: ${escapeHtml(r.dataset.name)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
