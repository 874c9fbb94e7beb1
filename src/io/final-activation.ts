/**
 * The softmax a model ended with when it was imported (ONNX Softmax/LogSoftmax, a TF.js softmax
 * activation or layer). It is not a layer of the Model: training applies log-softmax in its
 * loss and argmax does not change, so the Model returns logits. Every importer records it under
 * one meta key, checkpoints keep it (prune and quantize carry the meta), and every exporter
 * puts it back, so probabilities survive any chain of formats.
 */
import { softmaxAxis, type Tensor } from '../tensor/index.js';
import type { ImportedModel } from './imported-model.js';

/**
 * `axis` is an axis of the model's NCHW output ([n, classes]: 1; [n, c, h, w]: 1 is channels).
 * `coerce2d`: ONNX before opset 13, whose softmax runs over all the axes from `axis` on,
 * flattened; it differs from a per-axis softmax only when axis is not the last.
 */
export interface FinalActivation {
  kind: 'softmax' | 'log-softmax';
  axis: number;
  coerce2d: boolean;
}

/** The meta key under which importers record the final activation (null when there is none). */
export const FINAL_ACTIVATION_META_KEY = 'finalActivation';

/**
 * The final activation a model's meta records, checked; null when it records none.
 * @example const fa = finalActivationOf(loadAnyModel('model.onnx').meta); // { kind: 'softmax', axis: 1, coerce2d: false }
 * @throws Error naming `where` when the record is malformed.
 */
export function finalActivationOf(meta: Record<string, unknown> | undefined, where = 'model meta'): FinalActivation | null {
  const v = meta?.[FINAL_ACTIVATION_META_KEY];
  if (v === undefined || v === null) return null;
  const fa = v as Partial<FinalActivation>;
  if (typeof v !== 'object' || (fa.kind !== 'softmax' && fa.kind !== 'log-softmax') || !Number.isInteger(fa.axis) || fa.axis! < 1 || typeof fa.coerce2d !== 'boolean') {
    throw new Error(`${where}: meta.${FINAL_ACTIVATION_META_KEY} must be { kind: 'softmax' | 'log-softmax', axis: integer >= 1, coerce2d: boolean }, got ${JSON.stringify(v)}`);
  }
  return { kind: fa.kind, axis: fa.axis!, coerce2d: fa.coerce2d };
}

/**
 * Applies the final activation an imported model ended with (kept out of the Model so training
 * sees logits) to the model's output: what the original model returns.
 * @example const probs = withFinalActivation(imported, imported.model.forward(x));
 */
export function withFinalActivation(imported: Pick<ImportedModel, 'meta'>, logits: Tensor): Tensor {
  const fa = finalActivationOf(imported.meta);
  if (fa === null) return logits;
  return softmaxAxis(logits, fa.axis, fa.kind === 'log-softmax', fa.coerce2d);
}
