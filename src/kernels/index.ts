export { wasm, setThreads, threadCount } from './runtime.js';
export type { WasmRuntime, KernelExports } from './runtime.js';
export { KernelError } from './pool.js';
export { Heap } from './heap.js';
export { call, parallel, threadScratch, writeDescriptor } from './dispatch.js';
export type { ParallelOptions } from './dispatch.js';
export type { KernelName, KernelParams, KernelResults, ParallelKernelName, ParallelKernelParams } from './kernel-signatures.js';
export { UnaryOp, BinaryOp } from './op-codes.js';
export { crc32 } from './checksum.js';
