/** Validation accuracy against the pruning level, one line per mode, the baseline as a rule. */
import { baselineTrial } from '../lookup.js';
import type { StudyResults } from '../results.js';
import { accuracyCurvesSpec } from './accuracy-curves.js';
import { pct, type Chart } from './chart.js';

export function accuracyVsSparsityChart(r: StudyResults): Chart | null {
  const points = r.trials.filter((t) => t.stage === 'prune' && t.sparsity !== null)
    .map((t) => ({ id: t.id, x: pct(t.sparsity!), accuracy: pct(t.valAccuracy), mode: t.mode }));
  if (points.length === 0) return null;
  const base = baselineTrial(r);
  return {
    id: 'accuracy-vs-sparsity',
    caption: 'Each pruning level evaluated three ways: post-training, aware-trained with the original recipe, refine-tuned at lr / 10. ' +
      'The dashed line is the baseline; the ring marks the chosen level.',
    spec: accuracyCurvesSpec({
      title: 'Accuracy vs pruning level', points, order: 'ascending',
      x: { field: 'x', type: 'quantitative', title: 'pruned weights (%)', scale: { zero: false } },
      chosenId: r.chosen.pruning?.trial ?? null, baselinePct: base === null ? null : pct(base.valAccuracy),
    }),
  };
}
