// Inference convolution (groups == 1) over weights prepacked once: per image, im2col (or,
// for a 1x1 stride-1 unpadded conv, the image itself) then the prepacked GEMM with bias
// and clamp fused. Threads split the batch; each image's work is independent.
// Scratch per thread: [ col: kg*oh*ow floats | prepacked-GEMM scratch ], both 64-aligned.
// The weights are the [oc x c*kh*kw] matrix (OIHW flattened) passed to
// f32_gemm_prepack_a(oc, c*kh*kw, w, c*kh*kw, out).
import { f32_im2col } from '../im2col/index';
import { f32_gemm_prepacked_core, f32_gemm_prepacked_scratch_bytes } from './f32-gemm-prepacked';

// @ts-ignore: decorator
@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

// @ts-ignore: decorator
@inline function isPointwise(kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32): bool {
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
}

/** Bytes of per-thread scratch f32_conv2d_prepacked needs. */
export function f32_conv2d_prepacked_scratch_bytes(c: i32, oc: i32, oh: i32, ow: i32, kh: i32, kw: i32): i32 {
  const kg = c * kh * kw;
  return <i32>(align64(<usize>kg * oh * ow * 4) + align64(<usize>f32_gemm_prepacked_scratch_bytes(oc, oh * ow, kg)));
}

/**
 * y[img] = clamp(conv(x[img], W) + bias, minV, maxV) for images [start, end), NCHW, with W
 * prepacked from its [oc x c*kh*kw] matrix; biasPtr == 0 for none. scratchPtr: 16-byte
 * aligned, f32_conv2d_prepacked_scratch_bytes(c, oc, oh, ow, kh, kw) long.
 */
export function f32_conv2d_prepacked(
  xPtr: usize, aPackedPtr: usize, biasPtr: usize, minV: f32, maxV: f32, yPtr: usize,
  n: i32, c: i32, h: i32, w: i32, oc: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const kg = c * kh * kw, ohw = oh * ow;
  const colPtr = scratchPtr;
  const gemmPtr = scratchPtr + align64(<usize>kg * ohw * 4);
  const pointwise = isPointwise(kh, kw, sh, sw, ph, pw);
  for (let img = start; img < min(end, n); img++) {
    const xi = xPtr + ((<usize>img * c * h * w) << 2);
    const yi = yPtr + ((<usize>img * oc * ohw) << 2);
    let col = colPtr;
    if (pointwise) col = xi;
    else f32_im2col(xi, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, colPtr);
    f32_gemm_prepacked_core(oc, ohw, kg, aPackedPtr, col, ohw, 0, biasPtr, minV, maxV, yi, ohw, 0, gemmPtr);
  }
}
