/** Softmax and log-softmax over the last axis. */
import { parallel } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

function rowsOf(x: Tensor): [number, number] {
  const cols = x.shape[x.rank - 1] ?? 1;
  return [x.size / cols, cols];
}

function softmaxKind(x: Tensor, log: 0 | 1): Tensor {
  const [rows, cols] = rowsOf(x);
  const y = Tensor.empty(x.shape);
  parallel('f32_softmax_rows', [x.ptr, y.ptr, rows, cols, log], rows, { minPerThread: 64 });
  return record(y, log ? 'LogSoftmax' : 'Softmax', [x], (dy) => {
    const dx = Tensor.empty(x.shape);
    parallel('f32_softmax_rows_grad', [y.ptr, dy.ptr, dx.ptr, rows, cols, log], rows, { minPerThread: 64 });
    return [dx];
  });
}

/** @example const p = softmax(logits); */
export const softmax = (x: Tensor): Tensor => softmaxKind(x, 0);
export const logSoftmax = (x: Tensor): Tensor => softmaxKind(x, 1);
