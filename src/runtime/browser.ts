/**
 * The runtime for web pages, the entry of the browser bundle (scripts/build-browser.mjs).
 *
 * The page's thread never computes and never blocks. The bundle starts itself a second time as
 * a module worker (the host), which runs the same synchronous runtime as Node: sessions, plans
 * and the kernel pool, whose threads are further workers over one shared WebAssembly.Memory
 * when the page is cross-origin isolated. The pool's waits (Atomics.wait) happen in the host,
 * where browsers allow them; the page talks to the host only through messages, so every call
 * here is async. Without cross-origin isolation shared memory cannot reach a worker, and the
 * host computes on one thread with the same kernels, so the results are the same.
 *
 * @example
 * import { Session } from 'prunequant/runtime'; // the bundle, under the 'browser' condition
 * const session = await Session.create('lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]);
 * await session.dispose();
 */
import { setThreads, threadCount, useKernelModule, wasm } from '../kernels/index.js';
import { FormatError, SessionError } from './errors.js';
import type { LayerChoice } from './plan/plan.js';
import { Session as EngineSession, type SessionOptions } from './session.js';

export { FormatError, SessionError } from './errors.js';
export type { LayerChoice, CandidateTiming } from './plan/plan.js';

const HOST_NAME = 'prunequant-runtime-host';

/** Options of the browser Session: those of the Node one, and where the bundle's files are. */
export interface BrowserSessionOptions extends Omit<SessionOptions, 'name'> {
  /**
   * Kernel threads. Default: all cores when the page is cross-origin isolated, else 1. Without
   * isolation any request runs on 1 thread (see `Session.threads`). The pool is shared by every
   * session of the page; a different count restarts it.
   */
  threads?: number;
  /** Names the model in errors when bytes are given. */
  name?: string;
  /** URL of kernels.wasm. Default: beside the bundle. */
  wasmUrl?: string | URL;
  /** URL of the bundle itself, started as the host worker. Default: import.meta.url. */
  workerUrl?: string | URL;
}

interface CreateReply {
  sid: number;
  threads: number;
  isolated: boolean;
  layers: LayerChoice[];
  inputShape: [number, number, number];
  outputSize: number;
  memoryBytes: number;
  activations: 'u8' | 'f32';
}

type Request =
  | { op: 'create'; url?: string; bytes?: Uint8Array; name: string; wasmUrl: string; options: SessionOptions }
  | { op: 'run'; sid: number; input: Float32Array; shape: number[] }
  | { op: 'dispose'; sid: number };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string } };

// The few browser globals used here, typed locally: the project compiles without the DOM lib.
interface MessagePortLike {
  postMessage(data: unknown, transfer?: unknown[]): void;
  onmessage: ((e: { data: unknown }) => void) | null;
}
interface WorkerLike extends MessagePortLike {
  onerror: ((e: { message?: string; preventDefault?(): void }) => void) | null;
  terminate(): void;
}
interface PageGlobals {
  Worker: new (url: string | URL, opts: { type: 'module'; name: string }) => WorkerLike;
  location?: { href: string };
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  name?: string;
}
const web = globalThis as unknown as PageGlobals & MessagePortLike;

// ---- The page's side --------------------------------------------------------------------

class HostConnection {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  constructor(private readonly worker: WorkerLike, private readonly onDead: () => void) {
    worker.onmessage = (e) => {
      const reply = e.data as Reply;
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(toError(reply.error));
    };
    // A host that dies (a script that fails to load, a crash) fails every call in flight rather
    // than leaving the page waiting forever.
    worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail(new SessionError(`runtime worker failed: ${e.message ?? 'unknown error (is the bundle served with its kernels.wasm?)'}`));
    };
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.worker.terminate();
    this.onDead();
  }

  call<T>(request: Request, transfer: unknown[] = []): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...request }, transfer);
    });
  }
}

