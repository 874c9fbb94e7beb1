// The qu8-misc family's front door: the 8-bit runtime's small kernels, each parallel over
// [start, end) of elements or planes, with their scalar twins; the uint8 im2col the
// int8 convolution uses; and (not exported to TypeScript) the epilogue shared by every
// qu8 kernel, qu8-epilogue.ts.
import { u8_maxpool2d__simd128 } from './u8-maxpool2d-simd128';
import { qu8_quantize__simd128, qu8_fake_quantize__simd128 } from './qu8-quantize';
import { qu8_dequantize__simd128 } from './qu8-dequantize';
import { qu8_add__simd128 } from './qu8-add';
import { qu8_global_avgpool__simd128 } from './qu8-global-avgpool';
export { u8_maxpool2d__simd128 } from './u8-maxpool2d-simd128';
export { u8_maxpool2d__scalar } from './u8-maxpool2d-scalar';
export { qu8_quantize__simd128, qu8_quantize__scalar, qu8_fake_quantize__simd128, qu8_fake_quantize__scalar } from './qu8-quantize';
export { qu8_dequantize__simd128, qu8_dequantize__scalar } from './qu8-dequantize';
export { qu8_add__simd128, qu8_add__scalar } from './qu8-add';
export { qu8_global_avgpool__simd128, qu8_global_avgpool__scalar } from './qu8-global-avgpool';
export { u8_im2col, u8_im2col__simd128, u8_im2col__scalar } from './u8-im2col';
export { u8_pad2d_phases, u8_pad2d_phases__simd128, u8_pad2d_phases__scalar, u8_pad2d_phases_scratch_bytes } from './u8-pad2d-phases';
import { u8_im2col__simd128 } from './u8-im2col';
import { QU8_ADD_PARAM_BYTES, qu8AddParams } from './qu8-epilogue';

/**
 * u8_im2col for images [start, end): image i reads xPtr + i*xStride (rows xRowStride, planes
 * xPlaneStride apart) and writes colPtr + i*colStride (bytes).
 */
export function u8_im2col_batch(
  xPtr: usize, xStride: i32, c: i32, h: i32, w: i32, xRowStride: i32, xPlaneStride: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, zeroPoint: i32, colPtr: usize, colStride: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let i = start; i < end; i++) {
    u8_im2col__simd128(xPtr + <usize>i * <usize>xStride, c, h, w, xRowStride, xPlaneStride, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, zeroPoint,
      colPtr + <usize>i * <usize>colStride);
  }
}

/** Max over each window of uint8 planes [start, end) (geometry as f32_maxpool2d_fwd, no argmax). */
export function u8_maxpool2d(
  xPtr: usize, yPtr: usize, planes: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  u8_maxpool2d__simd128(xPtr, yPtr, planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, start, end, scratchPtr);
}

/** float32 -> uint8 for elements [start, end): clamp(nearest(x / scale) + zeroPoint, 0, 255). */
export function qu8_quantize(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  qu8_quantize__simd128(xPtr, yPtr, scale, zeroPoint, start, end, scratchPtr);
}

/** float32 -> float32 on a uint8 grid for elements [start, end): (quantize(x) - zeroPoint) * scale; in place allowed. */
export function qu8_fake_quantize(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  qu8_fake_quantize__simd128(xPtr, yPtr, scale, zeroPoint, start, end, scratchPtr);
}

/** uint8 -> float32 for elements [start, end): (x - zeroPoint) * scale. */
export function qu8_dequantize(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  qu8_dequantize__simd128(xPtr, yPtr, scale, zeroPoint, start, end, scratchPtr);
}

/** Elements [start, end): clamp(nearest(((a - za)*sa + (b - zb)*sb) / sy) + zy, qmin, qmax). */
export function qu8_add(
  aPtr: usize, aScale: f32, aZeroPoint: i32, bPtr: usize, bScale: f32, bZeroPoint: i32,
  yPtr: usize, yScale: f32, yZeroPoint: i32, qmin: i32, qmax: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  qu8_add__simd128(aPtr, aScale, aZeroPoint, bPtr, bScale, bZeroPoint, yPtr, yScale, yZeroPoint, qmin, qmax, start, end, scratchPtr);
}

/** Bytes of the block qu8_add_params writes. */
export function qu8_add_params_bytes(): i32 {
  return QU8_ADD_PARAM_BYTES;
}

/**
 * Writes the constants of a residual add fused into a qu8 kernel (qu8_spmm_add) at ptr: the
 * conv's grid range in output steps ([convLo, convHi]), and b's codes to output steps,
 * f32(b) * bMult + bOffset (see qu8FinishAdd4).
 */
export function qu8_add_params(ptr: usize, convLo: f32, convHi: f32, bMult: f32, bOffset: f32): void {
  qu8AddParams(ptr, convLo, convHi, bMult, bOffset);
}

/** Planes [start, end): y[p] = epilogue(sum(x_p) - hw * xZeroPoint), see qu8-global-avgpool.ts. */
export function qu8_global_avgpool(
  xPtr: usize, planes: i32, hw: i32, xZeroPoint: i32, multiplier: f32, offset: f32,
  outKind: i32, clampLo: f32, clampHi: f32, yPtr: usize, start: i32, end: i32, scratchPtr: usize,
): void {
  qu8_global_avgpool__simd128(xPtr, planes, hw, xZeroPoint, multiplier, offset, outKind, clampLo, clampHi, yPtr, start, end, scratchPtr);
}
