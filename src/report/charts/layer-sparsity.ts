/** Per-layer sparsity of the chosen models, grouped bars per layer. */
import type { StudyResults } from '../results.js';
import { CONFIG, HEIGHT, WIDTH, pct, type Chart } from './chart.js';

export function layerSparsityChart(r: StudyResults): Chart | null {
  // A model with no pruned layer (the baseline, a quantized-only model) would only add empty bars.
  const models = r.models.filter((m) => m.layers.some((l) => l.sparsity > 0));
  if (models.length === 0) return null;
  const layers: string[] = [];
  for (const m of models) for (const l of m.layers) if (!layers.includes(l.name)) layers.push(l.name);
  const values = models.flatMap((m) => m.layers.map((l) => ({
    model: m.label, layer: l.name, sparsity: pct(l.sparsity), bits: l.bits === null ? 'fp32' : `${l.bits}-bit`,
  })));
  return {
    id: 'layer-sparsity',
    caption: 'The fraction of each layer\'s weights that are zero in each chosen model: pruned, or rounded to zero by quantization. ' +
      'A global threshold prunes the large fully connected layers hardest.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      title: { text: 'Per-layer sparsity of the chosen models', subtitle: 'zero weights per layer' },
      width: WIDTH, height: HEIGHT,
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'layer', type: 'nominal', title: 'layer', sort: layers, axis: { labelAngle: 0 } },
        xOffset: { field: 'model', type: 'nominal', sort: models.map((m) => m.label) },
        y: { field: 'sparsity', type: 'quantitative', title: 'zero weights (%)', scale: { domain: [0, 100] } },
        color: { field: 'model', type: 'nominal', title: 'model', sort: models.map((m) => m.label) },
      },
    },
  };
}
