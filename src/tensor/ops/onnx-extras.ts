/**
 * Ops that imported ONNX graphs need beyond the zoo's: composed activations (ELU, SELU,
 * Softplus, HardSigmoid, Clip, PRelu, LRN), whose backward comes from the ops they are made of,
 * and the data movers transpose and pad, each with its backward beside it.
 */
import { BinaryOp, parallel, writeDescriptor } from '../../kernels/index.js';
import { record } from '../autograd.js';
import { collapseDims } from '../broadcast.js';
import { assertShape } from '../errors.js';
import { Tensor, sizeOf } from '../tensor.js';
import { add, mul, sub } from './binary.js';
import { avgPool2d } from './pool2d.js';
import { reshape } from './reshape.js';
import { softmax, logSoftmax } from './softmax.js';
import { addScalar, exp, log, neg, relu, relu6, scale, unary } from './unary.js';

/** x > 0 ? x : alpha (eˣ − 1). */
export const elu = (x: Tensor, alpha = 1): Tensor => unary('Elu', x, alpha);

/** gamma · elu(x, alpha), ONNX's defaults. */
export const selu = (x: Tensor, alpha = 1.6732632423543772, gamma = 1.0507009873554805): Tensor => scale(elu(x, alpha), gamma);

/** log(1 + eˣ), written relu(x) + log(1 + e^−|x|) so large |x| neither overflows nor loses the tail. */
export function softplus(x: Tensor): Tensor {
  const absX = unary('Abs', x);
  return add(relu(x), log(addScalar(exp(neg(absX)), 1)));
}

/** max(0, min(1, alpha x + beta)), as relu6 of 6 (alpha x + beta), over 6. */
export const hardSigmoid = (x: Tensor, alpha = 0.2, beta = 0.5): Tensor =>
  scale(relu6(addScalar(scale(x, 6 * alpha), 6 * beta)), 1 / 6);

/** min(max(x, lo), hi); either bound may be infinite. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  assertShape(!(lo > hi), () => `clip: min ${lo} is above max ${hi}`);
  const finiteLo = Number.isFinite(lo), finiteHi = Number.isFinite(hi);
  if (finiteLo && finiteHi) {
    if (lo === hi) return addScalar(scale(x, 0), lo);
    // relu6 clamps to [0, 6]; map [lo, hi] onto it and back.
    const k = 6 / (hi - lo);
    return addScalar(scale(relu6(scale(addScalar(x, -lo), k)), 1 / k), lo);
  }
  if (finiteLo) return addScalar(relu(addScalar(x, -lo)), lo);
  if (finiteHi) return addScalar(neg(relu(addScalar(neg(x), hi))), hi);
  return scale(x, 1);
}

/** x ≥ 0 ? x : slope · x, with a slope tensor that broadcasts against x. */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  return sub(relu(x), mul(slope, relu(neg(x))));
}

/**
 * Local response normalization across channels (ONNX LRN): x / (bias + alpha/size · Σ x²)^beta,
 * the sum over the `size` channels centred on each one. The channel sum is an average pool
 * over a [n, 1, c, h·w] view, padding counted.
 */
