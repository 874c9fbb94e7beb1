// Test buffers on the kernels' heap: copy in, read back, free.
import { wasm } from '../../src/kernels/index.js';

/** Copies `data` into a fresh heap block (int32 when `i32`, else float32); returns its offset. */
export function put(data: ArrayLike<number>, i32 = false): number {
  const heap = wasm().heap;
  const ptr = heap.alloc(Math.max(1, data.length) * 4);
  (i32 ? heap.i32(ptr, data.length) : heap.f32(ptr, data.length)).set(Array.from(data));
  return ptr;
}

/** A copy of n floats at ptr. */
export const read = (ptr: number, n: number): Float32Array => wasm().heap.f32(ptr, n).slice();

export const free = (...ptrs: number[]): void => ptrs.forEach((p) => wasm().heap.free(p));
