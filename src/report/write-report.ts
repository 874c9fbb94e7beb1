/**
 * Writes a study's report into its run directory: report.html (charts rendered to inline SVG),
 * report.md, results.csv, and results.json when the study has not written it. Everything is
 * built in memory first and each file lands through a temp file and a rename, so a failure
 * leaves the previous report whole.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { reportCharts } from './charts/report-charts.js';
import { renderSvg } from './charts/render-svg.js';
import { ResultsError } from './errors.js';
import { readResults } from './read-results.js';
import { reportHtml } from './report-html.js';
import { reportMarkdown } from './report-markdown.js';
import { resultsCsv } from './results-csv.js';
import type { StudyResults } from './results.js';
import { validateResults } from './validate-results.js';
import { writeFileAtomic } from '../nn/index.js';

export const REPORT_FILES = { html: 'report.html', markdown: 'report.md', csv: 'results.csv', json: 'results.json' } as const;

export interface WriteReportOptions {
  /**
   * results.json: 'if-missing' (default) writes it only when the directory has none, so a report
   * never replaces the study's own record; 'always' replaces it with `results`.
   */
  resultsJson?: 'if-missing' | 'always';
  /** Receives Vega and Vega-Lite warnings (default: dropped). */
  onWarning?: (message: string) => void;
}

export interface WrittenReport {
  /** Paths of the files written, in the order written. */
  files: string[];
  /** Ids of the charts in report.html. */
  charts: string[];
}

export async function writeReport(dir: string, results: StudyResults, options: WriteReportOptions = {}): Promise<WrittenReport> {
  // The study hands an object built in code: check it as strictly as a file, so a wrong field
  // fails here, named, and not as a broken chart.
  const r = validateResults(results, 'results');
  const charts = reportCharts(r);
  const rendered = [];
  for (const c of charts) rendered.push({ id: c.id, caption: c.caption, svg: await renderSvg(c.spec, c.id, options.onWarning) });
  const outputs: [string, string][] = [];
  const jsonPath = join(dir, REPORT_FILES.json);
  if (options.resultsJson === 'always' || !existsSync(jsonPath)) outputs.push([jsonPath, `${JSON.stringify(results, null, 2)}\n`]);
  outputs.push(
    [join(dir, REPORT_FILES.csv), resultsCsv(r)],
    [join(dir, REPORT_FILES.markdown), reportMarkdown(r)],
    [join(dir, REPORT_FILES.html), reportHtml(r, rendered)],
  );
  // writeFileAtomic creates missing folders; a file where the folder should be is named here,
  // before any output lands.
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`writeReport: ${dir} is not a directory`);
  for (const [path, text] of outputs) writeFileAtomic(path, text);
  return { files: outputs.map(([p]) => p), charts: rendered.map((c) => c.id) };
}

/** Rebuilds the report of a run directory from its results.json (what `prunequant report DIR` does). */
export async function rebuildReport(dir: string, options: Omit<WriteReportOptions, 'resultsJson'> = {}): Promise<WrittenReport> {
  if (!existsSync(dir)) throw new ResultsError(`${dir}: no such directory (expected a study's run directory)`, dir, null);
  if (!statSync(dir).isDirectory()) throw new ResultsError(`${dir}: not a directory (expected a study's run directory)`, dir, null);
  return writeReport(dir, readResults(join(dir, REPORT_FILES.json)), options);
}
