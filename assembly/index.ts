// The kernel module's one entry point: every family re-exports its kernels here.
// Kernels are pure functions over pointers and sizes (STYLE.md §6); TypeScript owns memory.
export * from './util';
