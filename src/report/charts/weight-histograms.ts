/**
 * Weight histograms of each chosen model against the baseline's, one panel per model. The
 * counts use a symlog scale: pruning piles most weights into the bin at zero, and a linear scale
 * would flatten every other bin.
 */
import { baselineTrial } from '../lookup.js';
import type { StudyResults } from '../results.js';
import { CONFIG, WIDTH, type Chart } from './chart.js';

export function weightHistogramsChart(r: StudyResults): Chart | null {
  const base = baselineTrial(r);
  // The baseline's own panel would show one histogram twice; keep it only when it is all there is.
  const others = r.models.filter((m) => m.trial !== base?.id);
  const models = (others.length > 0 ? others : r.models).filter((m) => m.histogram.edges.length > 1);
  if (models.length === 0) return null;
  const BEFORE = 'before (baseline)', AFTER = 'after (this model)';
  const values = models.flatMap((m) => m.histogram.edges.slice(0, -1).flatMap((lo, i) => {
    const hi = m.histogram.edges[i + 1]!;
    return [
      { model: m.label, lo, hi, count: m.histogram.before[i]!, which: BEFORE },
      { model: m.label, lo, hi, count: m.histogram.after[i]!, which: AFTER },
    ];
  }));
  // A symlog axis left to itself ticks only 0 and the top; powers of ten read as a log scale.
  const top = Math.max(1, ...values.map((v) => v.count));
  const ticks = [0, ...Array.from({ length: Math.floor(Math.log10(top)) + 1 }, (_, i) => 10 ** i)];
  return {
    id: 'weight-histograms',
    caption: 'How the weights are spread before (the baseline) and after compression: pruning empties the bins around zero into the ' +
      'zero bin; quantization gathers the survivors onto a few levels.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      title: { text: 'Weight histograms before and after', subtitle: 'each chosen model against the baseline' },
      data: { values },
      facet: { row: { field: 'model', type: 'nominal', title: null, sort: models.map((m) => m.label), header: { labelOrient: 'top', labelAngle: 0, labelAnchor: 'start', labelFontSize: 11, labelFontWeight: 'bold' } } },
      spec: {
        width: WIDTH - 60, height: 110,
        mark: { type: 'rect', opacity: 0.55 },
        encoding: {
          x: { field: 'lo', type: 'quantitative', title: 'weight value' },
          x2: { field: 'hi' },
          y: { field: 'count', type: 'quantitative', title: 'count (symlog)', scale: { type: 'symlog' }, axis: { values: ticks, format: ',d' }, stack: null },
          color: { field: 'which', type: 'nominal', title: 'weights', scale: { domain: [BEFORE, AFTER], range: ['#9e9e9e', '#e45756'] } },
        },
      },
    },
  };
}
