// float32 -> uint8 quantization, as ONNX QuantizeLinear: y = saturate(nearest(x / scale) + zp),
// parallel over elements [start, end). It divides by the scale rather than multiplying by
// its reciprocal, because x * (1/s) and x / s round differently on some inputs and
// onnxruntime divides. nearest is round half to even; NaN becomes 0 (the float-to-int
// conversion saturates, and NaN converts to 0), in both twins.
import { qu8NarrowFloats16, qu8Store1, QU8_OUT_U8 } from './qu8-epilogue';

// @ts-ignore: decorator
@inline function quantize4(x: v128, scale: v128, zp: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.nearest(f32x4.div(x, scale)), zp), lo), hi);
}

// @ts-ignore: decorator
@inline function quantize1(x: f32, scale: f32, zp: f32): f32 {
  let v = nearest<f32>(x / scale) + zp;
  v = v < 0 ? 0 : v;
  return <f32>255 < v ? <f32>255 : v;
}

/** y[i] = clamp(nearest(x[i] / scale) + zeroPoint, 0, 255) for i in [start, end); x float32, y uint8. */
export function qu8_quantize__simd128(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  const s = f32x4.splat(scale), zp = f32x4.splat(<f32>zeroPoint);
  const lo = f32x4.splat(0), hi = f32x4.splat(255);
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const x = xPtr + (<usize>i << 2);
    v128.store(yPtr + <usize>i, qu8NarrowFloats16(
      quantize4(v128.load(x), s, zp, lo, hi), quantize4(v128.load(x, 16), s, zp, lo, hi),
      quantize4(v128.load(x, 32), s, zp, lo, hi), quantize4(v128.load(x, 48), s, zp, lo, hi)));
  }
  for (; i < end; i++) qu8Store1(yPtr, <usize>i, quantize1(load<f32>(xPtr + (<usize>i << 2)), scale, <f32>zeroPoint), QU8_OUT_U8);
}

/** Scalar twin of qu8_quantize__simd128. */
export function qu8_quantize__scalar(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let i = start; i < end; i++) qu8Store1(yPtr, <usize>i, quantize1(load<f32>(xPtr + (<usize>i << 2)), scale, <f32>zeroPoint), QU8_OUT_U8);
}

/**
 * Fake quantization in float32, y[i] = (q(x[i]) − zeroPoint) · scale with q as qu8_quantize:
 * the value a uint8 grid holds, read back. The runtime keeps activations in float32 this way when
 * float kernels win every layer, so a quantized model pays one pass per quantization point
 * instead of a quantize and a dequantize around every layer. In place when xPtr == yPtr. A NaN
 * stays NaN, as in the trainer's fake quantization.
 */
export function qu8_fake_quantize__simd128(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  const s = f32x4.splat(scale), zp = f32x4.splat(<f32>zeroPoint);
  const lo = f32x4.splat(0), hi = f32x4.splat(255);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2;
    v128.store(yPtr + o, f32x4.mul(f32x4.sub(quantize4(v128.load(xPtr + o), s, zp, lo, hi), zp), s));
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(yPtr + o, (quantize1(load<f32>(xPtr + o), scale, <f32>zeroPoint) - <f32>zeroPoint) * scale);
  }
}

/** Scalar twin of qu8_fake_quantize__simd128. */
export function qu8_fake_quantize__scalar(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(yPtr + o, (quantize1(load<f32>(xPtr + o), scale, <f32>zeroPoint) - <f32>zeroPoint) * scale);
  }
}
