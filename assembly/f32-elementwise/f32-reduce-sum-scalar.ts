// Scalar twins of f32-reduce-sum-simd128.ts, one element at a time: the test oracles.

export function f32_reduce_sum__scalar(inPtr: usize, outPtr: usize, descPtr: usize, start: i32, end: i32, scratchPtr: usize): void {
  const rank = load<i32>(descPtr);
  const shapePtr = descPtr + 4;
  const oStrPtr = shapePtr + (<usize>rank << 2);
  for (let i = start; i < end; i++) {
    let rem = i, oOff = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const db = <usize>d << 2;
      const n = load<i32>(shapePtr + db);
      oOff += (rem % n) * load<i32>(oStrPtr + db);
      rem /= n;
    }
    const p = outPtr + (<usize>oOff << 2);
    store<f32>(p, load<f32>(p) + load<f32>(inPtr + (<usize>i << 2)));
  }
}

export function f32_sum_rows__scalar(xPtr: usize, outPtr: usize, rows: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let j = start; j < end; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += load<f32>(xPtr + (<usize>(i * cols + j) << 2));
    store<f32>(outPtr + (<usize>j << 2), s);
  }
}

export function f32_sum_nchw_channels__scalar(xPtr: usize, outPtr: usize, n: i32, c: i32, hw: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let ch = start; ch < end; ch++) {
    let s: f32 = 0;
    for (let b = 0; b < n; b++) {
      for (let t = 0; t < hw; t++) s += load<f32>(xPtr + (<usize>((b * c + ch) * hw + t) << 2));
    }
    store<f32>(outPtr + (<usize>ch << 2), s);
  }
}
