export { wasm, setThreads, threadCount } from './runtime.js';
export type { WasmRuntime, KernelExports } from './runtime.js';
export { KernelError } from './pool.js';
export { Heap } from './heap.js';
