// Depthwise convolution front door: the plain entry points the TypeScript side calls
// (parallel over [start, end) as the pool expects), plus the scalar and simd128 twins.
import { f32_dwconv2d_fwd__simd128, f32_dwconv2d_bwd_data__simd128 } from './f32-dwconv-simd128';
import { f32_dwconv2d_bwd_filter__simd128 } from './f32-dwconv-bwd-filter-simd128';
export { f32_dwconv2d_fwd__simd128, f32_dwconv2d_bwd_data__simd128 } from './f32-dwconv-simd128';
export { f32_dwconv2d_bwd_filter__simd128 } from './f32-dwconv-bwd-filter-simd128';
export { f32_dwconv2d_fwd__scalar, f32_dwconv2d_bwd_data__scalar, f32_dwconv2d_bwd_filter__scalar } from './f32-dwconv-scalar';

/** y[img][ci*mult+j] = x[img][ci] (*) w[ci*mult+j] + bias; range over the n*c input planes. */
export function f32_dwconv2d_fwd(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_dwconv2d_fwd__simd128(xPtr, wPtr, biasPtr, yPtr, n, c, h, w, mult, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, start, end, scratchPtr);
}

/** Overwrites dx planes in [start, end) of the n*c input planes with the data gradient. */
export function f32_dwconv2d_bwd_data(
  dyPtr: usize, wPtr: usize, dxPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_dwconv2d_bwd_data__simd128(dyPtr, wPtr, dxPtr, n, c, h, w, mult, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, start, end, scratchPtr);
}

/** Overwrites dw (and db when dbPtr != 0) for input channels in [start, end), summed over images. */
export function f32_dwconv2d_bwd_filter(
  xPtr: usize, dyPtr: usize, dwPtr: usize, dbPtr: usize, n: i32, c: i32, h: i32, w: i32, mult: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  f32_dwconv2d_bwd_filter__simd128(xPtr, dyPtr, dwPtr, dbPtr, n, c, h, w, mult, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, start, end, scratchPtr);
}
