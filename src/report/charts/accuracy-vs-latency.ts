/** Test accuracy of the chosen models against their measured batch-1 latency, with the Pareto front. */
import { ms } from '../format.js';
import { paretoFront } from '../pareto-front.js';
import type { StudyResults } from '../results.js';
import { CONFIG, HEIGHT, WIDTH, pct, type Chart, type PositionX, type PositionY } from './chart.js';

export function accuracyVsLatencyChart(r: StudyResults): Chart | null {
  if (r.models.length === 0) return null;
  const point = (m: StudyResults['models'][number]) => ({
    label: m.label, p50: m.latency.batch1P50Ms, p95: m.latency.batch1P95Ms, accuracy: pct(m.testAccuracy),
    text: `${m.label} (${ms(m.latency.batch1P50Ms)} ms)`,
  });
  const values = r.models.map(point);
  const front = paretoFront(r.models, (m) => m.latency.batch1P50Ms, 'testAccuracy').map(point);
  const threads = [...new Set(r.models.map((m) => m.latency.threads))].join('/');
  const x: PositionX = { field: 'p50', type: 'quantitative', title: 'batch-1 latency (ms): p50 dot, p95 whisker', scale: { zero: true } };
  const y: PositionY = { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false, padding: 12 } };
  return {
    id: 'accuracy-vs-latency',
    caption: 'The chosen models as the runtime ran them, one image at a time: the dot is the median latency, the whisker reaches the ' +
      '95th percentile. The black line joins the Pareto front: no other model is both faster and more accurate.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      config: CONFIG,
      title: { text: 'Accuracy vs measured latency', subtitle: `test split, chosen models, ${threads} thread(s); black line: Pareto front` },
      width: WIDTH, height: HEIGHT,
      layer: [
        {
          data: { values: front },
          mark: { type: 'line', interpolate: 'step-after', color: '#000000', strokeWidth: 1.5 },
          encoding: { x, y, order: { field: 'p50' } },
        },
        {
          data: { values },
          layer: [
            { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, x2: { field: 'p95' }, y, color: { field: 'label', type: 'nominal', title: 'model', legend: null } } },
            { mark: { type: 'point', filled: true, size: 80 }, encoding: { x, y, color: { field: 'label', type: 'nominal', title: 'model' } } },
            { mark: { type: 'text', align: 'left', dx: 8, dy: -8, fontSize: 10 }, encoding: { x, y, text: { field: 'text' } } },
          ],
        },
        {
          data: { values: front },
          mark: { type: 'point', shape: 'circle', size: 190, filled: false, color: '#000000', strokeWidth: 1.5 },
          encoding: { x, y },
        },
      ],
    },
  };
}
