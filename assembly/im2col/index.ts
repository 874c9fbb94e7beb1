// im2col family front door: the plain entry points the TypeScript side calls, plus the
// scalar and simd128 twins so tests can hold one against the other.
import { f32_im2col__simd128, f32_col2im__simd128 } from './f32-im2col-simd128';
export { f32_im2col__simd128, f32_col2im__simd128 } from './f32-im2col-simd128';
export { f32_im2col__scalar, f32_col2im__scalar } from './f32-im2col-scalar';

/** One image's x[c][h][w] -> col[c*kh*kw][oh*ow]; out-of-range taps read 0. */
export function f32_im2col(
  xPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, colPtr: usize,
): void {
  f32_im2col__simd128(xPtr, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, colPtr);
}

/** Adjoint of f32_im2col: accumulates col into x (the caller zeroes x); padding taps drop. */
export function f32_col2im(
  colPtr: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, xPtr: usize,
): void {
  f32_col2im__simd128(colPtr, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, xPtr);
}

/** f32_im2col for images [start, end) of a batch: image i reads x + i*xStride, writes col + i*colStride (floats). */
export function f32_im2col_batch(
  xPtr: usize, xStride: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, colPtr: usize, colStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let i = start; i < end; i++) {
    f32_im2col__simd128(xPtr + ((<usize>i * xStride) << 2), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, colPtr + ((<usize>i * colStride) << 2));
  }
}
