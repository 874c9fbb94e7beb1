// uint8 -> float32, as ONNX DequantizeLinear: y = f32(x - zp) * scale (x - zp is exact, so
// there is one rounding), parallel over elements [start, end).

/** y[i] = (x[i] - zeroPoint) * scale for i in [start, end); x uint8, y float32. */
export function qu8_dequantize__simd128(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  const s = f32x4.splat(scale), zp = i16x8.splat(<i16>zeroPoint);
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const v = v128.load(xPtr + <usize>i);
    // Codes and the zero point fit i16, so the subtraction is exact there.
    const lo = i16x8.sub(i16x8.extend_low_i8x16_u(v), zp), hi = i16x8.sub(i16x8.extend_high_i8x16_u(v), zp);
    const y = yPtr + (<usize>i << 2);
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(lo)), s));
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(lo)), s), 16);
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(hi)), s), 32);
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(hi)), s), 48);
  }
  for (; i < end; i++) store<f32>(yPtr + (<usize>i << 2), <f32>(<i32>load<u8>(xPtr + <usize>i) - zeroPoint) * scale);
}

/** Scalar twin of qu8_dequantize__simd128. */
export function qu8_dequantize__scalar(xPtr: usize, yPtr: usize, scale: f32, zeroPoint: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let i = start; i < end; i++) store<f32>(yPtr + (<usize>i << 2), <f32>(<i32>load<u8>(xPtr + <usize>i) - zeroPoint) * scale);
}
