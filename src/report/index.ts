/**
 * The study's report: the results format (the contract src/study fills), its validation, the
 * Pareto front, and the writers of report.html (charts rendered to inline SVG), report.md and
 * results.csv.
 */
export {
  RESULTS_VERSION, TRIAL_MODES, TRIAL_STAGES,
  type StudyResults, type Trial, type TrialStage, type TrialMode, type Choice, type ChosenModel,
  type LatencyMeasurement, type LayerSummary, type WeightHistogram, type ModelExport, EXPORT_FORMATS,
} from './results.js';
export { ResultsError } from './errors.js';
export { validateResults } from './validate-results.js';
export { readResults } from './read-results.js';
export { paretoFront, type Coordinate } from './pareto-front.js';
export { weightHistogram } from './weight-histogram.js';
export { toCsv, parseCsv, type CsvField } from './csv.js';
export { RESULTS_CSV_HEADER } from './results-csv.js';
export { testCells, type TestCell } from './cell-table.js';
export { markdownTable } from './report-markdown.js';
export { compareWithReference, type ReferenceRow, type ReferenceMode, type ReferenceComparison } from './reference-table.js';
// The chart specs and their renderer stay inside the folder: their types come from vega-lite,
// an optional peer that an app installing prunequant may not have.
export { CHART_IDS } from './charts/chart-ids.js';
export { writeReport, rebuildReport, REPORT_FILES, type WriteReportOptions, type WrittenReport } from './write-report.js';
