/** Validation accuracy of every trial against its .pqm size on disk, with the Pareto front. */
import { paretoFront } from '../pareto-front.js';
import type { StudyResults } from '../results.js';
import { CONFIG, HEIGHT, STAGE_SCALE, WIDTH, pct, type Chart, type PositionX, type PositionY } from './chart.js';

export function accuracyVsSizeChart(r: StudyResults): Chart | null {
  if (r.trials.length === 0) return null;
  const point = (t: StudyResults['trials'][number]) =>
    ({ id: t.id, kib: t.pqmBytes / 1024, accuracy: pct(t.valAccuracy), stage: t.stage, mode: t.mode });
  const values = r.trials.map(point);
  const front = paretoFront(r.trials, 'pqmBytes', 'valAccuracy').map(point);
  const x: PositionX = { field: 'kib', type: 'quantitative', title: 'size on disk, .pqm (KiB, log scale)', scale: { type: 'log' } };
  const y: PositionY = { field: 'accuracy', type: 'quantitative', title: 'validation accuracy (%)', scale: { zero: false } };
  return {
    id: 'accuracy-vs-size',
    caption: 'Every trial, by the size of its .pqm file on disk. The black line joins the Pareto front: no other trial is both ' +
      'smaller and more accurate. The dashed line is the size of the dense float32 weights.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      title: { text: 'Accuracy vs size on disk', subtitle: `validation split; black line: Pareto front (${front.length} trials)` },
      width: WIDTH, height: HEIGHT,
      layer: [
        {
          data: { values: [{ kib: r.fp32Bytes / 1024, label: 'float32 weights' }] },
          layer: [
            { mark: { type: 'rule', strokeDash: [5, 4], color: '#555555' }, encoding: { x: { field: 'kib', type: 'quantitative' } } },
            { mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dx: -4, dy: -3, fontSize: 10, color: '#555555' },
              encoding: { x: { field: 'kib', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
          ],
        },
        {
          data: { values: front },
          mark: { type: 'line', interpolate: 'step-after', color: '#000000', strokeWidth: 1.5 },
          encoding: { x, y, order: { field: 'kib' } },
        },
        {
          data: { values },
          mark: { type: 'point', filled: true, size: 50, opacity: 0.85 },
          encoding: {
            x, y,
            color: { field: 'stage', type: 'nominal', title: 'stage', scale: STAGE_SCALE },
            shape: { field: 'mode', type: 'nominal', title: 'mode', scale: { domain: ['train', 'post', 'aware', 'refine'] } },
          },
        },
        {
          data: { values: front },
          mark: { type: 'point', shape: 'circle', size: 150, filled: false, color: '#000000', strokeWidth: 1.5 },
          encoding: { x, y },
        },
      ],
    },
  };
}
