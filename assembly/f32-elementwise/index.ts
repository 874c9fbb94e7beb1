// Elementwise, broadcasting, reduction, softmax and cross-entropy kernels. The plain names
// are what src/ calls; each forwards to its __simd128 variant, whose __scalar twin is the
// test oracle (STYLE §4, §10). The op-code enums are exported so the compiled module
// carries them as globals (`UnaryOp.Relu`, ...), which the tests compare with
// src/kernels/op-codes.ts.
export { UnaryOp, BinaryOp } from './op-codes';
export * from './f32-unary-simd128';
export * from './f32-unary-scalar';
export * from './f32-binary-simd128';
export * from './f32-binary-scalar';
export * from './f32-reduce-sum-simd128';
export * from './f32-reduce-sum-scalar';
export * from './f32-softmax-rows-simd128';
export * from './f32-softmax-rows-scalar';
export * from './f32-softmax-xent-simd128';
export * from './f32-softmax-xent-scalar';
export * from './f32-argmax-rows-simd128';
export * from './f32-argmax-rows-scalar';
export * from './f32-copy-rows';

import { f32_unary__simd128, f32_unary_grad__simd128 } from './f32-unary-simd128';
import { f32_binary__simd128 } from './f32-binary-simd128';
import { f32_reduce_sum__simd128, f32_sum_rows__simd128, f32_sum_nchw_channels__simd128 } from './f32-reduce-sum-simd128';
import { f32_softmax_rows__simd128, f32_softmax_rows_grad__simd128 } from './f32-softmax-rows-simd128';
import { f32_softmax_xent__simd128 } from './f32-softmax-xent-simd128';
import { f32_argmax_rows__simd128 } from './f32-argmax-rows-simd128';

export function f32_unary(op: i32, xPtr: usize, yPtr: usize, alpha: f32, start: i32, end: i32, scratchPtr: usize): void {
  f32_unary__simd128(op, xPtr, yPtr, alpha, start, end, scratchPtr);
}

export function f32_unary_grad(op: i32, xPtr: usize, yPtr: usize, dyPtr: usize, dxPtr: usize, alpha: f32, start: i32, end: i32, scratchPtr: usize): void {
  f32_unary_grad__simd128(op, xPtr, yPtr, dyPtr, dxPtr, alpha, start, end, scratchPtr);
}

export function f32_binary(op: i32, aPtr: usize, bPtr: usize, outPtr: usize, descPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  f32_binary__simd128(op, aPtr, bPtr, outPtr, descPtr, start, end, scratchPtr);
}

export function f32_reduce_sum(inPtr: usize, outPtr: usize, descPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  f32_reduce_sum__simd128(inPtr, outPtr, descPtr, start, end, scratchPtr);
}

export function f32_sum_rows(xPtr: usize, outPtr: usize, rows: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  f32_sum_rows__simd128(xPtr, outPtr, rows, cols, start, end, scratchPtr);
}

export function f32_sum_nchw_channels(xPtr: usize, outPtr: usize, n: i32, c: i32, hw: i32, start: i32, end: i32, scratchPtr: usize): void {
  f32_sum_nchw_channels__simd128(xPtr, outPtr, n, c, hw, start, end, scratchPtr);
}

export function f32_softmax_rows(xPtr: usize, yPtr: usize, rows: i32, cols: i32, log: i32, start: i32, end: i32, scratchPtr: usize): void {
  f32_softmax_rows__simd128(xPtr, yPtr, rows, cols, log, start, end, scratchPtr);
}

export function f32_softmax_rows_grad(yPtr: usize, dyPtr: usize, dxPtr: usize, rows: i32, cols: i32, log: i32, start: i32, end: i32, scratchPtr: usize): void {
  f32_softmax_rows_grad__simd128(yPtr, dyPtr, dxPtr, rows, cols, log, start, end, scratchPtr);
}

export function f32_softmax_xent(xPtr: usize, labelsPtr: usize, lossPtr: usize, dxPtr: usize, rows: i32, cols: i32, smoothing: f32, gradScale: f32, start: i32, end: i32, scratchPtr: usize): void {
  f32_softmax_xent__simd128(xPtr, labelsPtr, lossPtr, dxPtr, rows, cols, smoothing, gradScale, start, end, scratchPtr);
}

export function f32_argmax_rows(xPtr: usize, outPtr: usize, rows: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  f32_argmax_rows__simd128(xPtr, outPtr, rows, cols, start, end, scratchPtr);
}
