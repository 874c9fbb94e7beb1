/**
 * The report's charts in page order, by id. Kept apart from the chart specs so the package's
 * public types never reach vega-lite's, an optional peer.
 */
export const CHART_IDS = ['accuracy-vs-sparsity', 'accuracy-vs-bits', 'accuracy-vs-size', 'accuracy-vs-latency', 'layer-sparsity', 'weight-histograms'] as const;
