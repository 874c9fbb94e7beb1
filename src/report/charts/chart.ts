/** A chart of the report: a Vega-Lite spec, rendered to SVG when the report is written. */
import type { TopLevelSpec } from 'vega-lite';

/** One layer of a layered spec. */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

type Encoding = NonNullable<Extract<Layer, { mark: unknown }>['encoding']>;
/** What an x or y channel accepts. */
export type PositionX = NonNullable<Encoding['x']>;
export type PositionY = NonNullable<Encoding['y']>;

export interface Chart {
  /** Stable name, used as the figure's id in report.html and to prefix the SVG's ids. */
  id: string;
  /** One sentence under the chart saying how to read it. */
  caption: string;
  spec: TopLevelSpec;
}

export const WIDTH = 440;
export const HEIGHT = 260;

/** One colour per mode in every chart, so post / aware / refine read the same everywhere. */
export const MODE_SCALE = {
  domain: ['post', 'aware', 'refine'],
  range: ['#e45756', '#4c78a8', '#54a24b'],
};
export const STAGE_SCALE = {
  domain: ['baseline', 'prune', 'quantize', 'combined'],
  range: ['#555555', '#4c78a8', '#f58518', '#b279a2'],
};

/** Look shared by every chart; fonts a browser and the Node renderer's text estimates agree on. */
export const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 14, anchor: 'start' as const, subtitleColor: '#555555' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  view: { stroke: '#cccccc' },
};

/** Accuracy in percent with two decimals: what every accuracy axis plots. */
export function pct(fraction: number): number {
  return Math.round(fraction * 1e6) / 1e4;
}
