/**
 * Typed entry points over the kernel module: a direct call, a parallel call over a split
 * dimension, and per-thread scratch that grows and is reused. The kernels are built without
 * bounds checks, so a call with the wrong arguments would write anywhere: `call` and
 * `parallel` take their parameter tuples from kernel-signatures.ts, which
 * scripts/gen-kernel-types.mjs generates from the AssemblyScript sources, so a wrong name
 * or argument count is a compile error.
 */
import { wasm } from './runtime.js';
import { encodeProgram, programLayout, type EncodedCall } from './pool-program.js';
import type { ThreadPool } from './pool.js';
import type { KernelName, KernelParams, KernelResults, ParallelKernelName, ParallelKernelParams } from './kernel-signatures.js';

/**
 * Calls a kernel on the calling thread.
 * @example const bytes = call('f32_gemm_prepack_a_bytes', rows, k);
 */
export function call<K extends KernelName>(name: K, ...args: KernelParams[K]): KernelResults[K] {
  const fn = wasm().kernels[name];
  if (fn === undefined) throw new Error(`kernels: no export named ${name}`);
  // What a direct call returns may steer the calls after it, which a replay would not see.
  if (recording !== null) recording.unreplayable ??= name;
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
  const grain = opts.grain ?? 1, minPerThread = opts.minPerThread ?? 1;
  rt.pool.run(name, args as readonly number[], total, { grain, minPerThread, scratchPtrs });
  recording?.calls.push({ name, args: [...(args as readonly number[])], total, grain, minPerThread, scratchBytes: opts.scratchBytes ?? 0 });
}

interface RecordedCall {
  name: string;
  args: number[];
  total: number;
  grain: number;
  minPerThread: number;
  scratchBytes: number;
}

interface Recording {
  calls: RecordedCall[];
  /** Heap blocks the program will own (descriptors, scratch, its encoding). */
  owned: number[];
  /** The first direct call, which makes the recording unusable. */
  unreplayable?: string;
}

let recording: Recording | null = null;
let programIds = 0;

/**
 * The parallel calls of a computation that repeats exactly (a session's run at one batch
 * size), recorded once and then replayed by the pool as one job: see pool-program.ts.
 * Arguments, slices and scratch are fixed when recorded, so everything they point to must
 * stay where it is; the program owns its scratch and descriptors.
 * @example
 * const program = KernelProgram.record(() => steps.forEach((s) => s.run(n))); // runs them once
 * program?.run(); // runs the same calls again
 */
export class KernelProgram {
  private ptr: number;

  private constructor(private readonly pool: ThreadPool, ptr: number, private readonly owned: number[], private readonly names: string[]) {
    this.ptr = ptr;
  }

  /**
   * Runs `body`, recording its parallel calls. Returns null, after running it, when it cannot
   * be replayed: it made a direct kernel call, or a recording is already under way.
   * `threads` (default: the pool's) is how many threads the replay splits each call over; a
   * one-thread program runs beside others with `runPerThread`.
   */
  static record(body: () => void, opts: { threads?: number } = {}): KernelProgram | null {
    if (recording !== null) {
      body();
      return null;
    }
    const rec: Recording = { calls: [], owned: [] };
    recording = rec;
    try {
      body();
    } catch (e) {
      rec.owned.forEach((p) => wasm().heap.free(p));
      throw e;
    } finally {
      recording = null;
    }
    const rt = wasm();
    if (rec.unreplayable !== undefined) {
      rec.owned.forEach((p) => rt.heap.free(p));
      return null;
    }
    const threads = opts.threads ?? rt.pool.threads;
    const scratchBytes = Math.max(0, ...rec.calls.map((c) => c.scratchBytes));
    const scratch = scratchBytes > 0 ? Array.from({ length: threads }, () => rt.heap.alloc(scratchBytes)) : [];
    rec.owned.push(...scratch);
    const calls: EncodedCall[] = rec.calls.map((c) => ({
      fnIndex: rt.pool.kernelIndex(c.name),
      args: c.args,
      slices: rt.pool.slices(c.total, c.grain, c.minPerThread, threads).map(([start, end], t) => [start, end, c.scratchBytes > 0 ? scratch[t]! : 0] as const),
    }));
    const { bytes } = programLayout(calls, threads);
    const ptr = rt.heap.alloc(bytes);
    rec.owned.push(ptr);
    encodeProgram(rt.memory.buffer, ptr, ++programIds, threads, calls);
    return new KernelProgram(rt.pool, ptr, rec.owned, rec.calls.map((c) => c.name));
  }

  /** False once the pool it was recorded for is gone (setThreads restarted it) or it was disposed. */
  get valid(): boolean {
    return this.ptr !== 0 && wasm().pool === this.pool;
  }

  /** Replays the recorded calls. */
  run(): void {
    this.assertValid();
    this.pool.runProgram(wasm().memory, this.ptr, this.names);
  }

  private assertValid(): void {
    if (!this.valid) throw new Error('KernelProgram: run after dispose() or on a restarted pool; record it again');
  }

  /**
   * Replays one-thread programs side by side, program t on thread t, with no barrier between
   * them (pool.runPerThread): independent work, such as one share of a batch per thread.
   */
  static runPerThread(programs: readonly KernelProgram[]): void {
    for (const p of programs) p.assertValid();
    wasm().pool.runPerThread(wasm().memory, programs.map((p) => p.ptr), programs.map((p) => p.names));
  }

  dispose(): void {
    if (this.ptr === 0) return;
    this.owned.forEach((p) => wasm().heap.free(p));
    this.ptr = 0;
  }
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
  if (recording !== null) {
    // A replay reads the descriptor long after the next call rewrites the shared block.
    const ptr = rt.heap.alloc(4 * values.length);
    recording.owned.push(ptr);
    rt.heap.i32(ptr, values.length).set(values);
    return ptr;
  }
  rt.heap.i32(descPtr, values.length).set(values);
  return descPtr;
}
