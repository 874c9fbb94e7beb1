/** What PTQ and QAT hand back: a runnable model plus the integer form of its weights. */
import type { Model } from '../../nn/index.js';
import type { ActivationParams } from './activation-quant.js';
import type { QuantizedTensor } from './quantized-tensor.js';

export interface QuantizedModel {
  /** BN folded, weights replaced by their dequantized values, activation fake quantization installed when asked for. */
  model: Model;
  /** Integer weights by param path ('<node>.weight'). */
  weights: Map<string, QuantizedTensor>;
  /** Activation parameters by node name (INPUT for the model input), or null for weight-only quantization. */
  activations: Map<string, ActivationParams> | null;
  /** BN nodes folded into the conv before them. */
  foldedBn: { conv: string; bn: string }[];
}
