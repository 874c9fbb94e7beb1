/** Elementwise activations and maths, one generic op over the kernels' unary op codes. */
import { parallel } from '../../kernels/index.js';
import { UnaryOp } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';

type UnaryName = keyof typeof UnaryOp;
const GRAIN = 16;
const MIN_PER_THREAD = 1 << 15;

function runUnary(code: number, x: Tensor, alpha: number): Tensor {
  const y = Tensor.empty(x.shape);
  parallel('f32_unary', [code, x.ptr, y.ptr, alpha], x.size, { grain: GRAIN, minPerThread: MIN_PER_THREAD });
  return y;
}

/** dx = dy * f'(x); the forward output y is passed because sigmoid, tanh and exp use it. */
export function unaryGrad(name: UnaryName, x: Tensor, y: Tensor, dy: Tensor, alpha = 0): Tensor {
  const dx = Tensor.empty(x.shape);
  parallel('f32_unary_grad', [UnaryOp[name], x.ptr, y.ptr, dy.ptr, dx.ptr, alpha], x.size, { grain: GRAIN, minPerThread: MIN_PER_THREAD });
  return dx;
}

/**
 * Applies the unary op `name` elementwise; `alpha` is its parameter where it has one
 * (LeakyRelu's slope, Elu's alpha, Scale's factor, AddScalar's addend).
 * @example const y = unary('Relu6', x);
 */
export function unary(name: UnaryName, x: Tensor, alpha = 0): Tensor {
  const y = runUnary(UnaryOp[name], x, alpha);
  return record(y, name, [x], (dy) => [unaryGrad(name, x, y, dy, alpha)]);
}

export const relu = (x: Tensor): Tensor => unary('Relu', x);
export const relu6 = (x: Tensor): Tensor => unary('Relu6', x);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => unary('LeakyRelu', x, slope);
export const sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('Tanh', x);
export const hardSwish = (x: Tensor): Tensor => unary('HardSwish', x);
export const exp = (x: Tensor): Tensor => unary('Exp', x);
export const log = (x: Tensor): Tensor => unary('Log', x);
export const neg = (x: Tensor): Tensor => unary('Neg', x);
export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x);
export const square = (x: Tensor): Tensor => unary('Square', x);
export const scale = (x: Tensor, factor: number): Tensor => unary('Scale', x, factor);
export const addScalar = (x: Tensor, addend: number): Tensor => unary('AddScalar', x, addend);
