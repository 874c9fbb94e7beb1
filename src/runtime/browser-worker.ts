/**
 * The hop between the page and the runtime worker, both ends. The bundle starts itself a
 * second time as a module worker (the host), which runs the same synchronous runtime as Node:
 * sessions, plans and the kernel pool, whose threads are further workers over one shared
 * WebAssembly.Memory when the page is cross-origin isolated. The pool's waits (Atomics.wait)
 * happen in the host, where browsers allow them; the page talks to it only through messages.
 */
import { FormatError, SessionError } from './errors.js';
import { createLocalSession, type SessionInfo } from './browser-local.js';
import type { Session as EngineSession, SessionOptions } from './session.js';

export const HOST_NAME = 'prunequant-runtime-host';

export type CreateReply = SessionInfo & { sid: number };

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
interface WorkerGlobals {
  Worker: new (url: string | URL, opts: { type: 'module'; name: string }) => WorkerLike;
  WorkerGlobalScope?: unknown;
  name?: string;
}
const web = globalThis as unknown as WorkerGlobals & MessagePortLike;

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

/** A session planned in the runtime worker; every call is a message there and back. */
export class WorkerEngine {
  private constructor(private readonly connection: HostConnection, readonly info: CreateReply) {}

  /**
   * Plans the model in the worker at `workerUrl` (started once per page). A URL is fetched
   * there; bytes are taken (transferred), so pass a copy to keep yours.
   */
  static async create(
    source: { url: string } | { bytes: Uint8Array }, name: string, workerUrl: string | URL, wasmUrl: string, options: SessionOptions,
  ): Promise<WorkerEngine> {
    const connection = connect(workerUrl);
    const request: Request = { op: 'create', ...source, name, wasmUrl, options };
    const transfer = 'bytes' in source ? [source.bytes.buffer] : [];
    return new WorkerEngine(connection, await connection.call<CreateReply>(request, transfer));
  }

  run(input: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    // A copy travels (transferred, not cloned again), so the caller's array stays usable.
    const copy = input.slice();
    return this.connection.call<Float32Array>({ op: 'run', sid: this.info.sid, input: copy, shape: [...shape] }, [copy.buffer]);
  }

  dispose(): Promise<void> {
    return this.connection.call<void>({ op: 'dispose', sid: this.info.sid });
  }
}

// ---- The host worker's side --------------------------------------------------------------

const sessions = new Map<number, EngineSession>();
let nextSid = 1;

async function handle(request: Request): Promise<{ value: unknown; transfer: unknown[] }> {
  switch (request.op) {
    case 'create': {
      const source = request.url !== undefined ? new URL(request.url) : request.bytes!;
      const { session, info } = await createLocalSession(source, request.name, request.wasmUrl, request.options, request.options.threads);
      const sid = nextSid++;
      sessions.set(sid, session);
      return { value: { ...info, sid } satisfies CreateReply, transfer: [] };
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

/** Whether this thread is the runtime worker the page started (the bundle, run as a worker). */
export function isHost(): boolean {
  return web.WorkerGlobalScope !== undefined && web.name === HOST_NAME;
}

/** Answers the page's requests, one at a time and in order: the kernels are not reentrant. */
export function serveHost(): void {
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
