/**
 * What the kernel runtime needs from its host, for Node: the compiled module, the default
 * thread count, worker threads and reading a model's bytes. The browser bundle swaps this file
 * for platform.browser.ts (scripts/build-browser.mjs), so Node built-ins stay out of it; the
 * two files export the same names with the same types.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A running pool thread: `ready` settles once it listens for jobs. */
export interface PoolWorker {
  readonly ready: Promise<void>;
  terminate(): Promise<unknown>;
}

function findWasm(): string {
  const override = process.env['PRUNEQUANT_WASM'];
  if (override !== undefined && override !== '') return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'build', 'kernels.wasm');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('prunequant: build/kernels.wasm not found; run `npm run build:wasm` (npm install runs it)');
}

/** The compiled kernels, read from build/kernels.wasm (or PRUNEQUANT_WASM). */
export function loadKernelModule(): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(findWasm()));
}

/** PRUNEQUANT_THREADS, or the number of cores. */
export function defaultThreads(): number {
  const env = process.env['PRUNEQUANT_THREADS'];
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`PRUNEQUANT_THREADS: expected a positive integer, got '${env}'`);
    return n;
  }
  return availableParallelism();
}

/**
 * Starts a pool thread running `main(data)`, where `main` is the source of a function
 * expression. Unref'd, so an idle pool never keeps the process alive.
 */
export function spawnPoolWorker(main: string, data: unknown): PoolWorker {
  const source = `(${main})(require('node:worker_threads').workerData);`;
  const w = new Worker(source, { eval: true, workerData: data });
  w.unref();
  return { ready: Promise.resolve(), terminate: () => w.terminate() };
}

/** A model file's bytes from a path or a file: URL (http(s) URLs are fetched). */
export async function readModelBytes(source: string | URL): Promise<Uint8Array> {
  const href = source instanceof URL ? source.href : source;
  if (/^https?:\/\//i.test(href)) {
    const res = await fetch(href);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  return readFile(source);
}
