// Input standardization in double precision: y = f32((f64(x) − mean[ch]) · invStd[ch]), with
// mean and invStd as float64. That is the arithmetic of the training batches (JavaScript
// doubles rounded once), so a quantized input lands on exactly the grid codes the simulation
// saw; x · scale + shift in float32 (f32_channel_affine) differs in the last bit now and then,
// and one bit can move a code.

/** Planes [start, end) of n·c planes of hw values (plane p = img·c + ch); in place allowed. */
export function f32_standardize__simd128(
  xPtr: usize, meanPtr: usize, invStdPtr: usize, yPtr: usize, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const ch = <usize>(p % c);
    const m = load<f64>(meanPtr + (ch << 3)), k = load<f64>(invStdPtr + (ch << 3));
    const mv = f64x2.splat(m), kv = f64x2.splat(k);
    const x = xPtr + (<usize>p * <usize>hw << 2), y = yPtr + (<usize>p * <usize>hw << 2);
    let i = 0;
    for (; i + 4 <= hw; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), mv), kv));
      const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<u32>(v, v, 2, 3, 0, 1)), mv), kv));
      v128.store(y + (<usize>i << 2), v128.shuffle<u32>(lo, hi, 0, 1, 4, 5));
    }
    for (; i < hw; i++) store<f32>(y + (<usize>i << 2), <f32>((<f64>load<f32>(x + (<usize>i << 2)) - m) * k));
  }
}

/** Scalar twin of f32_standardize__simd128. */
export function f32_standardize__scalar(
  xPtr: usize, meanPtr: usize, invStdPtr: usize, yPtr: usize, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const ch = <usize>(p % c);
    const m = load<f64>(meanPtr + (ch << 3)), k = load<f64>(invStdPtr + (ch << 3));
    for (let i = 0; i < hw; i++) {
      const o = (<usize>p * <usize>hw + <usize>i) << 2;
      store<f32>(yPtr + o, <f32>((<f64>load<f32>(xPtr + o) - m) * k));
    }
  }
}
