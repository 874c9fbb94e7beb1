/** Layers several charts share: the baseline's accuracy as a rule, a ring around the chosen point. */
import type { Layer, PositionX, PositionY } from './chart.js';

/** A dashed horizontal line at the baseline's accuracy (in %), labelled; nothing when unknown. */
export function baselineRule(accuracyPct: number | null): Layer[] {
  if (accuracyPct === null) return [];
  return [{
    data: { values: [{ accuracy: accuracyPct, label: `baseline ${accuracyPct.toFixed(2)}%` }] },
    layer: [
      { mark: { type: 'rule', strokeDash: [5, 4], color: '#555555' }, encoding: { y: { field: 'accuracy', type: 'quantitative' } } },
      {
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, color: '#555555', fontSize: 10 },
        encoding: { y: { field: 'accuracy', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
      },
    ],
  }];
}

/** A black ring and a 'chosen' label around each of `points`, plotted with the same x and y. */
export function choiceRing(points: object[], x: PositionX, y: PositionY): Layer[] {
  if (points.length === 0) return [];
  return [{
    data: { values: points.map((p) => ({ ...p, note: 'chosen' })) },
    layer: [
      { mark: { type: 'point', shape: 'circle', size: 260, strokeWidth: 2, color: '#000000', filled: false }, encoding: { x, y } },
      { mark: { type: 'text', dy: -16, fontSize: 10, fontWeight: 'bold' }, encoding: { x, y, text: { field: 'note' } } },
    ],
  }];
}
