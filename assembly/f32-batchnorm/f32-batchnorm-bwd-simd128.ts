// Training-mode batch-norm backward over NCHW, one channel at a time.
import { addLow, highHalf, hsum2, planeOffset } from './f64-sum';

/**
 * For channels [start, end), with M = n*hw and xhat = (x - mean) * invstd:
 *   dbeta = sum dy, dgamma = sum dy * xhat,
 *   dx = gamma * invstd / M * (M*dy - dbeta - xhat * dgamma).
 * The second line is expanded to dx = a*dy + cg*(x - mean) + cb so the inner loop is two
 * multiply-adds; keeping (x - mean) rather than folding mean into cb avoids cancelling
 * two large terms when the data sit far from zero.
 */
export function f32_batchnorm_bwd__simd128(
  xPtr: usize, dyPtr: usize, meanPtr: usize, invstdPtr: usize, gammaPtr: usize,
  dxPtr: usize, dgammaPtr: usize, dbetaPtr: usize, n: i32, c: i32, hw: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  const m = <f64>n * <f64>hw;
  for (let ch = start; ch < end; ch++) {
    const co = <usize>ch << 2;
    const mean = load<f32>(meanPtr + co);
    const invstd = load<f32>(invstdPtr + co);
    const gamma = load<f32>(gammaPtr + co);
    const meanV = f32x4.splat(mean);

    let dyLo = f64x2.splat(0), dyHi = f64x2.splat(0), pLo = f64x2.splat(0), pHi = f64x2.splat(0);
    let dyTail: f64 = 0, pTail: f64 = 0;
    for (let img = 0; img < n; img++) {
      const off = planeOffset(img, c, ch, hw);
      const xp = xPtr + off, dp = dyPtr + off;
      let i = 0;
      for (; i + 4 <= hw; i += 4) {
        const o = <usize>i << 2;
        const dy = v128.load(dp + o);
        const prod = f32x4.mul(dy, f32x4.sub(v128.load(xp + o), meanV));
        dyLo = addLow(dyLo, dy);
        dyHi = addLow(dyHi, highHalf(dy));
        pLo = addLow(pLo, prod);
        pHi = addLow(pHi, highHalf(prod));
      }
      for (; i < hw; i++) {
        const o = <usize>i << 2;
        const dy = load<f32>(dp + o);
        dyTail += <f64>dy;
        pTail += <f64>(dy * (load<f32>(xp + o) - mean));
      }
    }
    const dbeta = hsum2(dyLo, dyHi) + dyTail;
    const dgamma = (hsum2(pLo, pHi) + pTail) * <f64>invstd;
    store<f32>(dbetaPtr + co, <f32>dbeta);
    store<f32>(dgammaPtr + co, <f32>dgamma);
    if (m == 0) continue;

    const k = <f64>gamma * <f64>invstd / m;
    const a = gamma * invstd;
    const cg = <f32>(-k * <f64>invstd * dgamma);
    const cb = <f32>(-k * dbeta);
    const aV = f32x4.splat(a), cgV = f32x4.splat(cg), cbV = f32x4.splat(cb);
    for (let img = 0; img < n; img++) {
      const off = planeOffset(img, c, ch, hw);
      const xp = xPtr + off, dp = dyPtr + off, op = dxPtr + off;
      let i = 0;
      for (; i + 4 <= hw; i += 4) {
        const o = <usize>i << 2;
        const d = f32x4.sub(v128.load(xp + o), meanV);
        const r = f32x4.add(f32x4.add(f32x4.mul(aV, v128.load(dp + o)), f32x4.mul(cgV, d)), cbV);
        v128.store(op + o, r);
      }
      for (; i < hw; i++) {
        const o = <usize>i << 2;
        store<f32>(op + o, a * load<f32>(dp + o) + cg * (load<f32>(xp + o) - mean) + cb);
      }
    }
  }
}
