// Per-channel batch statistics over NCHW, f32x4 loads with f64 accumulation.
import { addLow, highHalf, hsum2, planeOffset } from './f64-sum';

/**
 * Writes the mean and biased variance of channels [start, end) over all n*hw values.
 *
 * Two passes: the first finds a shift (the mean rounded to f32); the second sums
 * d = x - shift and d*d in f64 and corrects with var = E[d^2] - E[d]^2. Data far from
 * zero (1000 +- 0.01) would cancel catastrophically in a one-pass E[x^2] - E[x]^2; with
 * the shift, d is computed exactly (Sterbenz) for such data and the correction term is tiny.
 */
export function f32_batchnorm_stats__simd128(
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
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    let tail: f64 = 0;
    for (let img = 0; img < n; img++) {
      const p = xPtr + planeOffset(img, c, ch, hw);
      let i = 0;
      for (; i + 4 <= hw; i += 4) {
        const v = v128.load(p + (<usize>i << 2));
        lo = addLow(lo, v);
        hi = addLow(hi, highHalf(v));
      }
      for (; i < hw; i++) tail += <f64>load<f32>(p + (<usize>i << 2));
    }
    const shift = <f32>((hsum2(lo, hi) + tail) / m);
    const shiftV = f32x4.splat(shift);

    let s1lo = f64x2.splat(0), s1hi = f64x2.splat(0), s2lo = f64x2.splat(0), s2hi = f64x2.splat(0);
    let t1: f64 = 0, t2: f64 = 0;
    for (let img = 0; img < n; img++) {
      const p = xPtr + planeOffset(img, c, ch, hw);
      let i = 0;
      for (; i + 4 <= hw; i += 4) {
        const d = f32x4.sub(v128.load(p + (<usize>i << 2)), shiftV);
        const dl = f64x2.promote_low_f32x4(d);
        const dh = f64x2.promote_low_f32x4(highHalf(d));
        s1lo = f64x2.add(s1lo, dl);
        s1hi = f64x2.add(s1hi, dh);
        s2lo = f64x2.add(s2lo, f64x2.mul(dl, dl));
        s2hi = f64x2.add(s2hi, f64x2.mul(dh, dh));
      }
      for (; i < hw; i++) {
        const d = <f64>(load<f32>(p + (<usize>i << 2)) - shift);
        t1 += d;
        t2 += d * d;
      }
    }
    const e1 = (hsum2(s1lo, s1hi) + t1) / m;
    const e2 = (hsum2(s2lo, s2hi) + t2) / m;
    store<f32>(meanPtr + outOffset, <f32>(<f64>shift + e1));
    store<f32>(varPtr + outOffset, <f32>max<f64>(0, e2 - e1 * e1));
  }
}
