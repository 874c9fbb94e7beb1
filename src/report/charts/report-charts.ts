/** The report's charts in page order; a chart with nothing to plot yet (a study in progress) is left out. */
import type { StudyResults } from '../results.js';
import { accuracyVsBitsChart } from './accuracy-vs-bits.js';
import { accuracyVsLatencyChart } from './accuracy-vs-latency.js';
import { accuracyVsSizeChart } from './accuracy-vs-size.js';
import { accuracyVsSparsityChart } from './accuracy-vs-sparsity.js';
import type { Chart } from './chart.js';
import { layerSparsityChart } from './layer-sparsity.js';
import { weightHistogramsChart } from './weight-histograms.js';

export function reportCharts(r: StudyResults): Chart[] {
  return [
    accuracyVsSparsityChart(r), accuracyVsBitsChart(r), accuracyVsSizeChart(r),
    accuracyVsLatencyChart(r), layerSparsityChart(r), weightHistogramsChart(r),
  ].filter((c): c is Chart => c !== null);
}
