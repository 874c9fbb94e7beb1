/**
 * Puts a study of examples/lenet5-pytorch-protocol.yaml beside the PyTorch run of the same
 * protocol (shared/anchors/pytorch-lenet5.md), cell by cell, and prints Markdown: the accuracy
 * cells with their differences, the cells missed by more than 0.2 pp, and the sizes.
 * The study must have scored every trial on the test split (report.testAllTrials, which that
 * config turns on).
 *
 * Usage: node --import tsx scripts/pytorch-protocol-table.ts RUN_DIR [--tolerance 0.2]
 */
import { join } from 'node:path';
import { compareWithReference, markdownTable, readResults, type ReferenceRow } from '../src/report/index.js';

/**
 * The anchor's results table (test accuracy, %, and its size formula's bytes), as published
 * there: PyTorch 1.13, CPU, seed 0.
 */
const PYTORCH_LENET5: [string, number | null, number | null, number | null, number][] = [
  ['baseline', 99.00, null, null, 246_824],
  ['prune 50%', 98.94, 99.16, 99.18, 131_568],
  ['prune 70%', 98.84, 99.11, 99.18, 82_392],
  ['prune 80%', 98.06, 99.09, 99.15, 57_804],
  ['prune 90%', 94.70, 99.01, 99.18, 33_216],
  ['prune 95%', 74.07, 98.85, 98.91, 20_924],
  ['prune 98%', 46.01, 97.59, 98.00, 13_544],
  ['8 bits', 98.99, 99.13, 99.25, 70_460],
  ['6 bits', 99.01, 99.09, 99.28, 53_958],
  ['4 bits', 98.98, 98.87, 99.22, 35_216],
  ['3 bits', 98.42, 99.01, 99.23, 23_808],
  ['2 bits', 78.93, 97.40, 97.53, 11_860],
  ['95% + 3 bits', 73.34, 98.54, 98.83, 10_624],
];

const reference: ReferenceRow[] = PYTORCH_LENET5.map(([config, post, aware, refine, bytes]) => ({
  config, bytes,
  accuracy: Object.fromEntries(([['post', post], ['aware', aware], ['refine', refine]] as const)
    .filter(([, v]) => v !== null).map(([k, v]) => [k, v! / 100])),
}));

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
const at = args.indexOf('--tolerance');
const tolerance = at >= 0 ? Number(args[at + 1]) : 0.2;
if (dir === undefined || !(tolerance >= 0)) {
  process.stderr.write('usage: node --import tsx scripts/pytorch-protocol-table.ts RUN_DIR [--tolerance PP]\n');
  process.exit(2);
}
const results = readResults(join(dir, 'results.json'));
if (!results.trials.some((t) => t.testAccuracy !== undefined)) {
  process.stderr.write(`${dir}/results.json: no trial has a test accuracy; run the study with report.testAllTrials: true (or --resume it with that config)\n`);
  process.exit(1);
}
const { accuracy, sizes, misses } = compareWithReference(results, reference, tolerance);
process.stdout.write([
  `Test accuracy, PyTorch (reference) against ${dir}:`, '', markdownTable(accuracy), '',
  misses.length === 0 ? `Every cell matched within ${tolerance} pp or beaten.` : `Not matched within ${tolerance} pp (${misses.length}):\n${misses.map((m) => `- ${m}`).join('\n')}`, '',
  'Sizes: the reference counts nnz x bits / 8 + a bitmask + float32 biases and scales; ours are the .pqm files on disk.', '',
  markdownTable(sizes), '',
].join('\n'));
