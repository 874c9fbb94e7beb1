// Global average pooling of uint8 planes, through the qu8 epilogue: per plane
//   acc = sum(x) - hw * zx  (exact int32 for hw < 2^23),  y = epilogue(acc)
// where the caller passes multiplier = sx / (sy * hw) and offset = zy to requantize the
// mean (outKind 0), or multiplier = sx / hw and offset = 0 to dequantize it (outKind 1).
// Parallel over planes [start, end) of the n*c planes; y holds one element per plane.
import { qu8Finish1, qu8Store1, qu8ClampLo, qu8ClampHi } from './qu8-epilogue';

/** Sum of n uint8 codes from p, 16 at a time with pairwise widening adds. */
// @ts-ignore: decorator
@inline function sumCodes(p: usize, n: i32): i32 {
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(v128.load(p + <usize>i))));
  }
  let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += <i32>load<u8>(p + <usize>i);
  return s;
}

/** y[p] = epilogue(sum of plane p - hw * xZeroPoint) for planes p in [start, end). */
export function qu8_global_avgpool__simd128(
  xPtr: usize, planes: i32, hw: i32, xZeroPoint: i32, multiplier: f32, offset: f32,
  outKind: i32, clampLo: f32, clampHi: f32, yPtr: usize, start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const acc = sumCodes(xPtr + <usize>p * <usize>hw, hw) - hw * xZeroPoint;
    qu8Store1(yPtr, <usize>p, qu8Finish1(acc, multiplier, offset, qu8ClampLo(clampLo, outKind), qu8ClampHi(clampHi, outKind), outKind), outKind);
  }
}

/** Scalar twin of qu8_global_avgpool__simd128. */
export function qu8_global_avgpool__scalar(
  xPtr: usize, planes: i32, hw: i32, xZeroPoint: i32, multiplier: f32, offset: f32,
  outKind: i32, clampLo: f32, clampHi: f32, yPtr: usize, start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const x = xPtr + <usize>p * <usize>hw;
    let s = 0;
    for (let i = 0; i < hw; i++) s += <i32>load<u8>(x + <usize>i);
    qu8Store1(yPtr, <usize>p, qu8Finish1(s - hw * xZeroPoint, multiplier, offset, qu8ClampLo(clampLo, outKind), qu8ClampHi(clampHi, outKind), outKind), outKind);
  }
}
