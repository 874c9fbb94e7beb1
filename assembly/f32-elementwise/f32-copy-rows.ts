// Strided row copies for concat, split and reshape. Range [start, end) counts rows.

/** Copies rows [start, end) of `cols` floats each, row r from src + r*srcStride to dst + r*dstStride. */
export function f32_copy_rows(srcPtr: usize, srcStride: i32, dstPtr: usize, dstStride: i32, cols: i32, start: i32, end: i32, scratchPtr: usize): void {
  if (start >= end || cols <= 0) return;
  if (srcStride == cols && dstStride == cols) {
    // Both sides packed: the whole range is one block.
    const off = <usize>start * <usize>cols << 2;
    memory.copy(dstPtr + off, srcPtr + off, <usize>(end - start) * <usize>cols << 2);
    return;
  }
  const bytes = <usize>cols << 2;
  for (let r = start; r < end; r++) {
    memory.copy(dstPtr + (<usize>r * <usize>dstStride << 2), srcPtr + (<usize>r * <usize>srcStride << 2), bytes);
  }
}
