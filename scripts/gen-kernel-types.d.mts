// Types for scripts/gen-kernel-types.mjs, which test/kernels/kernel-signatures.test.ts imports.
export interface KernelParam { name: string; type: string; optional: boolean }
export interface KernelSignature { name: string; params: KernelParam[]; result: string; file: string }
export const OUTPUT: string;
export function parseKernelSignatures(assemblyDir?: string): Map<string, KernelSignature>;
export function wasmFunctionExports(bytes: Uint8Array): Map<string, { params: string[]; results: string[] }>;
export function checkAgainstWasm(signatures: Map<string, KernelSignature>, bytes: Uint8Array): string[];
export function renderKernelSignatures(signatures: Map<string, KernelSignature>): string;
