/**
 * The runtime as it runs inside one browser thread (the page, or the runtime worker): the
 * kernels compiled from a URL, and a Node-style Session planned here. Both of the browser
 * Session's engines start from this; they differ only in the thread they run on.
 */
import { setThreads, threadCount, useKernelModule, wasm } from '../kernels/index.js';
import { SessionError } from './errors.js';
import type { LayerChoice } from './plan/plan.js';
import { samplePixels, timeByTurns } from './plan/timing.js';
import { Session as EngineSession, type SessionOptions } from './session.js';

/** What a planned session tells the page: the browser Session's properties. */
export interface SessionInfo {
  threads: number;
  isolated: boolean;
  layers: LayerChoice[];
  inputShape: [number, number, number];
  outputSize: number;
  memoryBytes: number;
  activations: 'u8' | 'f32';
  /** The order `run` takes samples in (the model's preprocessing). */
  layout: 'nchw' | 'nhwc';
  /** Best of a few whole-batch runs at the planned batch, here, in milliseconds. */
  batchMs: number;
}

interface LocalGlobals {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
}

let kernelsReady: Promise<void> | null = null;

/** Fetches and compiles kernels.wasm once per thread; asynchronous, as a page requires. */
export function loadKernels(wasmUrl: string): Promise<void> {
  kernelsReady ??= (async () => {
    const res = await fetch(wasmUrl);
    if (!res.ok) throw new SessionError(`${wasmUrl}: cannot load the kernels (HTTP ${res.status})`);
    useKernelModule(await WebAssembly.compile(await res.arrayBuffer()));
  })();
  return kernelsReady;
}

/**
 * Decodes and plans a model on this thread with `threads` kernel threads (the pool is shared
 * by every session of the thread; a different count restarts it). Without cross-origin
 * isolation a shared memory cannot be posted to a worker, so the pool is one thread, with the
 * same kernels and results.
 */
export async function createLocalSession(
  source: URL | Uint8Array, name: string, wasmUrl: string, options: SessionOptions, threads: number | undefined,
): Promise<{ session: EngineSession; info: SessionInfo }> {
  await loadKernels(wasmUrl);
  const isolated = (globalThis as LocalGlobals).crossOriginIsolated === true;
  setThreads(isolated ? threads ?? threadCount() : 1);
  // A page's own thread may not block in Atomics.wait (browsers throw there): its pool spins
  // while the workers finish their slices. Set on every call, as a new count restarts the pool.
  wasm().pool.callerMayWait = (globalThis as LocalGlobals).WorkerGlobalScope !== undefined;
  await wasm().pool.ready();
  const session = await EngineSession.create(source, { ...options, threads: threadCount(), name });
  const info: SessionInfo = {
    threads: threadCount(), isolated, layers: session.explain(), inputShape: session.inputShape,
    outputSize: session.outputSize, memoryBytes: session.memoryBytes, activations: session.activations,
    layout: session.preprocessing.layout, batchMs: timeBatch(session, options.batch ?? 32, 3),
  };
  return { session, info };
}

/** A deterministic batch of `n` samples in [0, 1], the range raw pixels come in, and its shape. */
export function sampleBatch(info: Pick<SessionInfo, 'inputShape' | 'layout'>, n: number): { x: Float32Array; shape: number[] } {
  const [c, h, w] = info.inputShape;
  const x = samplePixels(n * c * h * w);
  return { x, shape: info.layout === 'nhwc' ? [n, h, w, c] : [n, c, h, w] };
}

/** Best of `runs` whole runs of a batch of `n` (after one warm-up), milliseconds. */
export function timeBatch(session: EngineSession, n: number, runs: number): number {
  const { x, shape } = sampleBatch({ inputShape: session.inputShape, layout: session.preprocessing.layout }, n);
  return timeByTurns([() => session.runSync(x, shape)], { runs })[0]!;
}
