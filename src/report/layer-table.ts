/** Per-layer sparsity and bits of each chosen model: one row per layer, two columns per model. */
import { bitsLabel, count, percent } from './format.js';
import type { StudyResults } from './results.js';
import type { Table } from './table.js';

export function layerTable(r: StudyResults): Table {
  // Layers in the order the first model that has them lists them; a model without a layer shows '–'.
  const names: string[] = [];
  const sizes = new Map<string, number>();
  for (const m of r.models) {
    for (const l of m.layers) {
      if (!sizes.has(l.name)) { names.push(l.name); sizes.set(l.name, l.size); }
    }
  }
  const byModel = r.models.map((m) => new Map(m.layers.map((l) => [l.name, l])));
  return {
    header: ['layer', 'weights', ...r.models.flatMap((m) => [`${m.label}: pruned`, `${m.label}: bits`])],
    align: ['left', 'right', ...r.models.flatMap(() => ['right', 'right'] as const)],
    rows: names.map((name) => [
      name, count(sizes.get(name)!),
      ...byModel.flatMap((layers) => {
        const l = layers.get(name);
        return l === undefined ? ['–', '–'] : [percent(l.sparsity, 1), bitsLabel(l.bits)];
      }),
    ]),
  };
}
