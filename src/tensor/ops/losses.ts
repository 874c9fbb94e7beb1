/** Losses: softmax cross-entropy (fused, with label smoothing) and mean squared error. */
import { parallel } from '../../kernels/index.js';
import { isGradEnabled, record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { mean } from './reduce.js';
import { square } from './unary.js';
import { sub } from './binary.js';

export interface CrossEntropyOptions {
  /** Label smoothing s in [0, 1): the target is (1 - s) one-hot + s / classes. */
  smoothing?: number;
}

/**
 * Mean softmax cross-entropy of logits [n, classes] against integer labels.
 * @example const loss = softmaxCrossEntropy(logits, labels, { smoothing: 0.1 });
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  assertShape(logits.rank === 2, () => `softmaxCrossEntropy: logits must be [n, classes], got [${logits.shape.join(', ')}]`);
  const [rows, cols] = logits.shape as [number, number];
  assertShape(labels.length === rows, () => `softmaxCrossEntropy: ${labels.length} labels for ${rows} rows of logits`);
  const smoothing = opts.smoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`softmaxCrossEntropy: smoothing must be in [0, 1), got ${smoothing}`);
  for (let i = 0; i < rows; i++) {
    const l = labels[i]!;
    if (!(l >= 0 && l < cols)) throw new RangeError(`softmaxCrossEntropy: label ${l} at row ${i} is outside [0, ${cols})`);
  }
  const labelT = Tensor.empty([rows]);
  new Int32Array(labelT.view().buffer, labelT.ptr, rows).set(labels);
  const losses = Tensor.empty([rows]);
  // The gradient comes out of the same pass; skip it when nothing will read it (evaluation).
  const grad = isGradEnabled() && logits.requiresGrad ? Tensor.empty(logits.shape) : null;
  parallel('f32_softmax_xent', [logits.ptr, labelT.ptr, losses.ptr, grad?.ptr ?? 0, rows, cols, smoothing, 1 / rows], rows, { minPerThread: 64 });
  let total = 0;
  for (const v of losses.view()) total += v;
  const loss = Tensor.from([total / rows], []);
  if (grad === null) return loss;
  return record(loss, 'SoftmaxCrossEntropy', [logits], (dy) => {
    const g = dy.item();
    if (g === 1) return [grad];
    const scaled = grad.clone();
    const v = scaled.view();
    for (let i = 0; i < v.length; i++) v[i]! *= g;
    return [scaled];
  });
}

/** Mean of (pred - target)^2 over all elements. */
export function mse(pred: Tensor, target: Tensor): Tensor {
  assertShape(pred.size === target.size, () => `mse: prediction [${pred.shape.join(', ')}] and target [${target.shape.join(', ')}] differ in size`);
  return mean(square(sub(pred, target)));
}
