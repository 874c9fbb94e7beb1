// Batch-norm inference (and the forward's normalize step): y = x * scale[ch] + shift[ch].

/** Planes [start, end) of an NCHW tensor, plane p = img*c + ch. y may alias x. */
export function f32_channel_affine__simd128(
  xPtr: usize, scalePtr: usize, shiftPtr: usize, yPtr: usize, n: i32, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const ch = p % c;
    const a = load<f32>(scalePtr + (<usize>ch << 2));
    const b = load<f32>(shiftPtr + (<usize>ch << 2));
    const av = f32x4.splat(a), bv = f32x4.splat(b);
    const base = (<usize>p * <usize>hw) << 2;
    const xp = xPtr + base, yp = yPtr + base;
    let i = 0;
    for (; i + 4 <= hw; i += 4) {
      const o = <usize>i << 2;
      v128.store(yp + o, f32x4.add(f32x4.mul(v128.load(xp + o), av), bv));
    }
    for (; i < hw; i++) {
      const o = <usize>i << 2;
      store<f32>(yp + o, load<f32>(xp + o) * a + b);
    }
  }
}
