/**
 * Weight initialisation. 'torch' is PyTorch's default, so recipes tuned there carry over;
 * 'glorot' is Keras's default (glorot_uniform kernels, zero biases), used by the models
 * that come from Keras so that they train as their recipes expect.
 */
import { Tensor, type Rng } from '../tensor/index.js';

export type InitScheme = 'torch' | 'glorot';

function uniform(shape: readonly number[], bound: number, rng: Rng): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
  return Tensor.from(data, shape);
}

/**
 * A weight of `shape` with the given fan-in and fan-out (for convs both include the
 * kernel area). torch: U(±1/√fanIn), PyTorch's kaiming_uniform(a=√5); glorot: U(±√(6/(fanIn+fanOut))).
 */
export function initWeight(shape: readonly number[], fanIn: number, fanOut: number, scheme: InitScheme, rng: Rng): Tensor {
  const bound = scheme === 'glorot' ? Math.sqrt(6 / Math.max(1, fanIn + fanOut)) : 1 / Math.sqrt(Math.max(1, fanIn));
  return uniform(shape, bound, rng);
}

/** torch: U(±1/√fanIn), as PyTorch; glorot: zeros, as Keras. */
export function initBias(size: number, fanIn: number, scheme: InitScheme, rng: Rng): Tensor {
  return scheme === 'glorot' ? Tensor.zeros([size]) : uniform([size], 1 / Math.sqrt(Math.max(1, fanIn)), rng);
}
