/**
 * Int8 models for the runtime's fusion and layout tests: hand-built graph nodes (sparse int8
 * convs with seeded random codes, ReLU, Add), and a zoo model pruned and quantized with uint8
 * activations on MNIST, as `.pqm` bytes.
 */
import { createModel } from '../../src/nn/index.js';
import { pruneModel, postTrainingQuantize, quantizationMeta } from '../../src/compress/index.js';
import { batchSource, loadDataset, type DatasetSplit } from '../../src/data/index.js';
import { toDeployModel } from '../../src/io/index.js';
import { encodePqm, type ActivationQuant, type DeployModel, type GraphNode } from '../../src/runtime/index.js';
import { randomFloats } from './assert.js';

export const U8 = (scale: number, zeroPoint: number): ActivationQuant => ({ dtype: 'uint8', scale, zeroPoint });

/**
 * A builder of convs with int8 codes (70% pruned at random; `emptyRow` fully pruned), a bias and
 * pads (k-1)/2, drawing its random numbers from seeds counting up from `seed`. Weight scales are
 * about 1 / (scaleDiv * sqrt(taps)): a larger divisor, smaller outputs.
 * @example const conv = convBuilder(40, 100); const a = conv('a', 0, 3, 4, 3, 1, U8(4 / 255, 0));
 */
export function convBuilder(seed: number, scaleDiv: number) {
  return (name: string, input: number, cin: number, cout: number, k: number, stride: number, outputQuant: ActivationQuant | null, emptyRow = -1): GraphNode => {
    const taps = cin * k * k;
    const raw = randomFloats(cout * taps, seed++, -1, 1), keep = randomFloats(cout * taps, seed++, 0, 1);
    const codes = Int32Array.from(raw, (v, i) => (keep[i]! < 0.7 || Math.floor(i / taps) === emptyRow ? 0 : Math.round(v * 127)));
    const scales = Float32Array.from({ length: cout }, (_, r) => (1 + r / cout) / (scaleDiv * Math.sqrt(taps)));
    const pad = (k - 1) >> 1;
    return {
      op: 'Conv2d', name, inputs: [input], outputQuant, outChannels: cout, kernel: [k, k], stride: [stride, stride], dilation: [1, 1],
      pads: [pad, pad, pad, pad], groups: 1, bias: randomFloats(cout, seed++, -0.3, 0.3),
      weight: { shape: [cout, cin, k, k], indices: null, values: null, codes, quant: { bits: 8, qmin: -127, qmax: 127, scales, zeroPoints: new Int32Array(cout) } },
    };
  };
}

export const relu = (name: string, input: number, q: ActivationQuant, kind: 'ReLU' | 'ReLU6' = 'ReLU'): GraphNode => ({ op: 'Activation', name, inputs: [input], outputQuant: q, kind, alpha: 0 });
export const add = (name: string, inputs: number[], q: ActivationQuant | null): GraphNode => ({ op: 'Add', name, inputs, outputQuant: q });

/**
 * A zoo model (seeded), pruned per layer, with 8-bit weights and uint8 activations calibrated on
 * 128 MNIST training images, as `.pqm` bytes and the deploy model they hold; `data` has the
 * MNIST images the tests run.
 */
export function int8ZooModel(name: string, sparsity: number, seed: number): { bytes: Uint8Array; deploy: DeployModel; data: DatasetSplit } {
  const data = loadDataset('mnist', { limit: 128 });
  const NORM = { mean: 0.1307, std: 0.3081 };
  const model = createModel(name, { seed });
  pruneModel(model, { sparsity, scope: 'layer' });
  const q = postTrainingQuantize(model, { weights: { bits: 8 }, activations: { dtype: 'uint8', source: batchSource(data.train, { normalization: NORM }), batches: 2, batchSize: 64 } });
  const deploy = toDeployModel(q.model, { meta: { quantization: quantizationMeta(q), normalization: NORM } });
  model.dispose();
  return { bytes: encodePqm(deploy), deploy, data };
}
