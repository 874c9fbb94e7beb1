/** Every trial of the study, one row each, in the order the study recorded them. */
import { bitsLabel, bytes, count, level, percent, ratio, seconds } from './format.js';
import { chosenLabels } from './lookup.js';
import type { StudyResults } from './results.js';
import type { Table } from './table.js';

export function trialTable(r: StudyResults): Table {
  const labels = chosenLabels(r);
  // The test column only when the study scored every trial (report.testAllTrials).
  const tested = r.trials.some((t) => t.testAccuracy !== undefined);
  return {
    header: ['trial', 'stage', 'mode', 'pruned', 'bits', 'val accuracy', ...(tested ? ['test accuracy'] : []), 'size on disk', 'vs fp32',
      'nonzero weights', 'seconds', 'parent', 'chosen as'],
    align: ['left', 'left', 'left', 'right', 'right', 'right', ...(tested ? ['right' as const] : []), 'right', 'right', 'right', 'right', 'left', 'left'],
    rows: r.trials.map((t) => [
      t.id, t.stage, t.mode, level(t.sparsity), bitsLabel(t.bits), percent(t.valAccuracy),
      ...(tested ? [t.testAccuracy === undefined ? '–' : percent(t.testAccuracy)] : []), bytes(t.pqmBytes),
      ratio(r.fp32Bytes / t.pqmBytes), count(t.nonzeroWeights), seconds(t.seconds), t.parent ?? '–',
      (labels.get(t.id) ?? []).join(', '),
    ]),
  };
}
