/**
 * The steps a trial is made of, as library functions: train with a recipe (masks kept, with or
 * without fake quantization), and turn a float model into its deployed form (PTQ of its weights,
 * survivors that round to zero joining the mask). All training goes through compress's
 * trainMasked, the one loop that `prunequant prune` and `quantize` use too.
 */
import {
  QatSession, maskZeroCodes, postTrainingQuantize, trainMasked, type QuantizedModel,
} from '../compress/index.js';
import { type BatchSource, type EpochResult, type Model } from '../nn/index.js';
import type { QuantSpecConfig, TrainSpec } from './trial-spec.js';

export interface TrainStepOptions {
  seed: number;
  /** Fake-quantize weights while training (QAT); null: float training. */
  quant?: QuantSpecConfig | null;
  onEpochEnd?(r: EpochResult): void;
  onBatchEnd?(info: { epoch: number; step: number; steps: number; loss: number }): void;
}

/**
 * Trains `model` in place with a fresh optimizer (no momentum leaks from one trial into the next).
 * Pruning masks stay fixed: the optimizers hold masked weights at 0. With `quant`, weights are
 * fake-quantized in the forward pass (straight-through gradient) and the model keeps its float
 * "shadow" weights afterwards; `deployForm` turns them into integers.
 * @example await trainWithRecipe(model, train, trainSpec(config.recipe), { seed: 0 });
 */
export async function trainWithRecipe(model: Model, train: BatchSource, recipe: TrainSpec, opts: TrainStepOptions): Promise<EpochResult[]> {
  if (recipe.epochs === 0) return [];
  const quant = opts.quant ?? null;
  const qat = quant ? new QatSession(model, {
    bits: quant.bits, symmetric: quant.symmetric, granularity: quant.granularity, roundSurvivorsToZero: quant.roundSurvivorsToZero,
    // As `prunequant quantize --qat`: BatchNorm statistics freeze for the last epoch.
    freezeEpoch: Math.max(recipe.epochs - 1, 1),
  }) : null;
  try {
    const { epochs, lr, batchSize, optimizer, momentum, nesterov, weightDecay } = recipe;
    return await trainMasked(model, train, {
      epochs, lr, batchSize, optimizer, momentum, nesterov, weightDecay, seed: opts.seed,
      schedule: { kind: recipe.schedule, warmupEpochs: recipe.warmupEpochs, stepEpochs: recipe.stepEpochs },
    }, {
      labelSmoothing: recipe.labelSmoothing,
      ...(qat ? { extraParams: qat.trainableParams(), afterStep: () => qat.afterStep() } : {}),
      onEpochEnd: (r) => {
        qat?.onEpochEnd(r.epoch);
        opts.onEpochEnd?.(r);
      },
      ...(opts.onBatchEnd ? { onBatchEnd: opts.onBatchEnd } : {}),
    });
  } finally {
    qat?.dispose(); // back to float: the trained shadow weights are what a child trial continues from
  }
}

export interface DeployForm {
  /** The model to evaluate and export: `model` itself (float) or a new, quantized copy. */
  model: Model;
  quantized: QuantizedModel | null;
  /** Survivors whose code rounded to zero and joined the mask. */
  roundedToZero: number;
}

/**
 * The model as it is deployed: float as it is, or its weights quantized (min-max ranges from the
 * current weights, as the QAT forward pass used). Dispose `result.model` when it is not `model`.
 * @example const d = deployForm(model, { bits: 4, granularity: 'channel', symmetric: true, roundSurvivorsToZero: true });
 */
export function deployForm(model: Model, quant: QuantSpecConfig | null): DeployForm {
  if (quant === null) return { model, quantized: null, roundedToZero: 0 };
  const q = postTrainingQuantize(model, {
    weights: { bits: quant.bits, symmetric: quant.symmetric, granularity: quant.granularity, roundSurvivorsToZero: quant.roundSurvivorsToZero },
  });
  const roundedToZero = quant.roundSurvivorsToZero ? maskZeroCodes(q.model, q.weights) : 0;
  return { model: q.model, quantized: q, roundedToZero };
}

/** Non-zero weights (role 'weight') of a model: what a sparse format has to store. */
export function nonzeroWeights(model: Model): number {
  let n = 0;
  for (const [, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    for (const v of p.value.view()) if (v !== 0) n++;
  }
  return n;
}
