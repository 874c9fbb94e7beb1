/**
 * `prunequant report DIR`: rebuilds a study's report (report.html, report.md, results.csv)
 * from DIR/results.json, e.g. after a new prunequant changed the charts, or for results.json
 * files copied from another machine. It reads results.json and never changes it.
 */
import { basename, dirname } from 'node:path';
import { rebuildReport, REPORT_FILES } from '../../report/index.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { COMMON_OPTIONS, finish } from '../common.js';

const OPTIONS: Record<string, OptionSpec> = {
  json: COMMON_OPTIONS['json']!,
  help: COMMON_OPTIONS['help']!,
};

export const reportUsage = helpText('prunequant report DIR [--json]\n\nRebuilds report.html, report.md and results.csv in DIR from DIR/results.json (written by prunequant run).', OPTIONS);

export async function reportCommand(argv: readonly string[]): Promise<void> {
  const { positionals, options: o } = parseArgs('report', argv, OPTIONS, { positionals: ['DIR'] });
  if (o['help']) return void process.stdout.write(`${reportUsage}\n`);
  let dir = positionals[0];
  if (dir === undefined) throw new UsageError('report: missing DIR (a study\'s run directory, holding results.json)');
  // Naming the results file itself is a slip of the same intent: take its directory.
  if (basename(dir) === REPORT_FILES.json) dir = dirname(dir);
  const written = await rebuildReport(dir);
  finish(o['json'] === true, { command: 'report', dir, files: written.files, charts: written.charts },
    `wrote ${written.files.join(', ')} (${written.charts.length} charts)`);
}
