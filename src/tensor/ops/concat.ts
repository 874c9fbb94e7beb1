/** Concatenation along an axis (channels, for Inception-style branches), and its split. */
import { parallel } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { assertShape } from '../errors.js';
import { Tensor } from '../tensor.js';

/** Copies `src` blocks into or out of `dst`: the shared walk of concat and its gradient. */
function copyBlocks(src: Tensor, srcStride: number, dst: Tensor, dstStride: number, cols: number, rows: number, srcOffset: number, dstOffset: number): void {
  parallel('f32_copy_rows', [src.ptr + srcOffset * 4, srcStride, dst.ptr + dstOffset * 4, dstStride, cols], rows, { minPerThread: 64 });
}

/** @example const y = concat([a, b], 1); // along channels */
export function concat(xs: readonly Tensor[], axis = 1): Tensor {
  assertShape(xs.length > 0, () => 'concat: no tensors given');
  const first = xs[0]!;
  const ax = axis < 0 ? axis + first.rank : axis;
  assertShape(ax >= 0 && ax < first.rank, () => `concat: axis ${axis} out of range for rank ${first.rank}`);
  xs.forEach((t, i) => assertShape(t.rank === first.rank && t.shape.every((d, j) => j === ax || d === first.shape[j]), () =>
    `concat: input ${i} has shape [${t.shape.join(', ')}], input 0 has [${first.shape.join(', ')}] (only axis ${ax} may differ)`));
  const outer = first.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = first.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const total = xs.reduce((s, t) => s + t.shape[ax]!, 0);
  const shape = [...first.shape];
  shape[ax] = total;
  const y = Tensor.empty(shape);
  const rowLen = total * inner;
  let offset = 0;
  for (const t of xs) {
    const cols = t.shape[ax]! * inner;
    copyBlocks(t, cols, y, rowLen, cols, outer, 0, offset);
    offset += cols;
  }
  return record(y, 'Concat', xs, (dy) => {
    let off = 0;
    return xs.map((t) => {
      const cols = t.shape[ax]! * inner;
      const g = t.requiresGrad ? Tensor.empty(t.shape) : null;
      if (g) copyBlocks(dy, rowLen, g, cols, cols, outer, off, 0);
      off += cols;
      return g;
    });
  });
}
