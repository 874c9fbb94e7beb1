/**
 * Fine-tuning with masks in place, from a training recipe (the paper fine-tunes with the
 * model's own lr and epochs). A fresh optimizer is made for each fine-tune, so no momentum
 * or Adam moments leak from one trial into the next.
 */
import { Adam, Sgd, evaluate, fit, type BatchSource, type EpochResult, type Model, type Optimizer, type Param, type ScheduleConfig } from '../../nn/index.js';

export interface FineTuneRecipe {
  epochs: number;
  lr: number;
  batchSize: number;
  /** 'sgd' (default), 'adam' or 'adamw'. */
  optimizer?: string;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  schedule?: ScheduleConfig;
  seed?: number;
}

export function makeOptimizer(params: readonly Param[], r: FineTuneRecipe): Optimizer {
  const kind = r.optimizer ?? 'sgd';
  if (kind === 'sgd') return new Sgd(params, { momentum: r.momentum ?? 0, nesterov: r.nesterov ?? false, weightDecay: r.weightDecay ?? 0 });
  if (kind === 'adam' || kind === 'adamw') return new Adam(params, { weightDecay: r.weightDecay ?? 0, decoupled: kind === 'adamw' });
  throw new RangeError(`fine-tune: unknown optimizer '${kind}'; known: sgd, adam, adamw`);
}

export interface FineTuneOptions {
  /** Called after every optimizer step (gradual pruning, QAT observers). */
  afterStep?(): void;
  onEpochEnd?(r: EpochResult): void;
  onBatchEnd?(info: { epoch: number; step: number; steps: number; loss: number }): void;
  /** Trained with the model's params, by the same optimizer (QAT's learned scales). */
  extraParams?: readonly Param[];
  labelSmoothing?: number;
  /** Evaluated after every epoch (into EpochResult.test); decisions must not be taken on it. */
  test?: BatchSource;
}

/**
 * The one training loop every fine-tune goes through (prune, QAT, the study's trials): a fresh
 * optimizer from the recipe, `fit`, the optimizer released. Masked weights stay 0 because the
 * optimizers hold them there. With 0 epochs nothing is trained.
 * @example const epochs = await trainMasked(model, train, { epochs: 1, lr: 0.01, batchSize: 64 });
 */
export async function trainMasked(model: Model, train: BatchSource, r: FineTuneRecipe, opts: FineTuneOptions = {}): Promise<EpochResult[]> {
  if (r.epochs === 0) return [];
  const optimizer = makeOptimizer([...model.params(), ...(opts.extraParams ?? [])], r);
  try {
    return await fit(model, train, optimizer, {
      epochs: r.epochs, batchSize: r.batchSize, lr: r.lr, seed: r.seed ?? 0,
      ...(r.schedule ? { schedule: r.schedule } : {}),
      ...(opts.labelSmoothing !== undefined ? { labelSmoothing: opts.labelSmoothing } : {}),
      ...(opts.test ? { test: opts.test } : {}),
      ...(opts.afterStep ? { afterStep: opts.afterStep } : {}),
      callbacks: {
        ...(opts.onEpochEnd ? { onEpochEnd: opts.onEpochEnd } : {}),
        ...(opts.onBatchEnd ? { onBatchEnd: opts.onBatchEnd } : {}),
      },
    });
  } finally {
    optimizer.dispose();
  }
}

/** Fine-tunes in place and returns the accuracy on `val` afterwards (with 0 epochs: no training). */
export async function fineTune(model: Model, train: BatchSource, val: BatchSource, r: FineTuneRecipe, opts: FineTuneOptions = {}): Promise<{ accuracy: number; epochs: EpochResult[] }> {
  const epochs = await trainMasked(model, train, r, opts);
  return { accuracy: evaluate(model, val).accuracy, epochs };
}
