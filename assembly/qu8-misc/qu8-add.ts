// Residual add of two uint8 tensors with their own scales and zero points, requantized:
//   y = clamp(nearest(((a - za)*sa + (b - zb)*sb) / sy) + zy, qmin, qmax)
// in float32, operation for operation what DequantizeLinear -> Add -> QuantizeLinear
// computes in an ONNX QDQ graph (so the result matches onnxruntime running that graph
// unfused). A fused ReLU is qmin = zy. Parallel over elements [start, end).
import { qu8Code4, qu8Narrow16, qu8Store1, QU8_OUT_U8 } from './qu8-epilogue';

// @ts-ignore: decorator
@inline function widen4(v: v128, lane: i32, zp: v128): v128 {
  // Lane group `lane` (0..3) of 16 codes as int32 minus the zero point.
  const h = lane < 2 ? i16x8.extend_low_i8x16_u(v) : i16x8.extend_high_i8x16_u(v);
  const w = (lane & 1) == 0 ? i32x4.extend_low_i16x8_u(h) : i32x4.extend_high_i16x8_u(h);
  return i32x4.sub(w, zp);
}

// @ts-ignore: decorator
@inline function add4(a: v128, b: v128, sa: v128, sb: v128, sy: v128, zy: v128, lo: v128, hi: v128): v128 {
  const s = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(a), sa), f32x4.mul(f32x4.convert_i32x4_s(b), sb));
  // Whole floats in [qmin, qmax] to int32 codes: the rounding add does it in two instructions
  // where a saturating conversion takes about eight.
  return qu8Code4(f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.nearest(f32x4.div(s, sy)), zy), lo), hi));
}

// @ts-ignore: decorator
@inline function add1(a: i32, b: i32, sa: f32, sb: f32, sy: f32, zy: f32, lo: f32, hi: f32): f32 {
  let v = nearest<f32>((<f32>a * sa + <f32>b * sb) / sy) + zy;
  v = v < lo ? lo : v;
  return hi < v ? hi : v;
}

/** y[i] for i in [start, end) as above; a, b, y uint8; qmin/qmax in [0, 255]. */
export function qu8_add__simd128(
  aPtr: usize, aScale: f32, aZeroPoint: i32, bPtr: usize, bScale: f32, bZeroPoint: i32,
  yPtr: usize, yScale: f32, yZeroPoint: i32, qmin: i32, qmax: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  const sa = f32x4.splat(aScale), sb = f32x4.splat(bScale), sy = f32x4.splat(yScale), zy = f32x4.splat(<f32>yZeroPoint);
  const za = i32x4.splat(aZeroPoint), zb = i32x4.splat(bZeroPoint);
  const lo = f32x4.splat(<f32>qmin), hi = f32x4.splat(<f32>qmax);
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const a = v128.load(aPtr + <usize>i), b = v128.load(bPtr + <usize>i);
    v128.store(yPtr + <usize>i, qu8Narrow16(
      add4(widen4(a, 0, za), widen4(b, 0, zb), sa, sb, sy, zy, lo, hi),
      add4(widen4(a, 1, za), widen4(b, 1, zb), sa, sb, sy, zy, lo, hi),
      add4(widen4(a, 2, za), widen4(b, 2, zb), sa, sb, sy, zy, lo, hi),
      add4(widen4(a, 3, za), widen4(b, 3, zb), sa, sb, sy, zy, lo, hi)));
  }
  for (; i < end; i++) {
    const a = <i32>load<u8>(aPtr + <usize>i) - aZeroPoint, b = <i32>load<u8>(bPtr + <usize>i) - bZeroPoint;
    qu8Store1(yPtr, <usize>i, add1(a, b, aScale, bScale, yScale, <f32>yZeroPoint, <f32>qmin, <f32>qmax), QU8_OUT_U8);
  }
}

/** Scalar twin of qu8_add__simd128. */
export function qu8_add__scalar(
  aPtr: usize, aScale: f32, aZeroPoint: i32, bPtr: usize, bScale: f32, bZeroPoint: i32,
  yPtr: usize, yScale: f32, yZeroPoint: i32, qmin: i32, qmax: i32, start: i32, end: i32, scratchPtr: usize,
): void {
  for (let i = start; i < end; i++) {
    const a = <i32>load<u8>(aPtr + <usize>i) - aZeroPoint, b = <i32>load<u8>(bPtr + <usize>i) - bZeroPoint;
    qu8Store1(yPtr, <usize>i, add1(a, b, aScale, bScale, yScale, <f32>yZeroPoint, <f32>qmin, <f32>qmax), QU8_OUT_U8);
  }
}
