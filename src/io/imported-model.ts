/**
 * What every model reader returns (prunequant checkpoints, ONNX, TF.js Layers), so that each
 * command takes any format through one loader.
 */
import type { Model } from '../nn/index.js';

/**
 * How raw pixels become the model's input: a pixel p in [0, 1] is scaled to the model's
 * `range` (p, or 255 p for '0-255'), then x' = (x − mean[c]) / std[c]; `layout` is the
 * order of the model's own input tensor. `mean` and `std` hold one value per channel (or one
 * for all).
 */
export interface ModelPreprocessing {
  layout: 'nchw' | 'nhwc';
  range: '0-1' | '0-255';
  mean: number[];
  std: number[];
}

export type ModelFormat = 'pqck' | 'onnx' | 'tfjs';

export interface ImportedModel {
  /** A trainable model in prunequant's NCHW convention. */
  model: Model;
  format: ModelFormat;
  /** Null when the file does not say and the user has not told us. */
  preprocessing: ModelPreprocessing | null;
  /** Provenance and anything the file carried that a later export should keep (producer, doc strings, ONNX metadata). */
  meta: Record<string, unknown>;
}
