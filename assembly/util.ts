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

/**
 * Grows by nothing. Called right after TypeScript grows the shared memory: V8 tells an
 * instance about a shared memory's new size through an interrupt it may not have taken yet,
 * so a kernel called at once could trap on a block that lies past the size it still knows;
 * a grow executed inside the instance updates it at once. Returns the size in pages.
 */
export function memory_sync(): i32 {
  memory.grow(0);
  return <i32>memory.size();
}
