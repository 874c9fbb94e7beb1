/**
 * Percentile (magnitude) pruning: exact percentile semantics, layer selection, one-shot
 * pruning per layer or global, masks that the optimizers honour, gradual pruning on the
 * Zhu & Gupta cubic schedule, per-layer sensitivity curves with a guided allocation, and
 * the adaptive threshold controller.
 */
export { checkSparsity, pruneCount, percentileToSparsity, magnitudeMask, globalMagnitudeMasks, smallestK, magnitudeKeys } from './percentile.js';
export { prunableLayers, weightParams, PruneError } from './select.js';
export type { SelectOptions, PrunableLayer } from './select.js';
export { pruneModel, pruneWithAllocation, maskStats } from './prune-model.js';
export type { PruneOptions, PruneResult, PruneScope, LayerPruneStats } from './prune-model.js';
export { captureState, restoreState, restoreParams } from './state.js';
export type { ModelState } from './state.js';
export { cubicSparsity, isPruningStep, checkSchedule, GradualPruner } from './gradual.js';
export type { CubicSchedule, GradualOptions } from './gradual.js';
export { layerSensitivity, DEFAULT_SENSITIVITY_LEVELS } from './sensitivity.js';
export type { SensitivityCurve, SensitivityPoint, SensitivityResult, SensitivityOptions } from './sensitivity.js';
export { allocateSparsity, uniformAllocation, interpolateAccuracy } from './allocate.js';
export type { Allocation } from './allocate.js';
export { searchThreshold, checkControllerOptions } from './adaptive-controller.js';
export type { ControllerOptions, TrialOutcome, TrialRecord, AdaptiveResult } from './adaptive-controller.js';
export { adaptivePrune } from './adaptive-prune.js';
export type { AdaptivePruneOptions, AdaptivePruneResult } from './adaptive-prune.js';
export { fineTune, makeOptimizer, trainMasked } from './finetune.js';
export type { FineTuneRecipe, FineTuneOptions } from './finetune.js';
