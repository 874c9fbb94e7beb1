// Scalar twin and test oracle of f32_batchnorm_stats__simd128: same shifted two-pass
// algorithm, one element at a time.
import { planeOffset } from './f64-sum';

export function f32_batchnorm_stats__scalar(
  xPtr: usize, n: i32, c: i32, hw: i32, meanPtr: usize, varPtr: usize,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const m = <f64>n * <f64>hw;
  for (let ch = start; ch < end; ch++) {
    const outOffset = <usize>ch << 2;
    if (m == 0) {
      store<f32>(meanPtr + outOffset, 0);
      store<f32>(varPtr + outOffset, 0);
      continue;
    }
    let sum: f64 = 0;
    for (let img = 0; img < n; img++) {
      const p = xPtr + planeOffset(img, c, ch, hw);
      for (let i = 0; i < hw; i++) sum += <f64>load<f32>(p + (<usize>i << 2));
    }
    const shift = <f32>(sum / m);
    let s1: f64 = 0, s2: f64 = 0;
    for (let img = 0; img < n; img++) {
      const p = xPtr + planeOffset(img, c, ch, hw);
      for (let i = 0; i < hw; i++) {
        const d = <f64>(load<f32>(p + (<usize>i << 2)) - shift);
        s1 += d;
        s2 += d * d;
      }
    }
    const e1 = s1 / m;
    store<f32>(meanPtr + outOffset, <f32>(<f64>shift + e1));
    store<f32>(varPtr + outOffset, <f32>max<f64>(0, s2 / m - e1 * e1));
  }
}
