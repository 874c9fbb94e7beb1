/**
 * A study's test cells beside a reference run's (for example the PyTorch run of the same
 * protocol, shared/anchors/pytorch-lenet5.md): one row per cell the reference has, with the
 * difference and whether it is matched within a tolerance or beaten. Needs a study that scored
 * every trial on the test split (`report.testAllTrials`).
 */
import { testCells } from './cell-table.js';
import { count, percent } from './format.js';
import type { StudyResults } from './results.js';
import type { Table } from './table.js';

export type ReferenceMode = 'post' | 'aware' | 'refine';

/** One configuration of the reference, labelled as the cell table labels it ('baseline', 'prune 90%', '4 bits', '95% + 3 bits'). */
export interface ReferenceRow {
  config: string;
  /** Test accuracy as a fraction, by mode; the baseline's under post. */
  accuracy: Partial<Record<ReferenceMode, number>>;
  /** The reference's size of the model, in bytes, however it counted it; null: none given. */
  bytes: number | null;
}

export interface ReferenceComparison {
  accuracy: Table;
  sizes: Table;
  /** The reference cells that the study neither matched within the tolerance nor beat, or did not run, in words. */
  misses: string[];
}

const MODES: readonly ReferenceMode[] = ['post', 'aware', 'refine'];

/** A signed difference in percentage points, two decimals: '+0.12', '-0.40', '0.00'. */
function points(pp: number): string {
  const s = pp.toFixed(2);
  return s === '-0.00' || s === '0.00' ? '0.00' : pp > 0 ? `+${s}` : s;
}

/**
 * Each reference cell against the study's: matched when the study's test accuracy is at most
 * `tolerancePp` percentage points below the reference's (or above it).
 * @example const { accuracy, misses } = compareWithReference(results, PYTORCH_LENET5, 0.2);
 */
export function compareWithReference(r: StudyResults, reference: readonly ReferenceRow[], tolerancePp: number): ReferenceComparison {
  const cells = new Map(testCells(r).map((c) => [c.config, c]));
  const accuracy: Table = {
    header: ['config', 'mode', 'reference', 'ours', 'difference (pp)', `within ${tolerancePp} pp or better`],
    align: ['left', 'left', 'right', 'right', 'right', 'left'],
    rows: [],
  };
  const sizes: Table = {
    header: ['config', 'reference size (B)', 'ours: .pqm on disk (B)', 'ours: nonzero weights'],
    align: ['left', 'right', 'right', 'right'],
    rows: [],
  };
  const misses: string[] = [];
  for (const ref of reference) {
    const cell = cells.get(ref.config);
    for (const mode of MODES) {
      const want = ref.accuracy[mode];
      if (want === undefined) continue;
      const got = cell === undefined ? undefined : ref.config === 'baseline' ? cell.test.post ?? cell.test.train : cell.test[mode];
      if (got === undefined) {
        accuracy.rows.push([ref.config, mode, percent(want), '–', '–', 'not run']);
        misses.push(`${ref.config} ${mode}: not run by this study`);
        continue;
      }
      // Rounded to the hundredth of a point shown, so the verdict agrees with the printed figures.
      const pp = Math.round(10_000 * (got - want)) / 100;
      const ok = pp >= -tolerancePp - 1e-9;
      accuracy.rows.push([ref.config, mode, percent(want), percent(got), points(pp), ok ? 'yes' : 'no']);
      if (!ok) misses.push(`${ref.config} ${mode}: ${percent(got)} against ${percent(want)} (${points(pp)} pp)`);
    }
    sizes.rows.push([ref.config, ref.bytes === null ? '–' : count(ref.bytes), cell === undefined ? '–' : count(cell.sized.pqmBytes),
      cell === undefined ? '–' : count(cell.sized.nonzeroWeights)]);
  }
  return { accuracy, sizes, misses };
}
