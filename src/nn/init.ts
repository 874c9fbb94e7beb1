/** Weight initialisation. PyTorch's defaults, so recipes tuned there carry over. */
import { Tensor, type Rng } from '../tensor/index.js';

/** U(-1/√fanIn, 1/√fanIn): PyTorch's kaiming_uniform(a=√5) for weights and its bias init. */
export function uniformFanIn(shape: readonly number[], fanIn: number, rng: Rng): Tensor {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * bound;
  return Tensor.from(data, shape);
}
