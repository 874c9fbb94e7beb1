/**
 * The study: the paper's protocol as one call (stages, durable trials, the selection rule, the
 * validation split, the job queue), and its config. `prunequant run` parses and prints; this does
 * the work.
 */
export { defaultStudyConfig, PRESETS } from './config.js';
export type {
  StudyConfig, RecipeConfig, ModelConfig, DataConfig, PruningConfig, AdaptiveConfig, QuantizationConfig, SelectionConfig,
  RefineConfig, CombineConfig, MeasureConfig, OptimizerKind, ScheduleKind, TrialModeName,
} from './config.js';
export { validateStudyConfig, deepMerge, MAX_WORKERS } from './validate-config.js';
export { planStarts, resolveWorkers } from './schedule.js';
export type { WaitingJob, PoolState, Start } from './schedule.js';
export { loadStudyConfig, parseStudyYaml } from './load-config.js';
export { StudyConfigError, TrialError } from './errors.js';
export { carveValidation } from './split.js';
export type { CarvedSplit } from './split.js';
export { loadStudyData, studySources } from './study-data.js';
export type { StudyData } from './study-data.js';
export { makeJob, trainSpec } from './trial-spec.js';
export type { TrialSpec, TrialJob, TrialResult, TrainSpec, PruneSpec, QuantSpecConfig, BaseSpec } from './trial-spec.js';
export { runTrial, trialDir } from './run-trial.js';
export type { TrialContext } from './run-trial.js';
export { nonzeroWeights } from './train-step.js';
export type { TrainStepOptions, DeployForm } from './train-step.js';
export type { JobQueue, QueueContext } from './queue.js';
export { chooseBest, passingLevels, withinTolerance } from './select.js';
export type { SelectionRule } from './select.js';
export type { MeasureOptions } from './measure.js';
export { checkRunDir, openRunDir, readStoredStudy, defaultCacheDir } from './run-dir.js';
export type { StoredStudy } from './run-dir.js';
export { runStudy } from './study.js';
export { baseModelSha256 } from './base-model.js';
export type { StudyOptions } from './study.js';
export { formatEvent, progressLine } from './events.js';
export type { StudyEvent } from './events.js';
export type { StudyResults, Trial, Choice, ChosenModel, TrialStage, TrialMode } from './results.js';
export { decisionSplits, defaultValidationCount, MAX_DEFAULT_VALIDATION } from './holdout.js';
export type { DecisionSplits, HoldoutOptions } from './holdout.js';
export { pruneCheckpoint } from './prune-checkpoint.js';
export type { PruneCheckpointJob, PruneMethod } from './prune-checkpoint.js';
export { analyzeSensitivity } from './analyze-sensitivity.js';
export type { SensitivityJob, SensitivityOutcome, AllocationOutcome } from './analyze-sensitivity.js';
export { quantizeCheckpoint } from './quantize-checkpoint.js';
export type { QuantizeCheckpointJob, QatOptions } from './quantize-checkpoint.js';
