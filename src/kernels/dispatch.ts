/**
 * Typed entry points over the kernel module: a direct call, a parallel call over a split
 * dimension, and per-thread scratch that grows and is reused. The kernels are built without
 * bounds checks, so a call with the wrong arguments would write anywhere: `call` and
 * `parallel` take their parameter tuples from kernel-signatures.ts, which
 * scripts/gen-kernel-types.mjs generates from the AssemblyScript sources, so a wrong name
 * or argument count is a compile error.
 */
import { wasm } from './runtime.js';
import type { KernelName, KernelParams, KernelResults, ParallelKernelName, ParallelKernelParams } from './kernel-signatures.js';

/**
 * Calls a kernel on the calling thread.
 * @example const bytes = call('f32_gemm_prepack_a_bytes', rows, k);
 */
export function call<K extends KernelName>(name: K, ...args: KernelParams[K]): KernelResults[K] {
  const fn = wasm().kernels[name];
  if (fn === undefined) throw new Error(`kernels: no export named ${name}`);
  return fn(...(args as number[])) as KernelResults[K];
}

export interface ParallelOptions {
  /** Slice bounds are multiples of this. */
  grain?: number;
  /** Below this many units per thread, the call stays on one thread. */
  minPerThread?: number;
  /** Per-thread scratch bytes the kernel needs. */
  scratchBytes?: number;
}

/**
 * Runs `name(...args, start, end, scratchPtr)` over [0, total) on the thread pool; `args`
 * are the kernel's parameters without that trailing three.
 * @example parallel('f32_argmax_rows', [logits.ptr, out.ptr, rows, cols], rows, { minPerThread: 256 });
 */
export function parallel<K extends ParallelKernelName>(
  name: K, args: ParallelKernelParams[K], total: number, opts: ParallelOptions = {},
): void {
  const rt = wasm();
  const scratchPtrs = opts.scratchBytes ? threadScratch(opts.scratchBytes) : undefined;
  rt.pool.run(name, args as readonly number[], total, { grain: opts.grain ?? 1, minPerThread: opts.minPerThread ?? 1, scratchPtrs });
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
