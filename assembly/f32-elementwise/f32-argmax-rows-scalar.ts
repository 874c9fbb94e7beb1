// Scalar twin of f32_argmax_rows__simd128: one comparison per element, the test oracle.

export function f32_argmax_rows__scalar(xPtr: usize, outPtr: usize, rows: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let r = start; r < end; r++) {
    const xr = xPtr + (<usize>r * <usize>cols << 2);
    let idx = cols > 0 ? 0 : -1;
    let best: f32 = cols > 0 ? load<f32>(xr) : 0;
    for (let t = 1; t < cols; t++) {
      const v = load<f32>(xr + (<usize>t << 2));
      // Strict > keeps the first maximum; a NaN, once held, is never replaced.
      if (v > best || (v != v && best == best)) { best = v; idx = t; }
    }
    store<i32>(outPtr + (<usize>r << 2), idx);
  }
}
