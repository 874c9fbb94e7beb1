// Scalar twin and test oracle of f32_channel_affine__simd128.

export function f32_channel_affine__scalar(
  xPtr: usize, scalePtr: usize, shiftPtr: usize, yPtr: usize, n: i32, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  for (let p = start; p < end; p++) {
    const ch = p % c;
    const a = load<f32>(scalePtr + (<usize>ch << 2));
    const b = load<f32>(shiftPtr + (<usize>ch << 2));
    const base = (<usize>p * <usize>hw) << 2;
    for (let i = 0; i < hw; i++) {
      const o = base + (<usize>i << 2);
      store<f32>(yPtr + o, load<f32>(xPtr + o) * a + b);
    }
  }
}
