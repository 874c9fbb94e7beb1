/**
 * Thin typed entry points over the kernel module: a direct call, a parallel call over a
 * split dimension, and per-thread scratch that grows and is reused.
 */
import { wasm } from './runtime.js';

/** Calls a kernel on the calling thread. */
export function call(name: string, ...args: number[]): number {
  const fn = wasm().kernels[name];
  if (fn === undefined) throw new Error(`kernels: no export named ${name}`);
  return fn(...args);
}

export interface ParallelOptions {
  /** Slice bounds are multiples of this. */
  grain?: number;
  /** Below this many units per thread, the call stays on one thread. */
  minPerThread?: number;
  /** Per-thread scratch bytes the kernel needs. */
  scratchBytes?: number;
}

/** Runs `name(...args, start, end, scratchPtr)` over [0, total) on the thread pool. */
export function parallel(name: string, args: readonly number[], total: number, opts: ParallelOptions = {}): void {
  const rt = wasm();
  const scratchPtrs = opts.scratchBytes ? threadScratch(opts.scratchBytes) : undefined;
  rt.pool.run(name, args, total, { grain: opts.grain ?? 1, minPerThread: opts.minPerThread ?? 1, scratchPtrs });
}

let scratch: { bytes: number; ptrs: number[] } | undefined;

/** One scratch block per thread, at least `bytes` long each; reused across calls. */
export function threadScratch(bytes: number): number[] {
  const rt = wasm();
  const threads = rt.pool.threads;
  if (scratch === undefined || scratch.bytes < bytes || scratch.ptrs.length !== threads) {
    scratch?.ptrs.forEach((p) => rt.heap.free(p));
    const size = Math.max(bytes, (scratch?.bytes ?? 0));
    scratch = { bytes: size, ptrs: Array.from({ length: threads }, () => rt.heap.alloc(size)) };
  }
  return scratch.ptrs;
}

let descPtr = 0;
/** A small reusable block for shape/stride descriptors (i32s). */
export function writeDescriptor(values: readonly number[]): number {
  const rt = wasm();
  if (descPtr === 0) descPtr = rt.heap.alloc(256 * 4);
  if (values.length > 256) throw new Error(`kernels: descriptor of ${values.length} ints exceeds 256`);
  rt.heap.i32(descPtr, values.length).set(values);
  return descPtr;
}
