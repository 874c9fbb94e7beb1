/**
 * Loads the kernel module once per process over one shared memory, with its heap and
 * thread pool. Everything above `src/kernels` reaches WASM through `wasm()`.
 */
import { Heap } from './heap.js';
import { ThreadPool } from './pool.js';
import { defaultThreads, loadKernelModule } from './platform.js';

const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 32768; // must match asconfig.json
const RESERVED_BYTES = 1 << 16;

/**
 * The compiled kernels by name, typed loosely so that tests can hold a kernel against its
 * twin by name. Code in src/ calls them through `call` and `parallel` (dispatch.ts), which
 * check each kernel's parameters against kernel-signatures.ts at compile time.
 */
export type KernelExports = Record<string, (...args: number[]) => number>;

export interface WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  readonly heap: Heap;
  readonly pool: ThreadPool;
}

let current: WasmRuntime | undefined;
let requestedThreads: number | undefined;

/**
 * Sets the number of threads kernels use (default: the number of cores, or
 * PRUNEQUANT_THREADS). Call before the first computation; a later call that changes the
 * count restarts the pool.
 *
 * @example setThreads(1); // bit-reproducible single-threaded training
 */
export function setThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads: expected a positive integer, got ${threads}`);
  requestedThreads = threads;
  if (current !== undefined && loadedModule !== undefined && current.pool.threads !== threads) {
    void current.pool.terminate();
    current = { ...current, pool: new ThreadPool(loadedModule, current.memory, current.kernels, threads) };
  }
}

// Kept beside `current` so that every pool restart can hand the same module to its workers.
let loadedModule: WebAssembly.Module | undefined;

/** The process-wide kernel runtime, created on first use. */
export function wasm(): WasmRuntime {
  if (current !== undefined) return current;
  const module = loadedModule ?? loadKernelModule();
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('prunequant kernel aborted'); }, seed: () => 0 },
  });
  const kernels = instance.exports as unknown as KernelExports;
  const base = Math.max(RESERVED_BYTES, kernels['heap_base']!());
  const rt: WasmRuntime = {
    memory,
    kernels,
    heap: new Heap(memory, base),
    pool: new ThreadPool(module, memory, instance.exports as Record<string, unknown>, requestedThreads ?? defaultThreads()),
  };
  rt.heap.onGrow = () => void kernels['memory_sync']!();
  loadedModule = module;
  current = rt;
  return rt;
}

/**
 * Hands over a module compiled elsewhere (a browser compiles it asynchronously, from a URL)
 * for the runtime to instantiate on first use. Only before the runtime exists.
 * @example useKernelModule(await WebAssembly.compile(bytes));
 */
export function useKernelModule(module: WebAssembly.Module): void {
  if (current !== undefined) throw new Error('prunequant: useKernelModule after the kernel runtime started');
  loadedModule = module;
}

/** Threads the pool runs with. */
export function threadCount(): number {
  return wasm().pool.threads;
}
