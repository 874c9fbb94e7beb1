/**
 * Post-training quantization of weights: every conv and linear weight becomes integer codes
 * with scales and zero points, and the param is overwritten with their dequantized floats,
 * so the model computes exactly what an integer runtime would with those weights. Biases and
 * BatchNorm params stay float32 (a runtime keeps biases in int32 at the product's scale).
 */
import type { Model, Param } from '../../nn/index.js';
import { dequantize, quantizeTensor, type QuantizedTensor, type QuantizeOptions } from './quantized-tensor.js';

export type WeightQuantOptions = Omit<QuantizeOptions, 'name' | 'survivors'>;

/** Weight params of conv and linear layers, by path ('<node>.weight'). */
export function quantizableWeights(model: Model): [string, Param][] {
  return model.namedParams().filter(([, p]) => p.role === 'weight');
}

/**
 * Quantizes every weight of `model` in place and returns the integer form of each. A weight
 * with a pruning mask keeps exactly the mask's zeros: its survivors never round to code zero.
 * @example const weights = quantizeWeights(model, { bits: 8, granularity: 'channel' });
 */
export function quantizeWeights(model: Model, opts: WeightQuantOptions): Map<string, QuantizedTensor> {
  const out = new Map<string, QuantizedTensor>();
  // Quantize everything first so that a bad layer leaves the model untouched.
  for (const [name, p] of quantizableWeights(model)) {
    out.set(name, quantizeTensor(p.value.view(), p.shape, { ...opts, name: `${model.name}/${name}`, survivors: p.mask?.view() ?? null }));
  }
  applyQuantizedWeights(model, out);
  return out;
}

/** Writes dequantized weights into the params they name. */
export function applyQuantizedWeights(model: Model, weights: ReadonlyMap<string, QuantizedTensor>): void {
  const params = new Map(model.namedParams());
  for (const [name, q] of weights) {
    const p = params.get(name);
    if (p === undefined) throw new Error(`quantized weights: model ${model.name} has no param '${name}'`);
    if (p.size !== q.values.length) throw new Error(`quantized weights: '${name}' has ${q.values.length} codes, the param has ${p.size} values`);
    p.assign(dequantize(q));
  }
}
