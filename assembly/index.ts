// The kernel module's one entry point: every family re-exports its kernels here.
// Kernels are pure functions over pointers and sizes (STYLE.md §6); TypeScript owns memory.
export * from './util';
export * from './f32-batchnorm/index';
export * from './f32-optim/index';
export * from './conv-support';
export * from './f32-gemm/index';
export * from './f32-elementwise/index';
export * from './f32-conv/index';
export * from './f32-spmm/index';
export * from './qu8-gemm/index';
export * from './qu8-spmm/index';
export * from './qu8-misc/index';
export * from './xx-pad/index';
export * from './transpose/index';
