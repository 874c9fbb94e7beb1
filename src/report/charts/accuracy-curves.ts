/**
 * The shape the pruning and bit-width charts share: validation accuracy against one setting,
 * one line per mode, the baseline as a dashed rule and a ring on the chosen point. Post-training
 * accuracy can fall tens of points while the fine-tuned modes differ by tenths near the
 * baseline, where the choice is made; when the spread is that wide, a second panel zooms in.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, HEIGHT, MODE_SCALE, WIDTH, type Layer, type PositionX, type PositionY } from './chart.js';
import { baselineRule, choiceRing } from './marks.js';

export interface CurvePoint {
  id: string;
  /** The setting on the x axis (pruning level in %, or bits). */
  x: number;
  /** Validation accuracy in %. */
  accuracy: number;
  mode: string;
}

export interface AccuracyCurves {
  title: string;
  points: CurvePoint[];
  /** The x channel; its field must be 'x'. */
  x: PositionX;
  /** Line order along x: 'descending' when the axis is reversed. */
  order: 'ascending' | 'descending';
  chosenId: string | null;
  /** Baseline validation accuracy in %; null when unknown. */
  baselinePct: number | null;
}

/** How far below the baseline the zoomed panel reaches, in percentage points. */
const ZOOM_BELOW_PP = 2;
/** A spread of accuracies wider than this (pp) gets the zoomed panel. */
const ZOOM_WHEN_SPREAD_PP = 4;

function panel(c: AccuracyCurves, y: PositionY, clip: boolean): Layer[] {
  const chosen = c.points.filter((p) => p.id === c.chosenId);
  return [
    {
      data: { values: c.points },
      mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2, clip },
      encoding: { x: c.x, y, color: { field: 'mode', type: 'nominal', title: 'mode', scale: MODE_SCALE }, order: { field: 'x', sort: c.order } },
    },
    ...baselineRule(c.baselinePct),
    ...choiceRing(chosen, c.x, y),
  ];
}

export function accuracyCurvesSpec(c: AccuracyCurves): TopLevelSpec {
  const accs = c.points.map((p) => p.accuracy);
  const lo = Math.min(...accs), hi = Math.max(...accs, c.baselinePct ?? -Infinity);
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG } as const;
  const y: PositionY = { field: 'accuracy', type: 'quantitative', title: 'validation accuracy (%)', scale: { zero: false } };
  if (c.baselinePct === null || hi - lo <= ZOOM_WHEN_SPREAD_PP) {
    return { ...base, title: { text: c.title, subtitle: 'validation split, one line per mode' }, width: WIDTH, height: HEIGHT, layer: panel(c, y, false) };
  }
  const zoomLo = Math.floor((c.baselinePct - ZOOM_BELOW_PP) * 10) / 10;
  const zoomHi = Math.ceil((hi + 0.2) * 10) / 10;
  const yZoom: PositionY = { ...y, scale: { domain: [zoomLo, zoomHi], zero: false, nice: false } };
  return {
    ...base,
    title: { text: c.title, subtitle: `validation split, one line per mode; lower panel: within ${ZOOM_BELOW_PP} pp of the baseline` },
    vconcat: [
      { width: WIDTH, height: 100, layer: panel(c, y, false) },
      { width: WIDTH, height: HEIGHT - 40, layer: panel(c, yZoom, true) },
    ],
    resolve: { scale: { color: 'shared' } },
  };
}
