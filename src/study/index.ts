/**
 * The study: the paper's protocol as one call (stages, durable trials, the selection rule, the
 * validation split, the job queue), and its config. `prunequant run` parses and prints; this does
 * the work.
 */
export { defaultStudyConfig, DEFAULT_RECIPE, PRESETS } from './config.js';
export type {
  StudyConfig, RecipeConfig, ModelConfig, DataConfig, PruningConfig, AdaptiveConfig, QuantizationConfig, SelectionConfig,
  RefineConfig, CombineConfig, MeasureConfig, OptimizerKind, ScheduleKind, TrialModeName,
} from './config.js';
export { validateStudyConfig, deepMerge } from './validate-config.js';
export { loadStudyConfig, parseStudyYaml } from './load-config.js';
export { StudyConfigError, TrialError } from './errors.js';
export { carveValidation } from './split.js';
export type { CarvedSplit } from './split.js';
export { loadStudyData, studySources } from './study-data.js';
export type { StudyData } from './study-data.js';
export { canonicalJson, hashOf } from './hash.js';
export { makeJob, trainSpec, describeTrial } from './trial-spec.js';
export type { TrialSpec, TrialJob, TrialResult, TrainSpec, PruneSpec, QuantSpecConfig, BaseSpec } from './trial-spec.js';
export { runTrial, readTrialResult, trialDir } from './run-trial.js';
export type { TrialContext } from './run-trial.js';
export { trainWithRecipe, deployForm, nonzeroWeights } from './train-step.js';
export type { TrainStepOptions, DeployForm } from './train-step.js';
export { InProcessQueue } from './queue.js';
export type { JobQueue, QueueContext } from './queue.js';
export { WorkerProcessQueue } from './worker-queue.js';
export { chooseBest, passingLevels, withinTolerance } from './select.js';
export type { SelectionRule } from './select.js';
export { measureModel, measureLatency, weightHistogram, layerSummary, sessionAccuracy } from './measure.js';
export type { MeasureOptions } from './measure.js';
export { checkRunDir, openRunDir, readStoredStudy, configHash, defaultCacheDir, STUDY_FILE } from './run-dir.js';
export type { StoredStudy } from './run-dir.js';
export { runStudy, sortTrials } from './study.js';
export { baseModelSha256, baseModelDefaults, checkBaseModel, loadBaseModel } from './base-model.js';
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
export { quantizeCheckpoint, weightZeroFraction } from './quantize-checkpoint.js';
export type { QuantizeCheckpointJob, QatOptions } from './quantize-checkpoint.js';
