/** Sums and means over axes, and `sumTo`, the adjoint of broadcasting. */
import { call, writeDescriptor } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor, type Shape } from '../tensor.js';
import { broadcastStrides, collapseDims } from '../broadcast.js';
import { expandTo } from './binary.js';
import { scale } from './unary.js';

function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  const list = axes === undefined ? [...Array(rank).keys()] : typeof axes === 'number' ? [axes] : [...axes];
  return list.map((a) => {
    const ax = a < 0 ? a + rank : a;
    assertShape(Number.isInteger(ax) && ax >= 0 && ax < rank, () => `${op}: axis ${a} out of range for rank ${rank}`);
    return ax;
  });
}

/** Sums `x` down to `shape` (which broadcasts to x's shape), as a broadcast's gradient needs. */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const out = Tensor.zeros(shape);
  // Kernel view: walk x; each element adds into the out slot its broadcast stride names.
  const { shape: dims, strides } = collapseDims(x.shape, [broadcastStrides(shape, x.shape)]);
  const desc = writeDescriptor([dims.length, ...dims, ...strides[0]!]);
  // One thread: several input elements add into the same output slot.
  call('f32_reduce_sum', x.ptr, out.ptr, desc, 0, x.size, 0);
  return out;
}

/**
 * Sum over `axes` (all by default).
 * @example const colSums = sum(x, 0); // [n, k] -> [k]
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank, 'sum');
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const reduced = sumTo(x, kept);
  const result = reduced === x ? x.reshapeView(kept) : reduced;
  const out = keepDims ? result : result.reshapeView(kept.filter((_, i) => !ax.includes(i)));
  return record(out, 'Sum', [x], (dy) => [expandTo(dy.reshapeView(kept), x.shape)]);
}

/** Mean over `axes` (all by default). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const ax = normalizeAxes(axes, x.rank, 'mean');
  const count = ax.reduce((n, a) => n * x.shape[a]!, 1);
  return scale(sum(x, ax, keepDims), 1 / count);
}