function toError(e: { name: string; message: string }): Error {
  if (e.name === 'FormatError') return new FormatError(e.message);
  if (e.name === 'SessionError') return new SessionError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

let host: HostConnection | null = null;

function connect(workerUrl: string | URL): HostConnection {
  if (host === null) {
    const worker = new web.Worker(workerUrl, { type: 'module', name: HOST_NAME });
    host = new HostConnection(worker, () => { host = null; });
  }
  return host;
}

function absolute(url: string | URL): string {
  return new URL(String(url), web.location?.href).href;
}

/**
 * A compressed model running in a page: the Node Session's API, with every call async.
 * @example
 * const session = await Session.create('/models/lenet5.pqm', { threads: 2 });
 * const logits = await session.run(pixels, [1, 1, 28, 28]); // raw pixels in [0, 1]
 * console.log(session.threads, session.explain().map((l) => l.chosen));
 * await session.dispose();
 */
export class Session {
  private disposed = false;

  private constructor(private readonly connection: HostConnection, private readonly info: CreateReply) {}

  /**
   * Fetches (a URL, relative to the page) or takes (bytes) a `.pqm`, decodes and plans it in
   * the runtime worker. A damaged file rejects with a FormatError naming the section.
   */
  static async create(source: string | URL | Uint8Array | ArrayBuffer, opts: BrowserSessionOptions = {}): Promise<Session> {
    const { wasmUrl, workerUrl, name, ...options } = opts;
    const connection = connect(workerUrl ?? import.meta.url);
    const wasmHref = absolute(wasmUrl ?? new URL('./kernels.wasm', import.meta.url));
    let request: Request;
    const transfer: unknown[] = [];
    if (typeof source === 'string' || source instanceof URL) {
      const url = absolute(source);
      request = { op: 'create', url, name: name ?? url, wasmUrl: wasmHref, options };
    } else {
      // A copy travels, so the caller's buffer stays usable.
      const bytes = new Uint8Array(source instanceof ArrayBuffer ? source : source.buffer, source instanceof ArrayBuffer ? 0 : source.byteOffset, source.byteLength).slice();
      transfer.push(bytes.buffer);
      request = { op: 'create', bytes, name: name ?? '.pqm bytes', wasmUrl: wasmHref, options };
    }
    return new Session(connection, await connection.call<CreateReply>(request, transfer));
  }

  /** Threads the kernels run on: 1 when the page is not cross-origin isolated. */
  get threads(): number {
    return this.info.threads;
  }

  /** Whether the runtime had shared memory across workers (a cross-origin isolated page). */
  get isolated(): boolean {
    return this.info.isolated;
  }

  get inputShape(): [number, number, number] {
    return this.info.inputShape;
  }

  /** Values per sample in the output (classes, for a classifier). */
  get outputSize(): number {
    return this.info.outputSize;
  }

  /** Bytes the session's plan holds in the runtime's memory. */
  get memoryBytes(): number {
    return this.info.memoryBytes;
  }

  /** How quantized activations are held (see SessionOptions.activations). */
  get activations(): 'u8' | 'f32' {
    return this.info.activations;
  }

  /**
   * Runs the model on raw pixels (n × c × h × w, in the range the preprocessing names); the
   * input is copied, not taken. Resolves to n × outputSize floats.
   */
  async run(input: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    if (this.disposed) throw new SessionError('Session: used after dispose()');
    const copy = input.slice();
    return this.connection.call<Float32Array>({ op: 'run', sid: this.info.sid, input: copy, shape: [...shape] }, [copy.buffer]);
  }

  /** Per layer: shapes, sparsity, bits, the candidate kernels with their timings, and the choice. */
  explain(): LayerChoice[] {
    return this.info.layers;
  }

  /** Frees the session's packed weights and buffers in the runtime; later runs reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.connection.call<void>({ op: 'dispose', sid: this.info.sid });
  }

  /** The same as dispose(), the name the Node Session uses. */
  release(): Promise<void> {
    return this.dispose();
  }
}

// ---- The host worker's side --------------------------------------------------------------

const sessions = new Map<number, EngineSession>();
let nextSid = 1;
let kernelsReady: Promise<void> | null = null;

function loadKernels(wasmUrl: string): Promise<void> {
  kernelsReady ??= (async () => {
    const res = await fetch(wasmUrl);
    if (!res.ok) throw new SessionError(`${wasmUrl}: cannot load the kernels (HTTP ${res.status})`);
    useKernelModule(await WebAssembly.compile(await res.arrayBuffer()));
  })();
  return kernelsReady;
}

async function handle(request: Request): Promise<{ value: unknown; transfer: unknown[] }> {
  switch (request.op) {
    case 'create': {
      await loadKernels(request.wasmUrl);
      const isolated = web.crossOriginIsolated === true;
      // Without isolation a shared memory cannot be posted to a worker: one thread, same kernels.
      const threads = isolated ? request.options.threads ?? threadCount() : 1;
      setThreads(threads);
      await wasm().pool.ready();
      const source = request.url !== undefined ? new URL(request.url) : request.bytes!;
      const session = await EngineSession.create(source, { ...request.options, threads, name: request.name });
      const sid = nextSid++;
      sessions.set(sid, session);
      const value: CreateReply = {
        sid, threads: threadCount(), isolated, layers: session.explain(), inputShape: session.inputShape,
        outputSize: session.outputSize, memoryBytes: session.memoryBytes, activations: session.activations,
      };
      return { value, transfer: [] };
    }
    case 'run': {
      const session = sessions.get(request.sid);
      if (session === undefined) throw new SessionError('Session: used after dispose()');
      const output = session.runSync(request.input, request.shape);
      return { value: output, transfer: [output.buffer] };
    }
    case 'dispose': {
      sessions.get(request.sid)?.dispose();
      sessions.delete(request.sid);
      return { value: undefined, transfer: [] };
    }
  }
}

function serveHost(): void {
  // Requests run one at a time, in order: the kernels and their memory are not reentrant.
  let queue = Promise.resolve();
  web.onmessage = (e) => {
    const { id, ...request } = e.data as Request & { id: number };
    queue = queue.then(async () => {
      try {
        const { value, transfer } = await handle(request as Request);
        web.postMessage({ id, ok: true, value } satisfies Reply, transfer);
      } catch (err) {
        const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
        web.postMessage({ id, ok: false, error } satisfies Reply);
      }
    });
  };
}

if (web.WorkerGlobalScope !== undefined && web.name === HOST_NAME) serveHost();
