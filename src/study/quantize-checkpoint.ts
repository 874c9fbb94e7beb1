/**
 * `prunequant quantize` as a library call: post-training quantization (weights, and activations
 * calibrated on training batches) or quantization-aware training through compress's one training
 * loop, then the quantized checkpoint written and the real .pqm size measured.
 */
import {
  QatSession, fp32Bytes, postTrainingQuantize, quantizationMeta, saveQuantizedCheckpoint, trainMasked, QUANT_META_KEY,
  type ActivationDtype, type ObserverKind, type QuantizedModel, type RangeMethod,
} from '../compress/index.js';
import { batchSource } from '../data/index.js';
import type { CheckpointJob } from './prune-checkpoint.js';
import { pqmBytes } from '../io/index.js';
import { evaluate, writeFileAtomic, type Model } from '../nn/index.js';

export interface QatOptions {
  epochs: number;
  lr: number;
  batchSize: number;
  /** SGD momentum (the recipe's, else 0.9). */
  momentum: number;
  lsq: boolean;
  /** Activation ranges and BN statistics freeze after this epoch. */
  freezeEpoch: number;
}

export interface QuantizeCheckpointJob extends CheckpointJob {
  bits: number;
  granularity: 'channel' | 'tensor';
  symmetric: boolean;
  range: RangeMethod;
  /** For range 'percentile' and the percentile observer. */
  percentile: number;
  activations: 'int8' | 'uint8' | 'none';
  /** PTQ activation calibration. */
  observer: ObserverKind;
  calibrationBatches: number;
  seed: number;
  /** null: PTQ. */
  qat: QatOptions | null;
  checkpoint: string;
  reportPath: string;
  started?: number;
  log?(line: string): void;
  onBatch?(info: { epoch: number; epochs: number; step: number; steps: number; loss: number }): void;
}

/** Fraction of weights (role 'weight') that are exactly 0. */
export function weightZeroFraction(model: Model): number {
  let zeros = 0, total = 0;
  for (const [, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    for (const v of p.value.view()) if (v === 0) zeros++;
    total += p.size;
  }
  return total === 0 ? 0 : zeros / total;
}

/**
 * Quantizes `job.model` (QAT trains it in place), writes `job.checkpoint` and `job.reportPath`,
 * and returns the report (what `quantize --json` prints).
 * @example const report = await quantizeCheckpoint({ ...loaded, bits: 4, granularity: 'channel', symmetric: true, range: 'minmax', percentile: 99.99, activations: 'none', observer: 'minmax', calibrationBatches: 100, seed: 0, qat: null, source, checkpoint, reportPath });
 */
export async function quantizeCheckpoint(job: QuantizeCheckpointJob): Promise<Record<string, unknown>> {
  const started = job.started ?? performance.now();
  const { model, meta, bits, granularity, symmetric, activations: act, observer, calibrationBatches, seed, log = () => {} } = job;
  const mode = job.qat === null ? 'ptq' : 'qat';
  if ((act !== 'none' || mode === 'qat') && job.train.count === 0) {
    throw new RangeError(`quantize: ${mode === 'qat' ? 'QAT' : 'activation calibration'} needs training samples, but the ${job.dataset} train split is empty`);
  }
  const trainSource = batchSource(job.train, { normalization: job.normalization });
  const test = batchSource(job.test, { normalization: job.normalization });
  const before = evaluate(model, test);
  log(`fp32: accuracy ${(100 * before.accuracy).toFixed(2)}%`);
  const sparsityBefore = weightZeroFraction(model);
  const range = { method: job.range, percentile: job.percentile };

  let q: QuantizedModel;
  let qatReport: Record<string, unknown> | null = null;
  if (job.qat === null) {
    q = postTrainingQuantize(model, {
      weights: { bits, symmetric, granularity, ...range },
      ...(act !== 'none' ? { activations: { dtype: act as ActivationDtype, observer, percentile: range.percentile, source: trainSource, batches: calibrationBatches, seed } } : {}),
    });
  } else {
    const { epochs, lr, batchSize, momentum, lsq, freezeEpoch } = job.qat;
    const qat = new QatSession(model, { bits, symmetric, granularity, range, lsq, freezeEpoch, activations: act !== 'none' ? { dtype: act as ActivationDtype } : null });
    // The test split is evaluated each epoch for the log only: QAT takes no decision on it.
    const history = await trainMasked(model, trainSource, { epochs, lr, batchSize, optimizer: 'sgd', momentum, seed }, {
      extraParams: qat.trainableParams(), test, afterStep: () => qat.afterStep(),
      onBatchEnd: ({ epoch, step, steps, loss }) => job.onBatch?.({ epoch, epochs, step, steps, loss }),
      onEpochEnd: (r) => {
        qat.onEpochEnd(r.epoch);
        log(`QAT epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} | test acc ${(100 * r.test!.accuracy).toFixed(2)}%${qat.isFrozen ? ' (frozen)' : ''}`);
      },
    });
    q = qat.finish();
    qatReport = { epochs, lr, batchSize, lsq, freezeEpoch, history: history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, testAccuracy: h.test?.accuracy })) };
  }

  try {
    const after = evaluate(q.model, test);
    const savedMeta = { ...meta, quantize: { mode, bits, granularity, symmetric, range: job.range, activations: act, accuracy: after.accuracy } };
    // The size quoted is that of the real .pqm file this checkpoint exports to.
    const pqmSize = pqmBytes(q.model, { meta: { ...savedMeta, [QUANT_META_KEY]: quantizationMeta(q) }, source: job.checkpoint }).length;
    const result = {
      command: 'quantize', model: job.source, dataset: job.dataset, ...job.split, mode, bits, granularity, symmetric, range: job.range,
      activations: act, ...(act !== 'none' && mode === 'ptq' ? { calibrationBatches, observer } : {}),
      accuracyBefore: before.accuracy, accuracyAfter: after.accuracy, deltaPp: 100 * (after.accuracy - before.accuracy),
      lossBefore: before.loss, lossAfter: after.loss, testCount: after.count,
      sizes: { fp32Bytes: fp32Bytes(model), pqmBytes: pqmSize, compression: fp32Bytes(model) / pqmSize },
      weightSparsityBefore: sparsityBefore, weightSparsityAfter: weightZeroFraction(q.model),
      foldedBn: q.foldedBn, qat: qatReport, checkpoint: job.checkpoint, seconds: (performance.now() - started) / 1000,
    };
    saveQuantizedCheckpoint(job.checkpoint, q, savedMeta);
    writeFileAtomic(job.reportPath, JSON.stringify(result, null, 2));
    return result;
  } finally {
    if (q.model !== model) q.model.dispose();
  }
}
