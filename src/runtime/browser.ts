/**
 * The runtime for web pages, the entry of the browser bundle (scripts/build-browser.mjs).
 *
 * A session computes in one of two places. In the runtime worker (browser-worker.ts), a module
 * worker the bundle starts from itself, with the kernel pool's threads as further workers over
 * one shared WebAssembly.Memory when the page is cross-origin isolated; every run is then a
 * message there and back, which costs about as much as a small model's whole batch. Or on the
 * page's own thread (by default the only kernel thread there): no hop, and the page is busy
 * for the run. It computes and never waits (Atomics.wait is forbidden there); with
 * `pageThreads` > 1 it also spins while the Web Workers it started finish their slices. The
 * default, `runIn: 'auto'`, times both at create for models small enough for the page and
 * keeps the faster; `placement` says which and why. Either way every call is async, and the
 * results are those of the Node runtime with the same kernels.
 *
 * @example
 * import { Session } from 'prunequant/runtime'; // the bundle, under the 'browser' condition
 * const session = await Session.create('lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]);
 * console.log(session.placement.runsIn, session.placement.reason);
 * await session.dispose();
 */
import { readModelBytes } from '../kernels/index.js';
import { SessionError } from './errors.js';
import { createLocalSession, sampleBatch, type SessionInfo } from './browser-local.js';
import { isHost, serveHost, WorkerEngine } from './browser-worker.js';
import type { LayerChoice } from './plan/plan.js';
import type { Session as EngineSession, SessionOptions } from './session.js';

export { FormatError, SessionError } from './errors.js';
export type { LayerChoice, CandidateTiming } from './plan/plan.js';

/**
 * The default of `pageLimitMs`: under 'auto', the longest a batch may keep the page's thread
 * busy, a quarter of a 60 Hz frame. Against runs that long the hop (a tenth of a millisecond)
 * hardly matters.
 */
export const PAGE_LIMIT_MS = 4;

/** Options of the browser Session: those of the Node one, where it runs, and the bundle's files. */
export interface BrowserSessionOptions extends Omit<SessionOptions, 'name'> {
  /**
   * Kernel threads in the runtime worker. Default: all cores when the page is cross-origin
   * isolated, else 1. Without isolation any request runs on 1 thread (see `Session.threads`).
   * The worker's pool is shared by every worker session of the page; a different count
   * restarts it.
   */
  threads?: number;
  /**
   * Kernel threads for a session on the page. Default 1: the page's thread then depends on no
   * other thread to finish a run, and LeNet-5 measured no faster on 2 (see the README). With
   * more (only on a cross-origin isolated page), the page's thread is one of them and spins
   * while the Web Workers it started finish. Shared by every page session; a different count
   * restarts the page's pool.
   */
  pageThreads?: number;
  /**
   * Where the model computes: 'worker' (the runtime worker; the page stays free), 'page' (the
   * page's thread, see `pageThreads`; no message hop, the page busy during each run), or 'auto' (default): a model whose batch would keep the page busy over
   * `pageLimitMs` goes to the worker; a smaller one is planned in both, a batch is timed in each (through the hop
   * for the worker), and the faster is kept. See `placement`.
   */
  runIn?: 'auto' | 'page' | 'worker';
  /**
   * Under 'auto', the longest (ms) a batch may keep the page's thread busy; default
   * PAGE_LIMIT_MS. A model whose batch would take longer on the page (estimated from the
   * worker's timing as if threads scaled perfectly, so an overestimate) is not planned on the
   * page, and the page is chosen only if its timed batch stays within it.
   */
  pageLimitMs?: number;
  /** Names the model in errors when bytes are given. */
  name?: string;
  /** URL of kernels.wasm. Default: beside the bundle. */
  wasmUrl?: string | URL;
  /** URL of the bundle itself, started as the runtime worker. Default: import.meta.url. */
  workerUrl?: string | URL;
}

