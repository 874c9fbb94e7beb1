// 32-bit transpose, for the sparse linear kernels that run over a batch laid out feature-major
// (x^T [in][batch]) and write [out][batch]. Blocks of 4x4 keep both sides' cache lines in use.

/** out[j * ldOut + i] = in[i * ldIn + j] for rows i in [start, end), columns j < cols. */
export function x32_transpose(
  inPtr: usize, ldIn: i32, outPtr: usize, ldOut: i32, cols: i32,
  start: i32, end: i32, scratchPtr: usize,
): void {
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const r0 = inPtr + (<usize>i * ldIn << 2);
    const r1 = r0 + (<usize>ldIn << 2), r2 = r1 + (<usize>ldIn << 2), r3 = r2 + (<usize>ldIn << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const a = v128.load(r0 + (<usize>j << 2)), b = v128.load(r1 + (<usize>j << 2));
      const c = v128.load(r2 + (<usize>j << 2)), d = v128.load(r3 + (<usize>j << 2));
      const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5), cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
      const o = outPtr + ((<usize>j * ldOut + i) << 2);
      const ld = <usize>ldOut << 2;
      v128.store(o, i64x2.shuffle(ab0, cd0, 0, 2));
      v128.store(o + ld, i64x2.shuffle(ab0, cd0, 1, 3));
      v128.store(o + 2 * ld, i64x2.shuffle(ab1, cd1, 0, 2));
      v128.store(o + 3 * ld, i64x2.shuffle(ab1, cd1, 1, 3));
    }
    for (; j < cols; j++) {
      const o = outPtr + ((<usize>j * ldOut + i) << 2);
      store<u32>(o, load<u32>(r0 + (<usize>j << 2)));
      store<u32>(o + 4, load<u32>(r1 + (<usize>j << 2)));
      store<u32>(o + 8, load<u32>(r2 + (<usize>j << 2)));
      store<u32>(o + 12, load<u32>(r3 + (<usize>j << 2)));
    }
  }
  for (; i < end; i++) {
    for (let j = 0; j < cols; j++) {
      store<u32>(outPtr + ((<usize>j * ldOut + i) << 2), load<u32>(inPtr + ((<usize>i * ldIn + j) << 2)));
    }
  }
}
