// Scalar twin and test oracle of f32_batchnorm_bwd__simd128: same expansion, one element at a time.
import { planeOffset } from './f64-sum';

export function f32_batchnorm_bwd__scalar(
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
    let dbeta: f64 = 0, sumProd: f64 = 0;
    for (let img = 0; img < n; img++) {
      const off = planeOffset(img, c, ch, hw);
      for (let i = 0; i < hw; i++) {
        const o = off + (<usize>i << 2);
        const dy = load<f32>(dyPtr + o);
        dbeta += <f64>dy;
        sumProd += <f64>(dy * (load<f32>(xPtr + o) - mean));
      }
    }
    const dgamma = sumProd * <f64>invstd;
    store<f32>(dbetaPtr + co, <f32>dbeta);
    store<f32>(dgammaPtr + co, <f32>dgamma);
    if (m == 0) continue;
    const k = <f64>gamma * <f64>invstd / m;
    const a = gamma * invstd;
    const cg = <f32>(-k * <f64>invstd * dgamma);
    const cb = <f32>(-k * dbeta);
    for (let img = 0; img < n; img++) {
      const off = planeOffset(img, c, ch, hw);
      for (let i = 0; i < hw; i++) {
        const o = off + (<usize>i << 2);
        store<f32>(dxPtr + o, a * load<f32>(dyPtr + o) + cg * (load<f32>(xPtr + o) - mean) + cb);
      }
    }
  }
}