/** Where a session computes, and why (see BrowserSessionOptions.runIn). */
export interface Placement {
  runsIn: 'page' | 'worker';
  reason: string;
  /** Best time of a batch at the session's batch size on the page, ms; null when not timed. */
  pageMs: number | null;
  /** The same through the runtime worker, the message hop included; null when not timed. */
  workerMs: number | null;
}

interface Engine {
  readonly info: SessionInfo;
  run(input: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** A session planned on the page's thread. */
class PageEngine implements Engine {
  constructor(private readonly session: EngineSession, readonly info: SessionInfo) {}

  static async create(source: URL | Uint8Array, name: string, wasmUrl: string, options: SessionOptions, threads: number): Promise<PageEngine> {
    const { session, info } = await createLocalSession(source, name, wasmUrl, options, threads);
    return new PageEngine(session, info);
  }

  async run(input: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    return this.session.runSync(input, shape);
  }

  async dispose(): Promise<void> {
    this.session.dispose();
  }
}

interface PageGlobals {
  location?: { href: string };
}

function absolute(url: string | URL): string {
  return new URL(String(url), (globalThis as PageGlobals).location?.href).href;
}

const TIMED_RUNS = 5;

/**
 * Best of TIMED_RUNS batches of `n` through each engine's `run`, after one warm-up each, ms.
 * The engines take turns, so a load that comes and goes weighs on both alike.
 */
async function timeEngines(engines: Engine[], n: number): Promise<number[]> {
  const batches = engines.map((e) => sampleBatch(e.info, n));
  const best = engines.map(() => Infinity);
  for (let r = -1; r < TIMED_RUNS; r++) {
    for (const [i, engine] of engines.entries()) {
      const t0 = performance.now();
      await engine.run(batches[i]!.x, batches[i]!.shape);
      if (r >= 0) best[i] = Math.min(best[i]!, performance.now() - t0);
    }
  }
  return best;
}

/**
 * A compressed model running in a page: the Node Session's API, with every call async.
 * @example
 * const session = await Session.create('/models/lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]); // raw pixels in [0, 1]
 * console.log(session.placement.runsIn, session.explain().map((l) => l.chosen));
 * await session.dispose();
 */
export class Session {
  private disposed = false;

  private constructor(private readonly engine: Engine, readonly placement: Placement) {}

  /**
   * Fetches (a URL, relative to the page) or takes (bytes) a `.pqm`, decodes and plans it
   * where `runIn` says. A damaged file rejects with a FormatError naming the section.
   */
  static async create(source: string | URL | Uint8Array | ArrayBuffer, opts: BrowserSessionOptions = {}): Promise<Session> {
    const { wasmUrl, workerUrl, name, runIn = 'auto', pageLimitMs = PAGE_LIMIT_MS, pageThreads = 1, ...options } = opts;
    if (runIn !== 'auto' && runIn !== 'page' && runIn !== 'worker') {
      throw new SessionError(`Session: runIn must be 'auto', 'page' or 'worker', got ${JSON.stringify(runIn)}`);
    }
    if (!(typeof pageLimitMs === 'number' && pageLimitMs >= 0 && pageLimitMs < Infinity)) {
      throw new SessionError(`Session: pageLimitMs must be a number of milliseconds >= 0, got ${JSON.stringify(pageLimitMs)}`);
    }
    if (!(Number.isInteger(pageThreads) && pageThreads >= 1)) {
      throw new SessionError(`Session: pageThreads must be a positive integer, got ${JSON.stringify(pageThreads)}`);
    }
    const wasmHref = absolute(wasmUrl ?? new URL('./kernels.wasm', import.meta.url));
    const worker = workerUrl ?? import.meta.url;
    const url = typeof source === 'string' || source instanceof URL ? absolute(source) : null;
    const label = name ?? url ?? '.pqm bytes';
    // The caller's buffer stays theirs: the engines get copies.
    const given = typeof source === 'string' || source instanceof URL ? null
      : source instanceof ArrayBuffer ? new Uint8Array(source.slice(0)) : source.slice();
    const asked = (where: 'page' | 'worker'): Placement => ({ runsIn: where, reason: `runIn: '${where}' was asked for`, pageMs: null, workerMs: null });

    if (runIn === 'worker') {
      const engine = await WorkerEngine.create(given !== null ? { bytes: given } : { url: url! }, label, worker, wasmHref, options);
      return new Session(engine, asked('worker'));
    }
    if (runIn === 'page') {
      return new Session(await PageEngine.create(given ?? new URL(url!), label, wasmHref, options, pageThreads), asked('page'));
    }

    // 'auto': the worker plans first, so a large model never blocks the page; it also checks
    // the file, so a damaged one fails there before the page decodes anything.
    const bytes = given ?? await fetchModel(url!);
    const workerEngine = await WorkerEngine.create({ bytes: bytes.slice() }, label, worker, wasmHref, options);
    const batch = options.batch ?? 32;
    const w = workerEngine.info;
    const estimateMs = w.batchMs * Math.max(1, w.threads / pageThreads);
    if (estimateMs > pageLimitMs) {
      return new Session(workerEngine, {
        runsIn: 'worker', pageMs: null, workerMs: null,
        reason: `a batch of ${batch} takes ${fmt(w.batchMs)} ms on ${w.threads} thread(s) in the worker, so up to ${fmt(estimateMs)} ms on the page, over the ${pageLimitMs} ms the page may be kept busy (pageLimitMs)`,
      });
    }
    let pageEngine: PageEngine;
    try {
      pageEngine = await PageEngine.create(bytes, label, wasmHref, options, pageThreads);
    } catch (e) {
      await workerEngine.dispose();
      throw e;
    }
    const [pageMs, workerMs] = (await timeEngines([pageEngine, workerEngine], batch)) as [number, number];
    const timed = `a batch of ${batch} ran in ${fmt(pageMs)} ms on the page (${pageEngine.info.threads} thread(s)) and in ${fmt(workerMs)} ms through the worker (${w.threads} thread(s), message hop included)`;
    if (pageMs < workerMs && pageMs <= pageLimitMs) {
      await workerEngine.dispose();
      return new Session(pageEngine, { runsIn: 'page', reason: timed, pageMs, workerMs });
    }
    await pageEngine.dispose();
    return new Session(workerEngine, { runsIn: 'worker', reason: timed, pageMs, workerMs });
  }

  /** Kernel threads the session computes on: 1 without cross-origin isolation. */
  get threads(): number {
    return this.engine.info.threads;
  }

  /** Whether the page is cross-origin isolated (shared memory can reach workers). */
  get isolated(): boolean {
    return this.engine.info.isolated;
  }

  get inputShape(): [number, number, number] {
    return this.engine.info.inputShape;
  }

  /** Values per sample in the output (classes, for a classifier). */
  get outputSize(): number {
    return this.engine.info.outputSize;
  }

  /** Bytes the session's plan holds in the runtime's memory. */
  get memoryBytes(): number {
    return this.engine.info.memoryBytes;
  }

  /** How quantized activations are held (see SessionOptions.activations). */
  get activations(): 'u8' | 'f32' {
    return this.engine.info.activations;
  }

  /**
   * Runs the model on raw pixels (n × c × h × w, in the range the preprocessing names); the
   * input is copied, not taken. Resolves to n × outputSize floats.
   */
  async run(input: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    if (this.disposed) throw new SessionError('Session: used after dispose()');
    return this.engine.run(input, shape);
  }

  /** Per layer: shapes, sparsity, bits, the candidate kernels with their timings, and the choice. */
  explain(): LayerChoice[] {
    return this.engine.info.layers;
  }

  /** Frees the session's packed weights and buffers in the runtime; later runs reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.engine.dispose();
  }

  /** The same as dispose(), the name the Node Session uses. */
  release(): Promise<void> {
    return this.dispose();
  }
}

async function fetchModel(url: string): Promise<Uint8Array> {
  try {
    return await readModelBytes(url);
  } catch (e) {
    throw new SessionError(`${url}: cannot read the model (${(e as Error).message})`);
  }
}

function fmt(ms: number): string {
  return ms.toFixed(3);
}

if (isHost()) serveHost();
