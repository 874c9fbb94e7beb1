// Smallest kernels, used by the binding's self-check and by tensor fills.

/** Sets n floats at outPtr to value. */
export function f32_fill(outPtr: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(outPtr + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(outPtr + (<usize>i << 2), value);
}

/** Parallel-range form of f32_fill, used to test the thread pool: fills [start, end). */
export function f32_fill_range(outPtr: usize, value: f32, start: i32, end: i32, scratchPtr: usize): void {
  f32_fill(outPtr + (<usize>start << 2), end - start, value);
}

/** First byte past the module's static data; the TypeScript heap starts at or above it. */
export function heap_base(): usize {
  return __heap_base;
}
