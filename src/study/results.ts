/**
 * The study's output, `results.json`: the contract with src/report, which owns the format (and
 * validates it) and builds the report from it. Accuracies are fractions in [0, 1]; sparsity a
 * fraction in [0, 1); sizes bytes on disk; latencies milliseconds.
 */
export type { StudyResults, Trial, Choice, ChosenModel, TrialStage, TrialMode } from '../report/index.js';
