// 8-bit 2-D convolution (groups == 1) over NCHW uint8 images as a uint8 im2col, padded with
// the activation zero point, then one int8 GEMM against the prepacked filter. Threads
// split the batch: each runs images [start, end) with its own scratch, laid out
//   [ col: K*oh*ow bytes | GEMM scratch (qu8_gemm_scratch_bytes(K)) ],  K = c*kh*kw.
// A 1x1, stride-1, unpadded conv reads the image itself as its column matrix.
import { qu8GemmRows, qu8_gemm_scratch_bytes } from './qu8-gemm-prepacked';
import { u8_im2col } from '../qu8-misc/u8-im2col';
import { QU8_OUT_F32 } from '../qu8-misc/qu8-epilogue';

// @ts-ignore: decorator
@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

/** Per-thread scratch bytes qu8_conv2d needs. */
export function qu8_conv2d_scratch_bytes(c: i32, oh: i32, ow: i32, kh: i32, kw: i32): i32 {
  const k = c * kh * kw;
  return <i32>(align64(<usize>k * <usize>(oh * ow)) + align64(<usize>qu8_gemm_scratch_bytes(k)));
}

/**
 * Images [start, end): y[img][o][oy][ox] = epilogue_o(sum over (ci, ki, kj) of
 * W[o][(ci*kh + ki)*kw + kj] * (x[img][ci][iy][ix] - xZeroPoint)), taps in the padding
 * counting as x = xZeroPoint (real 0). packedWPtr: qu8_gemm_pack_w(oc, c*kh*kw, ...) of the
 * [oc][c][kh][kw] codes. multiplier/offset: oc floats. y is uint8 (outKind 0) or float32 (1).
 * scratchPtr: qu8_conv2d_scratch_bytes(c, oh, ow, kh, kw) bytes, 16-byte aligned.
 */
export function qu8_conv2d(
  xPtr: usize, packedWPtr: usize, yPtr: usize,
  c: i32, h: i32, w: i32, oc: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  xZeroPoint: i32, multiplierPtr: usize, offsetPtr: usize, outKind: i32, clampLo: f32, clampHi: f32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const k = c * kh * kw, ohw = oh * ow;
  const colPtr = scratchPtr;
  const gemmPtr = scratchPtr + align64(<usize>k * <usize>ohw);
  const pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
  const shift: usize = outKind == QU8_OUT_F32 ? 2 : 0;
  for (let img = start; img < end; img++) {
    const xi = xPtr + <usize>img * <usize>(c * h * w);
    let col = colPtr;
    if (pointwise) col = xi;
    else u8_im2col(xi, c, h, w, w, h * w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, xZeroPoint, colPtr);
    const yi = yPtr + ((<usize>img * <usize>oc * <usize>ohw) << shift);
    qu8GemmRows(oc, ohw, k, packedWPtr, col, ohw, 0, xZeroPoint, multiplierPtr, offsetPtr, outKind,
      clampLo, clampHi, yi, ohw, 1, 0, oc, gemmPtr);
  }
}
