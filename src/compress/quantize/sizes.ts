/**
 * Model sizes in bytes. fp32: every param as float32. Packed: each quantized weight as k-bit
 * codes (bit-pack.ts) plus a float32 scale per channel and, for asymmetric codes, a k-bit
 * zero point per channel (symmetric ones are all 0 and not stored); every other param
 * (biases, BN) stays float32; each activation point adds a float32 scale and an 8-bit zero
 * point. Sparsity is not counted here: the .pqm writer chooses the sparse encoding.
 */
import type { Model } from '../../nn/index.js';
import type { ActivationParams } from './activation-quant.js';
import { packedByteLength } from './bit-pack.js';
import type { QuantizedTensor } from './quantized-tensor.js';

export interface QuantizedSizes {
  fp32Bytes: number;
  packedBytes: number;
  /** Of packedBytes: codes, scales and zero points of the quantized weights. */
  weightBytes: number;
  /** Of packedBytes: params left in float32. */
  floatParamBytes: number;
  activationParamBytes: number;
}

export function fp32Bytes(model: Model): number {
  return 4 * model.paramCount();
}

export function quantizedTensorBytes(q: QuantizedTensor): number {
  const channels = q.scales.length;
  return packedByteLength(q.values.length, q.bits) + 4 * channels + (q.scheme === 'asymmetric' ? packedByteLength(channels, q.bits) : 0);
}

/** @example quantizedSizes(q.model, q.weights, q.activations).packedBytes */
export function quantizedSizes(model: Model, weights: ReadonlyMap<string, QuantizedTensor>, activations: ReadonlyMap<string, ActivationParams> | null = null): QuantizedSizes {
  let weightBytes = 0, floatParamBytes = 0;
  for (const [name, p] of model.namedParams()) {
    const q = weights.get(name);
    if (q) weightBytes += quantizedTensorBytes(q);
    else floatParamBytes += 4 * p.size;
  }
  const activationParamBytes = 5 * (activations?.size ?? 0);
  return { fp32Bytes: fp32Bytes(model), packedBytes: weightBytes + floatParamBytes + activationParamBytes, weightBytes, floatParamBytes, activationParamBytes };
}
