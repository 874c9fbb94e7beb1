// Pooling front door: the plain entry points the TypeScript side calls (parallel over
// [start, end) of the n*c planes), plus the scalar and simd128 twins.
import { f32_maxpool2d_fwd__simd128 } from './f32-maxpool2d-simd128';
import { f32_avgpool2d_fwd__simd128, f32_avgpool2d_bwd__simd128 } from './f32-avgpool2d-simd128';
import { f32_maxpool2d_bwd__scalar } from './f32-pool-scalar';
export { f32_maxpool2d_fwd__simd128 } from './f32-maxpool2d-simd128';
export { f32_avgpool2d_fwd__simd128, f32_avgpool2d_bwd__simd128 } from './f32-avgpool2d-simd128';
export {
  f32_maxpool2d_fwd__scalar, f32_maxpool2d_bwd__scalar, f32_avgpool2d_fwd__scalar, f32_avgpool2d_bwd__scalar,
} from './f32-pool-scalar';

/** Max over each window (padding never wins); argmax gets the winner's index in the h*w plane. */
export function f32_maxpool2d_fwd(
  xPtr: usize, yPtr: usize, argmaxPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_maxpool2d_fwd__simd128(xPtr, yPtr, argmaxPtr, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, start, end, scratchPtr);
}

/** Overwrites dx planes in range: zero, then each dy added at its argmax. */
export function f32_maxpool2d_bwd(
  dyPtr: usize, argmaxPtr: usize, dxPtr: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_maxpool2d_bwd__scalar(dyPtr, argmaxPtr, dxPtr, planes, h, w, oh, ow, start, end, scratchPtr);
}

/** Window mean; countIncludePad = 1 divides by kh*kw, 0 by the in-range taps (ONNX default). */
export function f32_avgpool2d_fwd(
  xPtr: usize, yPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  f32_avgpool2d_fwd__simd128(xPtr, yPtr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, countIncludePad, start, end, scratchPtr);
}

/** Overwrites dx planes in range with the average-pool gradient. */
export function f32_avgpool2d_bwd(
  dyPtr: usize, dxPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, countIncludePad: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  f32_avgpool2d_bwd__simd128(dyPtr, dxPtr, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, countIncludePad, start, end, scratchPtr);
}
