// Index of each row's maximum (first one on ties), for accuracy. A row holding NaN yields
// its first NaN's index, as NumPy's argmax does. Range [start, end) counts rows.
import { rowMax__simd128 } from './f32-row-max';

export function f32_argmax_rows__simd128(xPtr: usize, outPtr: usize, rows: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  for (let r = start; r < end; r++) {
    const xr = xPtr + (<usize>r * <usize>cols << 2);
    // The SIMD max finds the value; a scan for its first occurrence then finds the index.
    const m = rowMax__simd128(xr, cols);
    let idx = -1;
    if (m == m) {
      const vm = f32x4.splat(m);
      let t = 0;
      for (; t + 4 <= cols; t += 4) {
        if (v128.any_true(f32x4.eq(v128.load(xr + (<usize>t << 2)), vm))) break;
      }
      for (; t < cols; t++) if (load<f32>(xr + (<usize>t << 2)) == m) { idx = t; break; }
    } else {
      for (let t = 0; t < cols; t++) {
        const v = load<f32>(xr + (<usize>t << 2));
        if (v != v) { idx = t; break; }
      }
    }
    store<i32>(outPtr + (<usize>r << 2), idx);
  }
}
