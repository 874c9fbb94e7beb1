/**
 * Post-training quantization of a whole model: fold BatchNorm, quantize every weight, and
 * optionally calibrate activation quantizers on N batches. No training.
 */
import type { BatchSource, Model } from '../../nn/index.js';
import { ActivationQuantizer, calibrateActivations, type ActivationQuantOptions, type CalibrationOptions } from './activation-quant.js';
import { foldBatchNorm } from './bn-fold.js';
import type { QuantizedModel } from './quantized-model.js';
import { quantizeWeights, type WeightQuantOptions } from './weight-ptq.js';

export interface PtqOptions {
  weights: WeightQuantOptions;
  /** Activation quantization with calibration over `source`; absent: weights only. */
  activations?: ActivationQuantOptions & CalibrationOptions & { source: BatchSource };
}

/**
 * Returns a new, quantized model; `model` itself is not changed.
 * @example const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source: batchSource(train), batches: 100 } });
 */
export function postTrainingQuantize(model: Model, opts: PtqOptions): QuantizedModel {
  const { model: folded, folded: foldedBn } = foldBatchNorm(model);
  try {
    const weights = quantizeWeights(folded, opts.weights);
    let activations = null;
    if (opts.activations) {
      const { source, ...rest } = opts.activations;
      activations = calibrateActivations(new ActivationQuantizer(folded, rest), source, rest);
    }
    return { model: folded, weights, activations, foldedBn };
  } catch (e) {
    folded.dispose(); // the caller never sees the half-built copy
    throw e;
  }
}
