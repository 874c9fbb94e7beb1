import { parallel } from '../kernels/index.js';
import { Tensor, noGrad, scope, softmaxCrossEntropy } from '../tensor/index.js';
import type { BatchSource } from './batch-source.js';
import type { Model } from './model.js';

export interface EvalResult {
  accuracy: number;
  loss: number;
  count: number;
}

/** Top-1 indices of each row of a [n, classes] tensor. */
export function argmaxRows(logits: Tensor): Int32Array {
  const [rows, cols] = logits.shape as [number, number];
  const out = Tensor.empty([rows]);
  parallel('f32_argmax_rows', [logits.ptr, out.ptr, rows, cols], rows, { minPerThread: 256 });
  const result = new Int32Array(out.view().buffer, out.ptr, rows).slice();
  out.dispose();
  return result;
}

/**
 * Accuracy and mean cross-entropy over a whole split, in evaluation mode.
 * @example const { accuracy } = evaluate(model, test);
 */
export function evaluate(model: Model, data: BatchSource, batchSize = 256): EvalResult {
  let correct = 0, lossSum = 0, count = 0;
  for (const batch of data.batches(batchSize)) {
    scope(() => noGrad(() => {
      const x = Tensor.from(batch.images, batch.shape);
      const logits = model.forward(x, { training: false });
      const loss = softmaxCrossEntropy(logits, batch.labels);
      const pred = argmaxRows(logits);
      for (let i = 0; i < pred.length; i++) if (pred[i] === batch.labels[i]) correct++;
      lossSum += loss.item() * batch.labels.length;
      count += batch.labels.length;
    }));
  }
  if (count === 0) throw new Error('evaluate: the dataset has no samples');
  return { accuracy: correct / count, loss: lossSum / count, count };
}