export function lrn(x: Tensor, size: number, alpha = 1e-4, beta = 0.75, bias = 1): Tensor {
  assertShape(x.rank === 4, () => `lrn: input must be NCHW, got [${x.shape.join(', ')}]`);
  assertShape(Number.isInteger(size) && size >= 1, () => `lrn: size must be a positive integer, got ${size}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const before = Math.floor((size - 1) / 2), after = Math.ceil((size - 1) / 2);
  const sq = reshape(mul(x, x), [n, 1, c, h * w]);
  const avg = avgPool2d(sq, { kernel: [size, 1], stride: 1, padding: [before, 0, after, 0], countIncludePad: true });
  const denom = addScalar(scale(reshape(avg, [n, c, h, w]), alpha), bias);
  return mul(x, exp(scale(log(denom), -beta)));
}

/** Strides in elements of a row-major shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** out = x read through permuted strides: the broadcasting kernel adding a stride-0 zero. */
function permuteKernel(x: Tensor, perm: readonly number[]): Tensor {
  const outShape = perm.map((p) => x.shape[p]!);
  const xs = stridesOf(x.shape);
  const out = Tensor.empty(outShape);
  const zero = Tensor.zeros([1]);
  const { shape: dims, strides } = collapseDims(outShape, [perm.map((p) => xs[p]!), perm.map(() => 0)]);
  const desc = writeDescriptor([dims.length, ...dims, ...strides[0]!, ...strides[1]!]);
  parallel('f32_binary', [BinaryOp.Add, x.ptr, zero.ptr, out.ptr, desc], out.size, { grain: 16, minPerThread: 1 << 15 });
  zero.dispose();
  return out;
}

/**
 * Permutes axes: out.shape[i] = x.shape[perm[i]].
 * @example const nchw = transpose(nhwc, [0, 3, 1, 2]);
 */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  assertShape(perm.length === x.rank && [...perm].sort((a, b) => a - b).every((p, i) => p === i), () =>
    `transpose: perm [${perm.join(', ')}] is not a permutation of the ${x.rank} axes of [${x.shape.join(', ')}]`);
  const y = permuteKernel(x, perm);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return record(y, 'Transpose', [x], (dy) => [permuteKernel(dy, inverse)]);
}

/** Visits each element of `inner` and its offset in the padded tensor `outer`. */
function forEachPadded(inner: readonly number[], begins: readonly number[], outer: readonly number[], fn: (i: number, o: number) => void): void {
  const rank = inner.length;
  const os = stridesOf(outer);
  const lastLen = inner[rank - 1] ?? 1;
  const rows = sizeOf(inner) / Math.max(lastLen, 1);
  const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let r = 0, i = 0; r < rows; r++) {
    let o = 0;
    for (let d = 0; d < rank - 1; d++) o += (idx[d]! + begins[d]!) * os[d]!;
    o += begins[rank - 1]!;
    for (let j = 0; j < lastLen; j++) fn(i++, o + j);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d]! < inner[d]!) break;
      idx[d] = 0;
    }
  }
}

/**
 * Constant padding: `pads` is ONNX's [begin_0, …, begin_r−1, end_0, …, end_r−1], all ≥ 0.
 * @example const y = pad(x, [0, 0, 1, 1, 0, 0, 1, 1]); // one pixel round an NCHW map
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  const r = x.rank;
  assertShape(pads.length === 2 * r && pads.every((p) => Number.isInteger(p) && p >= 0), () =>
    `pad: pads [${pads.join(', ')}] must be ${2 * r} non-negative integers for [${x.shape.join(', ')}]`);
  const begins = pads.slice(0, r);
  const outShape = x.shape.map((d, i) => d + pads[i]! + pads[r + i]!);
  const y = Tensor.full(outShape, value);
  const xv = x.view(), yv = y.view();
  forEachPadded(x.shape, begins, outShape, (i, o) => { yv[o] = xv[i]!; });
  return record(y, 'Pad', [x], (dy) => {
    const dx = Tensor.empty(x.shape);
    const dxv = dx.view(), dyv = dy.view();
    forEachPadded(x.shape, begins, outShape, (i, o) => { dxv[i] = dyv[o]!; });
    return [dx];
  });
}

/**
 * Softmax (or log-softmax) along `axis`. `coerce2d` gives ONNX's rule before opset 13: the
 * input is read as a matrix [∏ dims before axis, ∏ dims from axis] and each row normalised.
 */
export function softmaxAxis(x: Tensor, axis: number, log = false, coerce2d = false): Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  assertShape(ax >= 0 && ax < x.rank, () => `softmax: axis ${axis} out of range for [${x.shape.join(', ')}]`);
  const f = log ? logSoftmax : softmax;
  if (coerce2d) {
    const rows = sizeOf(x.shape.slice(0, ax));
    return reshape(f(reshape(x, [rows, x.size / Math.max(rows, 1)])), x.shape);
  }
  if (ax === x.rank - 1) return f(x);
  const perm = [...Array(x.rank).keys()].filter((i) => i !== ax).concat(ax);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return transpose(f(transpose(x, perm)), inverse);
}
