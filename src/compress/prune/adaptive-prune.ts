/**
 * The controller wired to a model: each trial restores the last accepted state (weights,
 * masks and BN statistics), prunes it to the trial's level, measures accuracy on `val`,
 * fine-tunes with the recipe (same seed every trial) and measures again. Every accept or
 * back-off is decided on `val`, which should be held out of the training data (DESIGN.md). At the end the model holds
 * the best accepted state, or its starting state when no level passed.
 */
import { evaluate, type BatchSource, type Model } from '../../nn/index.js';
import { searchThreshold, type AdaptiveResult, type ControllerOptions, type TrialRecord } from './adaptive-controller.js';
import { fineTune, type FineTuneRecipe } from './finetune.js';
import { maskStats, pruneModel, type PruneResult, type PruneScope } from './prune-model.js';
import { prunableLayers, type SelectOptions } from './select.js';
import { captureState, restoreState } from './state.js';

export interface AdaptivePruneOptions extends SelectOptions, Omit<ControllerOptions, 'baseline'> {
  scope?: PruneScope;
  train: BatchSource;
  /** The split every decision is measured on: a validation split, not the test split. */
  val: BatchSource;
  recipe: FineTuneRecipe;
  /** Accuracy of the model as given on `val`; measured when absent. */
  baseline?: number;
  onTrial?(rec: TrialRecord): void;
}

export interface AdaptivePruneResult extends AdaptiveResult {
  /** Masks of the state the model is left in (the best level). */
  final: ReturnType<typeof maskStats>;
  /** The prune pass of the best level, or null when no level passed. */
  prune: PruneResult | null;
}

/** @example const r = await adaptivePrune(model, { train, val, recipe, tolerance: 0.5, start: 50, step: 10, minStep: 1 }); */
export async function adaptivePrune(model: Model, o: AdaptivePruneOptions): Promise<AdaptivePruneResult> {
  const select: SelectOptions = { ...(o.exclude ? { exclude: o.exclude } : {}), ...(o.minSize !== undefined ? { minSize: o.minSize } : {}) };
  prunableLayers(model, select); // fail on bad patterns before any fine-tuning is spent
  const baseline = o.baseline ?? evaluate(model, o.val).accuracy;
  let good = captureState(model);
  let goodPrune: PruneResult | null = null, lastPrune: PruneResult | null = null;
  const result = await searchThreshold(
    { baseline, tolerance: o.tolerance, start: o.start, step: o.step, minStep: o.minStep, ...(o.maxTrials !== undefined ? { maxTrials: o.maxTrials } : {}) },
    async (level) => {
      restoreState(model, good);
      lastPrune = pruneModel(model, { ...select, sparsity: level / 100, scope: o.scope ?? 'global' });
      const postPruneAccuracy = evaluate(model, o.val).accuracy;
      const { accuracy } = await fineTune(model, o.train, o.val, o.recipe);
      return { postPruneAccuracy, fineTunedAccuracy: accuracy, sparsity: lastPrune.sparsity };
    },
    {
      onAccept: () => {
        good = captureState(model);
        goodPrune = lastPrune;
      },
      ...(o.onTrial ? { onTrial: o.onTrial } : {}),
    },
  );
  restoreState(model, good);
  return { ...result, final: maskStats(model), prune: goodPrune };
}
