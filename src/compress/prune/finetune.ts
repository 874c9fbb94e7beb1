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
  /** Called after every optimizer step (gradual pruning). */
  afterStep?(): void;
  onEpochEnd?(r: EpochResult): void;
}

/** Fine-tunes in place and returns the accuracy on `test` afterwards (with 0 epochs: no training). */
export async function fineTune(model: Model, train: BatchSource, test: BatchSource, r: FineTuneRecipe, opts: FineTuneOptions = {}): Promise<{ accuracy: number; epochs: EpochResult[] }> {
  let epochs: EpochResult[] = [];
  if (r.epochs > 0) {
    const optimizer = makeOptimizer(model.params(), r);
    try {
      epochs = await fit(model, train, optimizer, {
        epochs: r.epochs, batchSize: r.batchSize, lr: r.lr, seed: r.seed ?? 0,
        ...(r.schedule ? { schedule: r.schedule } : {}),
        ...(opts.afterStep ? { afterStep: opts.afterStep } : {}),
        ...(opts.onEpochEnd ? { callbacks: { onEpochEnd: opts.onEpochEnd } } : {}),
      });
    } finally {
      optimizer.dispose();
    }
  }
  return { accuracy: evaluate(model, test).accuracy, epochs };
}
