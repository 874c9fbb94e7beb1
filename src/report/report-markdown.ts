/** report.md: the summary and the same tables as report.html (the charts live in the HTML). */
import { CELLS_NOTE, cellTable } from './cell-table.js';
import { chosenTable } from './chosen-table.js';
import { layerTable } from './layer-table.js';
import type { StudyResults } from './results.js';
import { summaryLines, testScope } from './summary.js';
import type { Table } from './table.js';
import { trialTable } from './trial-table.js';

/** Escapes what Markdown would read as markup inside a table cell or a sentence. */
function md(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`<>[\]])/g, '\\$1').replace(/\r?\n/g, ' ');
}

export function markdownTable(t: Table): string {
  const line = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
  const rule = `|${t.align.map((a) => (a === 'right' ? '---:' : ':---')).join('|')}|`;
  return [line(t.header), rule, ...t.rows.map(line)].join('\n');
}

export function reportMarkdown(r: StudyResults): string {
  const parts = [
    '# prunequant study report',
    `${md(r.dataset.name)}, ${r.trials.length} trials, written ${md(r.createdAt)}. Accuracies on the validation split decide; ` +
      `${testScope(r)}. Sizes are bytes of the .pqm files on disk. ` +
      'Charts: report.html; every number: results.csv and results.json.',
    '## Summary',
    summaryLines(r).map((l) => `- ${md(l)}`).join('\n'),
    '## Chosen models',
    r.models.length > 0 ? markdownTable(chosenTable(r)) : 'No model measured yet.',
  ];
  const cells = cellTable(r);
  if (cells.rows.length > 0) parts.push('## Test accuracy of every configuration', CELLS_NOTE, markdownTable(cells));
  if (r.models.some((m) => m.layers.length > 0)) parts.push('## Per-layer sparsity and bits', markdownTable(layerTable(r)));
  parts.push('## All trials', r.trials.length > 0 ? markdownTable(trialTable(r)) : 'No trial recorded yet.');
  // A config string holding ``` would end the fence early; a zero-width space breaks it up.
  parts.push('## Study config', `\`\`\`json\n${JSON.stringify(r.config, null, 2).replace(/```/g, '`\u200b``')}\n\`\`\``);
  return `${parts.join('\n\n')}\n`;
}
