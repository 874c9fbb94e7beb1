// Scalar twin of f32_softmax_xent__simd128, written straight from the definition
// (log-softmax, then -sum t log p): the test oracle.
import { exp_f32, log_f32 } from './f32-math';
import { rowMax__scalar } from './f32-row-max';

export function f32_softmax_xent__scalar(xPtr: usize, labelsPtr: usize, lossPtr: usize, dxPtr: usize, rows: i32, cols: i32, smoothing: f32, gradScale: f32, start: i32, end: i32, scratchPtr: usize): void {
  const floor = smoothing / <f32>cols;
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = xPtr + off, dxr = dxPtr + off;
    const label = load<i32>(labelsPtr + (<usize>r << 2));
    const valid = label >= 0 && label < cols;
    const m = rowMax__scalar(xr, cols);
    let sum: f32 = 0;
    for (let t = 0; t < cols; t++) sum += exp_f32(load<f32>(xr + (<usize>t << 2)) - m);
    const lse = log_f32(sum);
    let loss: f32 = 0;
    for (let t = 0; t < cols; t++) {
      const logp = (load<f32>(xr + (<usize>t << 2)) - m) - lse;
      const target = (t == label ? <f32>1.0 - smoothing : <f32>0) + floor;
      if (target != 0) loss -= target * logp;
      if (dxPtr != 0) store<f32>(dxr + (<usize>t << 2), valid ? gradScale * (exp_f32(logp) - target) : NaN);
    }
    store<f32>(lossPtr + (<usize>r << 2), valid ? loss : NaN);
  }
}
