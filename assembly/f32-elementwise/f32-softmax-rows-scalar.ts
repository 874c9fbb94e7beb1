// Scalar twins of f32-softmax-rows-simd128.ts: the test oracles.
import { exp_f32, log_f32 } from './f32-math';
import { rowMax__scalar } from './f32-row-max';

export function f32_softmax_rows__scalar(xPtr: usize, yPtr: usize, rows: i32, cols: i32, log: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = xPtr + off, yr = yPtr + off;
    const m = rowMax__scalar(xr, cols);
    let sum: f32 = 0;
    for (let t = 0; t < cols; t++) sum += exp_f32(load<f32>(xr + (<usize>t << 2)) - m);
    const lse = log_f32(sum);
    for (let t = 0; t < cols; t++) {
      const z = load<f32>(xr + (<usize>t << 2)) - m;
      store<f32>(yr + (<usize>t << 2), log ? z - lse : exp_f32(z) / sum);
    }
  }
}

export function f32_softmax_rows_grad__scalar(yPtr: usize, dyPtr: usize, dxPtr: usize, rows: i32, cols: i32, log: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols << 2;
    const yr = yPtr + off, dyr = dyPtr + off, dxr = dxPtr + off;
    let s: f32 = 0;
    for (let t = 0; t < cols; t++) {
      const o = <usize>t << 2;
      s += log ? load<f32>(dyr + o) : load<f32>(dyr + o) * load<f32>(yr + o);
    }
    for (let t = 0; t < cols; t++) {
      const o = <usize>t << 2;
      const y = load<f32>(yr + o), dy = load<f32>(dyr + o);
      store<f32>(dxr + o, log ? dy - exp_f32(y) * s : y * (dy - s));
    }
  }
}
