// Softmax and log-softmax over the last dim of a rows x cols matrix, and their backward
// passes. Stable: exponents are taken of x - max(row), so they never overflow and the
// largest term is exactly 1. Range [start, end) counts rows.
import { exp_f32, exp_f32x4, log_f32 } from './f32-math';
import { rowMax__simd128 } from './f32-row-max';

/** log = 0: y = softmax(x); log = 1: y = log_softmax(x) = x - max - log(sum exp(x - max)). */
export function f32_softmax_rows__simd128(xPtr: usize, yPtr: usize, rows: i32, cols: i32, log: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols << 2;
    const xr = xPtr + off, yr = yPtr + off;
    const m = rowMax__simd128(xr, cols);
    const vm = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let tail: f32 = 0;
    let t = 0;
    // Softmax keeps each exponential in y for the scaling pass; log-softmax only needs the sum.
    for (; t + 4 <= cols; t += 4) {
      const o = <usize>t << 2;
      const e = exp_f32x4(f32x4.sub(v128.load(xr + o), vm));
      if (!log) v128.store(yr + o, e);
      acc = f32x4.add(acc, e);
    }
    for (; t < cols; t++) {
      const o = <usize>t << 2;
      const e = exp_f32(load<f32>(xr + o) - m);
      if (!log) store<f32>(yr + o, e);
      tail += e;
    }
    const sum = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)) + tail;
    if (!log) {
      const inv: f32 = <f32>1.0 / sum;
      const vi = f32x4.splat(inv);
      t = 0;
      for (; t + 4 <= cols; t += 4) {
        const o = <usize>t << 2;
        v128.store(yr + o, f32x4.mul(v128.load(yr + o), vi));
      }
      for (; t < cols; t++) store<f32>(yr + (<usize>t << 2), load<f32>(yr + (<usize>t << 2)) * inv);
    } else {
      const lse = log_f32(sum);
      const vl = f32x4.splat(lse);
      t = 0;
      for (; t + 4 <= cols; t += 4) {
        const o = <usize>t << 2;
        v128.store(yr + o, f32x4.sub(f32x4.sub(v128.load(xr + o), vm), vl));
      }
      for (; t < cols; t++) store<f32>(yr + (<usize>t << 2), (load<f32>(xr + (<usize>t << 2)) - m) - lse);
    }
  }
}

/** Dot product of two rows (or the plain sum when bPtr is 0). */
@inline function rowDot(aPtr: usize, bPtr: usize, cols: i32): f32 {
  let acc = f32x4.splat(0);
  let s: f32 = 0;
  let t = 0;
  if (bPtr == 0) {
    for (; t + 4 <= cols; t += 4) acc = f32x4.add(acc, v128.load(aPtr + (<usize>t << 2)));
    for (; t < cols; t++) s += load<f32>(aPtr + (<usize>t << 2));
  } else {
    for (; t + 4 <= cols; t += 4) {
      const o = <usize>t << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(aPtr + o), v128.load(bPtr + o)));
    }
    for (; t < cols; t++) s += load<f32>(aPtr + (<usize>t << 2)) * load<f32>(bPtr + (<usize>t << 2));
  }
  return (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)) + s;
}

/**
 * Given the forward output y: softmax dx = y * (dy - sum(dy * y)); log-softmax
 * dx = dy - exp(y) * sum(dy). dx may alias dy.
 */
export function f32_softmax_rows_grad__simd128(yPtr: usize, dyPtr: usize, dxPtr: usize, rows: i32, cols: i32, log: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let r = start; r < end; r++) {
    const off = <usize>r * <usize>cols << 2;
    const yr = yPtr + off, dyr = dyPtr + off, dxr = dxPtr + off;
    let t = 0;
    if (!log) {
      const dot = rowDot(dyr, yr, cols);
      const vd = f32x4.splat(dot);
      for (; t + 4 <= cols; t += 4) {
        const o = <usize>t << 2;
        v128.store(dxr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(dyr + o), vd)));
      }
      for (; t < cols; t++) {
        const o = <usize>t << 2;
        store<f32>(dxr + o, load<f32>(yr + o) * (load<f32>(dyr + o) - dot));
      }
    } else {
      const sdy = rowDot(dyr, 0, cols);
      const vs = f32x4.splat(sdy);
      for (; t + 4 <= cols; t += 4) {
        const o = <usize>t << 2;
        v128.store(dxr + o, f32x4.sub(v128.load(dyr + o), f32x4.mul(exp_f32x4(v128.load(yr + o)), vs)));
      }
      for (; t < cols; t++) {
        const o = <usize>t << 2;
        store<f32>(dxr + o, load<f32>(dyr + o) - exp_f32(load<f32>(yr + o)) * sdy);
      }
    }
  }
}
