/** Elementwise binary ops with NumPy broadcasting; gradients sum back over broadcast dims. */
import { parallel, writeDescriptor } from '../../kernels/index.js';
import { BinaryOp } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { broadcastShapes, broadcastStrides, collapseDims } from '../broadcast.js';
import { Tensor, type Shape } from '../tensor.js';
import { sumTo } from './reduce.js';
import { unaryGrad } from './unary.js';

type BinaryName = keyof typeof BinaryOp;

/** Runs the broadcasting kernel for `name` without recording a gradient. */
export function binaryKernel(name: BinaryName, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = Tensor.empty(shape);
  const { shape: dims, strides } = collapseDims(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  const desc = writeDescriptor([dims.length, ...dims, ...strides[0]!, ...strides[1]!]);
  parallel('f32_binary', [BinaryOp[name], a.ptr, b.ptr, out.ptr, desc], out.size, { grain: 16, minPerThread: 1 << 15 });
  return out;
}

/** Broadcasts `x` to `shape` (a copy), the adjoint of sumTo. */
export function expandTo(x: Tensor, shape: Shape): Tensor {
  return binaryKernel('Add', Tensor.zeros(shape), x);
}

/** a + b, broadcasting. @example const y = add(x, bias); */
export function add(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('Add', a, b);
  return record(out, 'Add', [a, b], (dy) => [a.requiresGrad ? sumTo(dy, a.shape) : null, b.requiresGrad ? sumTo(dy, b.shape) : null]);
}

export function sub(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('Sub', a, b);
  return record(out, 'Sub', [a, b], (dy) => [
    a.requiresGrad ? sumTo(dy, a.shape) : null,
    b.requiresGrad ? sumTo(unaryGrad('Neg', dy, dy, dy), b.shape) : null,
  ]);
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('Mul', a, b);
  return record(out, 'Mul', [a, b], (dy) => [
    a.requiresGrad ? sumTo(binaryKernel('Mul', dy, b), a.shape) : null,
    b.requiresGrad ? sumTo(binaryKernel('Mul', dy, a), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('Div', a, b);
  return record(out, 'Div', [a, b], (dy) => [
    a.requiresGrad ? sumTo(binaryKernel('Div', dy, b), a.shape) : null,
    // d(a/b)/db = -a/b^2 = -out/b
    b.requiresGrad ? sumTo(binaryKernel('Sub', Tensor.zeros([1]), binaryKernel('Div', binaryKernel('Mul', dy, out), b)), b.shape) : null,
  ]);
}

/** Elementwise max; the gradient goes to a where a >= b, else to b. */
export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('Max', a, b);
  return record(out, 'Max', [a, b], (dy) => {
    const takeA = binaryKernel('GreaterEqual', a, b);
    const takeB = binaryKernel('Sub', Tensor.full([1], 1), takeA);
    return [a.requiresGrad ? sumTo(binaryKernel('Mul', dy, takeA), a.shape) : null, b.requiresGrad ? sumTo(binaryKernel('Mul', dy, takeB), b.shape) : null];
  });
}
