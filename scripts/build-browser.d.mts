// Types of build-browser.mjs, for the tests and bench that build the bundle.
export interface FileSize {
  bytes: number;
  gzip: number;
}
export const BUNDLE_NAME: string;
export function buildBrowserBundle(outDir?: string, wasmPath?: string): Promise<{ js: FileSize; wasm: FileSize; dir: string }>;
export function ortWebWasmSize(): (FileSize & { name: string }) | null;
