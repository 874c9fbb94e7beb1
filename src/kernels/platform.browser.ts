/**
 * platform.ts for browsers, swapped in by scripts/build-browser.mjs: the same exports, with
 * Web Workers for pool threads and fetch for model bytes. The module is compiled
 * asynchronously beforehand and handed over with useKernelModule (runtime.ts), because a
 * page may not compile a large module synchronously; this file only reports its absence.
 */

/** A running pool thread: `ready` settles once it listens for jobs. */
export interface PoolWorker {
  readonly ready: Promise<void>;
  terminate(): Promise<unknown>;
}

// The few browser globals used here, typed locally: the project compiles without the DOM lib.
interface WebWorker {
  postMessage(data: unknown): void;
  terminate(): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
}
interface BrowserGlobals {
  Worker: new (url: string, opts?: { name?: string }) => WebWorker;
  Blob: new (parts: string[], opts: { type: string }) => object;
  URL: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}
const web = globalThis as unknown as BrowserGlobals;

export function loadKernelModule(): WebAssembly.Module {
  throw new Error('prunequant: the kernel module is not loaded; in a browser, Session.create loads it (useKernelModule)');
}

/** All cores when the page is cross-origin isolated (shared memory reaches workers), else 1. */
export function defaultThreads(): number {
  return web.crossOriginIsolated === true ? Math.max(1, web.navigator?.hardwareConcurrency ?? 1) : 1;
}

/**
 * Starts a pool thread as a Web Worker from a blob: URL. It answers 'ready' before entering
 * its job loop, which blocks in Atomics.wait and never returns to its event loop.
 */
export function spawnPoolWorker(main: string, data: unknown): PoolWorker {
  const source = `onmessage = (e) => { onmessage = null; postMessage('ready'); (${main})(e.data); };`;
  const url = web.URL.createObjectURL(new web.Blob([source], { type: 'text/javascript' }));
  const w = new web.Worker(url, { name: 'prunequant-kernels' });
  const ready = new Promise<void>((resolve, reject) => {
    w.onmessage = () => { web.URL.revokeObjectURL(url); resolve(); };
    w.onerror = (e) => reject(new Error(`prunequant: a kernel worker failed to start (${e.message ?? 'no message'})`));
  });
  w.postMessage(data);
  return { ready, terminate: async () => w.terminate() };
}

/** A model file's bytes, fetched from an absolute URL. */
export async function readModelBytes(source: string | URL): Promise<Uint8Array> {
  const res = await fetch(source);
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}
