/**
 * The training loop: seeded shuffling per epoch, one memory scope per step, an optional
 * evaluation on the test split after each epoch, callbacks, and checkpoints written
 * atomically so an interrupted run keeps every finished epoch.
 */
import { Tensor, backward, createRng, scope, softmaxCrossEntropy } from '../tensor/index.js';
import type { BatchSource } from './batch-source.js';
import { argmaxRows, evaluate, type EvalResult } from './evaluate.js';
import type { Model } from './model.js';
import type { Optimizer } from './optim/optimizer.js';
import { makeSchedule, type LrSchedule, type ScheduleConfig } from './optim/schedule.js';

export interface EpochResult {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  test?: EvalResult;
  seconds: number;
  imagesPerSecond: number;
}

export interface FitCallbacks {
  onBatchEnd?(info: { epoch: number; step: number; steps: number; loss: number; lr: number }): void;
  onEpochEnd?(result: EpochResult): void | Promise<void>;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  schedule?: ScheduleConfig | LrSchedule;
  seed?: number;
  labelSmoothing?: number;
  test?: BatchSource;
  /** Epoch to start from (a resumed run). */
  startEpoch?: number;
  callbacks?: FitCallbacks;
  /** Runs after each optimizer step (for example to re-apply pruning masks or observers). */
  afterStep?(): void;
}

/**
 * Trains `model` for `opts.epochs` epochs of shuffled mini-batches (seeded), with softmax
 * cross-entropy; evaluates on `opts.test` after each epoch when given.
 * @example const epochs = await fit(model, batchSource(train), new Sgd(model.params(), { momentum: 0.9 }), { epochs: 5, batchSize: 64, lr: 0.01 });
 */
export async function fit(model: Model, train: BatchSource, optimizer: Optimizer, opts: FitOptions): Promise<EpochResult[]> {
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 0)) throw new RangeError(`fit: epochs must be an integer >= 0, got ${opts.epochs}`);
  if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) throw new RangeError(`fit: batchSize must be a positive integer, got ${opts.batchSize}`);
  if (train.count === 0) throw new Error('fit: the training set has no samples');
  const seed = opts.seed ?? 0;
  const schedule = typeof opts.schedule === 'function' ? opts.schedule : makeSchedule(opts.lr, opts.schedule);
  const stepsPerEpoch = Math.ceil(train.count / opts.batchSize);
  const params = model.params();
  const results: EpochResult[] = [];
  for (let epoch = opts.startEpoch ?? 0; epoch < opts.epochs; epoch++) {
    const started = performance.now();
    const dropoutRng = createRng(seed * 1000003 + epoch * 7919 + 1);
    let lossSum = 0, correct = 0, seen = 0, step = 0, lr = opts.lr;
    for (const batch of train.batches(opts.batchSize, seed * 1000003 + epoch)) {
      lr = schedule({ epoch, step, stepsPerEpoch, epochs: opts.epochs });
      const { loss, hits } = scope(() => {
        const x = Tensor.from(batch.images, batch.shape);
        const logits = model.forward(x, { training: true, rng: dropoutRng });
        const l = softmaxCrossEntropy(logits, batch.labels, { smoothing: opts.labelSmoothing ?? 0 });
        backward(l);
        optimizer.step(lr);
        for (const p of params) p.zeroGrad();
        const pred = argmaxRows(logits);
        let h = 0;
        for (let i = 0; i < pred.length; i++) if (pred[i] === batch.labels[i]) h++;
        return { loss: l.item(), hits: h };
      });
      opts.afterStep?.();
      if (!Number.isFinite(loss)) throw new Error(`fit: loss became ${loss} at epoch ${epoch + 1}, step ${step + 1} (lr ${lr}); lower the learning rate`);
      lossSum += loss * batch.labels.length;
      correct += hits;
      seen += batch.labels.length;
      opts.callbacks?.onBatchEnd?.({ epoch, step, steps: stepsPerEpoch, loss, lr });
      step++;
    }
    const seconds = (performance.now() - started) / 1000;
    const result: EpochResult = {
      epoch: epoch + 1, lr, trainLoss: lossSum / seen, trainAccuracy: correct / seen, seconds, imagesPerSecond: seen / seconds,
      ...(opts.test ? { test: evaluate(model, opts.test) } : {}),
    };
    results.push(result);
    await opts.callbacks?.onEpochEnd?.(result);
  }
  return results;
}
