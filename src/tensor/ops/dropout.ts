/** Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p). */
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { binaryKernel } from './binary.js';

/** A source of uniform [0, 1) numbers; every random choice takes a seed. */
export interface UniformSource {
  next(): number;
}

export function dropout(x: Tensor, p: number, rng: UniformSource): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const mask = Tensor.empty(x.shape);
  const mv = mask.view();
  const keepScale = 1 / (1 - p);
  for (let i = 0; i < mv.length; i++) mv[i] = rng.next() < p ? 0 : keepScale;
  const y = binaryKernel('Mul', x, mask);
  return record(y, 'Dropout', [x], (dy) => [binaryKernel('Mul', dy, mask)]);
}
