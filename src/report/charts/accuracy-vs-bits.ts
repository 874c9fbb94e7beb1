/** Validation accuracy against the weight bit width, one line per mode, the baseline as a rule. */
import { baselineTrial } from '../lookup.js';
import type { StudyResults } from '../results.js';
import { accuracyCurvesSpec } from './accuracy-curves.js';
import { pct, type Chart } from './chart.js';

export function accuracyVsBitsChart(r: StudyResults): Chart | null {
  const points = r.trials.filter((t) => t.stage === 'quantize' && t.bits !== null)
    .map((t) => ({ id: t.id, x: t.bits!, accuracy: pct(t.valAccuracy), mode: t.mode }));
  if (points.length === 0) return null;
  const base = baselineTrial(r);
  const ticks = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  return {
    id: 'accuracy-vs-bits',
    caption: 'Each bit width evaluated three ways: post-training quantization, quantization-aware training with the original recipe, ' +
      'refine-tuned at lr / 10. The dashed line is the float32 baseline; the ring marks the chosen width.',
    spec: accuracyCurvesSpec({
      title: 'Accuracy vs weight bits', points, order: 'descending',
      // Fewer bits to the right, so more compression reads rightwards as in the pruning chart.
      x: { field: 'x', type: 'quantitative', title: 'weight bits (per weight)', scale: { zero: false, reverse: true, nice: false }, axis: { values: ticks, format: 'd' } },
      chosenId: r.chosen.bits?.trial ?? null, baselinePct: base === null ? null : pct(base.valAccuracy),
    }),
  };
}
