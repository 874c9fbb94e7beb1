/**
 * Post-training quantization of weights: every conv and linear weight becomes integer codes
 * with scales and zero points, and the param is overwritten with their dequantized floats,
 * so the model computes exactly what an integer runtime would with those weights. Biases of
 * quantized layers move to the float16 grid (see onF16Grid); BatchNorm params stay float32 (a
 * runtime keeps biases in int32 at the product's scale).
 */
import type { Model, Param } from '../../nn/index.js';
import { onF16Grid } from './quant-spec.js';
import { channelGeometry, dequantize, quantizeTensor, type QuantizedTensor, type QuantizeOptions } from './quantized-tensor.js';

export type WeightQuantOptions = Omit<QuantizeOptions, 'name' | 'survivors'> & {
  /**
   * Let a pruned weight's survivors round to the zero-point code like any other weight (they
   * count as pruned from then on; see maskZeroCodes). Default false: survivors keep a non-zero
   * code, so the zeros of the codes are exactly the mask's.
   */
  roundSurvivorsToZero?: boolean;
};

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
  const { roundSurvivorsToZero = false, ...quant } = opts;
  const out = new Map<string, QuantizedTensor>();
  // Quantize everything first so that a bad layer leaves the model untouched.
  for (const [name, p] of quantizableWeights(model)) {
    const survivors = roundSurvivorsToZero ? null : p.mask?.view() ?? null;
    out.set(name, quantizeTensor(p.value.view(), p.shape, { ...quant, name: `${model.name}/${name}`, survivors }));
  }
  applyQuantizedWeights(model, out);
  roundQuantizedBiases(model, out);
  return out;
}

/**
 * Moves the bias of every layer in `weights` to the float16 grid, where the weights become
 * integers, so that the model evaluated is the model the `.pqm` file stores (its biases in 2
 * bytes each).
 * @example roundQuantizedBiases(model, quantizeWeights(model, { bits: 4 }));
 */
export function roundQuantizedBiases(model: Model, weights: ReadonlyMap<string, QuantizedTensor>): void {
  const params = new Map(model.namedParams());
  for (const name of weights.keys()) {
    const bias = params.get(name.replace(/weight$/, 'bias'));
    if (bias !== undefined && bias.role === 'bias') bias.assign(bias.value.toArray().map(onF16Grid));
  }
}

/**
 * Prunes, in the masks of `model`, every weight whose code is its zero point (a survivor that
 * rounded to zero under `roundSurvivorsToZero`), so masks, codes and the exported zeros agree.
 * Only params that already have a mask change. Returns how many weights joined a mask.
 * @example const q = postTrainingQuantize(model, { weights: { bits: 3, roundSurvivorsToZero: true } }); maskZeroCodes(q.model, q.weights);
 */
export function maskZeroCodes(model: Model, weights: ReadonlyMap<string, QuantizedTensor>): number {
  const params = new Map(model.namedParams());
  let joined = 0;
  for (const [name, q] of weights) {
    const mask = params.get(name)?.mask;
    if (!mask) continue;
    const keep = mask.view(), { inner } = channelGeometry(q.shape, q.axis === 0 ? 'channel' : 'tensor');
    for (let i = 0; i < q.values.length; i++) {
      if (keep[i] === 1 && q.values[i] === q.zeroPoints[Math.floor(i / inner)]) {
        keep[i] = 0;
        joined++;
      }
    }
  }
  return joined;
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
