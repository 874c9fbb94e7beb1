/**
 * `prunequant sensitivity` as a library call: each layer pruned alone at each level, measured on
 * a validation split carved from the training data, and (with a target) the sensitivity-guided
 * per-layer levels next to uniform pruning. The curves and the allocation are decisions, so they
 * see validation images only; the test split reports how the two allocations do.
 */
import {
  allocateSparsity, captureState, layerSensitivity, pruneWithAllocation, restoreState, uniformAllocation,
  type SelectOptions, type SensitivityCurve,
} from '../compress/index.js';
import type { Dataset } from '../data/index.js';
import { evaluate, type BatchSource, type Model } from '../nn/index.js';
import { decisionSplits } from './holdout.js';

export interface SensitivityJob {
  model: Model;
  train: Dataset;
  test: Dataset;
  normalization: { mean: number | readonly number[]; std: number | readonly number[] };
  /** Sparsities in [0, 1). */
  levels: readonly number[];
  /** Also allocate per-layer levels for this global sparsity. */
  target?: number;
  select: SelectOptions;
  /** Validation images (undefined: the default; 0: decide on the test split). */
  validation?: number;
  seed: number;
}

export interface AllocationOutcome {
  perLayer: Record<string, number>;
  sparsity: number;
  /** What the curves predict the allocation costs (a fraction). */
  predictedDrop: number;
  /** On the split the allocation was decided on. */
  valAccuracy: number;
  testAccuracy: number;
}

export interface SensitivityOutcome {
  decidedOn: 'validation' | 'test';
  valCount: number;
  /** Accuracy of the unpruned model on the deciding split. */
  baseline: number;
  curves: SensitivityCurve[];
  allocation?: { target: number; guided: AllocationOutcome; uniform: AllocationOutcome };
}

/**
 * Measures every layer's curve on the validation split and, with a target, the guided and the
 * uniform allocation. The model is left as it was given.
 * @example const r = analyzeSensitivity({ model, train, test, normalization, levels: [0.5, 0.9], select: {}, seed: 0 });
 */
export function analyzeSensitivity(job: SensitivityJob): SensitivityOutcome {
  const { model } = job;
  const splits = decisionSplits(job.train, job.test, { count: job.validation, seed: job.seed, normalization: job.normalization });
  const r = layerSensitivity(model, splits.decide, { ...job.select, levels: job.levels });
  const out: SensitivityOutcome = { decidedOn: splits.decidedOn, valCount: splits.valCount, baseline: r.baseline, curves: r.curves };
  if (job.target === undefined) return out;
  const guided = allocateSparsity(r.curves, job.target), uniform = uniformAllocation(r.curves, job.target);
  const saved = captureState(model);
  const measure = (perLayer: Record<string, number>, decide: BatchSource) => {
    restoreState(model, saved);
    const p = pruneWithAllocation(model, perLayer);
    return { sparsity: p.sparsity, valAccuracy: evaluate(model, decide).accuracy, testAccuracy: evaluate(model, splits.test).accuracy };
  };
  try {
    out.allocation = {
      target: job.target,
      guided: { ...guided, ...measure(guided.perLayer, splits.decide) },
      uniform: { ...uniform, ...measure(uniform.perLayer, splits.decide) },
    };
  } finally {
    restoreState(model, saved);
  }
  return out;
}
