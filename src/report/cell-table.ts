/**
 * Test accuracy cell by cell, when the study scored every trial on the test split
 * (`report.testAllTrials`): one row per configuration (the baseline, each pruning level, each
 * bit width, each combination tried), one column per mode. It has the shape of a reference
 * run's table (shared/anchors/pytorch-lenet5.md), so the two can be read side by side.
 */
import { bitsLabel, bytes, count, level, percent, ratio } from './format.js';
import type { StudyResults, Trial, TrialMode } from './results.js';
import type { Table } from './table.js';

/** One configuration's trials, by mode. */
export interface TestCell {
  /** 'baseline', 'prune 90%', '4 bits', '95% + 3 bits'. */
  config: string;
  stage: Trial['stage'];
  sparsity: number | null;
  bits: number | null;
  /** Test accuracy by mode; the baseline's under 'train' (or 'post' when it was given, not trained). */
  test: Partial<Record<TrialMode, number>>;
  /** The trial whose size and non-zero weights the row shows: the last mode trained (refine, else aware, else post). */
  sized: Trial;
}

function configLabel(t: Trial): string {
  if (t.stage === 'baseline') return 'baseline';
  if (t.stage === 'prune') return `prune ${level(t.sparsity)}`;
  if (t.stage === 'quantize') return `${bitsLabel(t.bits)} bits`;
  return `${level(t.sparsity)} + ${bitsLabel(t.bits)} bits`;
}

const SIZE_ORDER: readonly TrialMode[] = ['refine', 'aware', 'post', 'train'];

/**
 * The cells of every trial that has a test accuracy, in the order the trials are recorded
 * (stage, level, bits). Trials without one (a study that did not score them) are left out.
 * @example const cells = testCells(results); // [{ config: 'baseline', test: { train: 0.99 }, ... }, ...]
 */
export function testCells(r: StudyResults): TestCell[] {
  const byConfig = new Map<string, Trial[]>();
  for (const t of r.trials) {
    if (t.testAccuracy === undefined) continue;
    const key = configLabel(t);
    byConfig.set(key, [...(byConfig.get(key) ?? []), t]);
  }
  return [...byConfig].map(([config, trials]) => {
    const first = trials[0]!;
    const test: Partial<Record<TrialMode, number>> = {};
    for (const t of trials) test[t.mode] = t.testAccuracy!;
    const sized = SIZE_ORDER.map((m) => trials.find((t) => t.mode === m)).find((t) => t !== undefined)!;
    return { config, stage: first.stage, sparsity: first.sparsity, bits: first.bits, test, sized };
  });
}

/** What the cell table is, as report.md and report.html say it above the table. */
export const CELLS_NOTE = 'Scored after every choice was made, for comparison with other runs only; the baseline is under post. ' +
  'Size and non-zero weights are those of the last mode trained (refine, else aware).';

export function cellTable(r: StudyResults): Table {
  const cell = (v: number | undefined) => (v === undefined ? '' : percent(v));
  return {
    header: ['config', 'post', 'aware', 'refine', 'nonzero weights', 'size on disk', 'vs fp32'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: testCells(r).map((c) => [
      c.config, cell(c.test.post ?? c.test.train), cell(c.test.aware), cell(c.test.refine),
      count(c.sized.nonzeroWeights), bytes(c.sized.pqmBytes), ratio(r.fp32Bytes / c.sized.pqmBytes),
    ]),
  };
}
