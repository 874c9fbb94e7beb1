/**
 * A fixed set of worker threads that run kernels over one shared WebAssembly.Memory.
 *
 * A parallel call stays synchronous: the main thread writes the kernel's index and
 * arguments into a shared control block, wakes the workers, computes its own share, then
 * waits on an atomic counter. Each thread gets a disjoint [start, end) slice of the
 * kernel's split dimension, so no two threads write the same bytes (STYLE.md §6).
 * A recorded list of calls (pool-program.ts) runs the same way as one job, with barriers
 * between its calls inside the threads instead of a round trip through the caller.
 */
import { spawnPoolWorker, type PoolWorker } from './platform.js';
import { decodeProgram, loadProgram, walkProgram, type ProgramJob } from './pool-program.js';

/**
 * A kernel could not run: an unknown kernel, too many arguments, or a trap in a worker
 * thread (the message names the kernel, the thread, its slice and the worker's error).
 * @example try { await fit(model, data, opt, opts); } catch (e) { if (e instanceof KernelError) console.error(e.message); }
 */
export class KernelError extends Error {
  override name = 'KernelError';
}

const MAX_ARGS = 32;
const MAX_THREADS = 64;
// Control block layout, in Int32 slots: [generation, pending, fnIndex, argCount, failed,
// messageBytes, programPtr, failedCall]. `failed` is 0, or 1 + the index of the first worker whose slice
// threw; that worker writes its error's text (UTF-8) into the message area. fnIndex -1 is a
// program (pool-program.ts) encoded in the kernels' memory at programPtr; -2 gives each thread
// its own one-thread program, at the pointer in its slot of the program table.
const CTL_INTS = 16;
const ARGS_OFFSET = CTL_INTS * 4;
const RANGES_OFFSET = ARGS_OFFSET + MAX_ARGS * 8;
const SCRATCH_OFFSET = RANGES_OFFSET + MAX_THREADS * 2 * 4;
// Per-thread slice state for the current job: 0 unclaimed, 1 taken by its worker, 2 taken
// by the main thread (stolen).
const STATE_OFFSET = SCRATCH_OFFSET + MAX_THREADS * 4;
const TABLE_OFFSET = STATE_OFFSET + MAX_THREADS * 4;
const MESSAGE_OFFSET = TABLE_OFFSET + MAX_THREADS * 4;
const MESSAGE_BYTES = 1024;
const CONTROL_BYTES = MESSAGE_OFFSET + MESSAGE_BYTES;
const PROGRAM = -1;
const PER_THREAD = -2;

// Workers spin briefly before sleeping: a wake-up through Atomics.notify costs tens of
// microseconds, longer than many of the kernels a training step runs back to back.
// A function expression's source: platform.ts wraps it for worker_threads or a Web Worker and
// calls it with the pool's data.
const WORKER_MAIN = `(workerData) => {
const { module, memory, control, names, index } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('prunequant kernel aborted'); }, seed: () => 0 } });
const ctl = new Int32Array(control, 0, ${CTL_INTS});
const args = new Float64Array(control, ${ARGS_OFFSET}, ${MAX_ARGS});
const ranges = new Int32Array(control, ${RANGES_OFFSET}, ${MAX_THREADS * 2});
const scratch = new Int32Array(control, ${SCRATCH_OFFSET}, ${MAX_THREADS});
const state = new Int32Array(control, ${STATE_OFFSET}, ${MAX_THREADS});
const table = new Int32Array(control, ${TABLE_OFFSET}, ${MAX_THREADS});
const message = new Uint8Array(control, ${MESSAGE_OFFSET}, ${MESSAGE_BYTES});
const fns = names.map((n) => instance.exports[n]);
const decodeProgram = (${decodeProgram.toString()});
const walkProgram = (${walkProgram.toString()});
const loadProgram = (${loadProgram.toString()});
// Programs are immutable once written; a program's id changes whenever its block is reused.
const programs = new Map();
const fail = (e, job) => {
  // The first failing worker reports its error; the main thread reads it once every
  // slice is done (the decrement of 'pending' below publishes these writes).
  if (Atomics.compareExchange(ctl, 4, 0, index + 1) === 0) {
    const text = e instanceof Error ? e.name + ': ' + e.message : String(e);
    const bytes = new TextEncoder().encode(text).subarray(0, ${MESSAGE_BYTES});
    message.set(bytes);
    ctl[5] = bytes.length;
    ctl[7] = job;
  }
};
let gen = 0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, 0) === gen && spins < 20000) spins++;
  Atomics.wait(ctl, 0, gen);
  // A notify can arrive late (the main thread preempted between publishing a job and
  // notifying): the worker may already have run that job, so a wake-up without a new
  // generation must not run it again, or 'pending' goes negative and run() never returns.
  if (Atomics.load(ctl, 0) === gen) continue;
  gen = Atomics.load(ctl, 0);
  // The main thread may have run this slice already (it steals slices whose worker has
  // not started); then there is nothing to do and nothing to count. Everything about the
  // job is read only after the claim: by then a newer job may have been published, and
  // the claim is on that job's slice.
  if (Atomics.compareExchange(state, index, 0, 1) !== 0) continue;
  const fn = ctl[2];
  if (fn === ${PROGRAM} || fn === ${PER_THREAD}) {
    const ptr = fn === ${PROGRAM} ? ctl[6] : table[index];
    if (ptr !== 0) {
      let p = null;
      try {
        p = loadProgram(programs, memory.buffer, ptr, fns, decodeProgram);
      } catch (e) {
        fail(e, -1);
      }
      if (p !== null) {
        const failure = walkProgram(fn === ${PROGRAM} ? index : 0, p.threads, p.jobs, p.state, true);
        if (failure !== null) fail(failure.error, failure.job);
      }
    }
  } else {
    const start = ranges[2 * index], end = ranges[2 * index + 1];
    if (start < end) {
      try {
        const n = ctl[3];
        const a = new Array(n + 3);
        for (let i = 0; i < n; i++) a[i] = args[i];
        a[n] = start; a[n + 1] = end; a[n + 2] = scratch[index];
        fns[fn].apply(null, a);
      } catch (e) {
        fail(e, -1);
      }
    }
  }
  if (Atomics.sub(ctl, 1, 1) === 1) Atomics.notify(ctl, 1);
}
}`;

export class ThreadPool {
  private readonly workers: PoolWorker[] = [];
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly ranges: Int32Array;
  private readonly scratchPtrs: Int32Array;
  private readonly state: Int32Array;
  private readonly message: Uint8Array;
  private readonly table: Int32Array;
  private readonly fnIndex = new Map<string, number>();
  private readonly fns: ((...args: number[]) => unknown)[];
  private generation = 0;
  /**
   * Whether the calling thread may block in Atomics.wait while workers finish. A browser page's
   * thread must not (it spins instead); every other thread may.
   */
  callerMayWait = true;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    exports: Record<string, unknown>,
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new RangeError(`threads: expected an integer in [1, ${MAX_THREADS}], got ${threads}`);
    }
    // One thread never shares the block, and a page that is not cross-origin isolated has no
    // SharedArrayBuffer constructor at all.
    const control = threads > 1 ? new SharedArrayBuffer(CONTROL_BYTES) : new ArrayBuffer(CONTROL_BYTES);
    this.ctl = new Int32Array(control, 0, CTL_INTS);
    this.args = new Float64Array(control, ARGS_OFFSET, MAX_ARGS);
    this.ranges = new Int32Array(control, RANGES_OFFSET, MAX_THREADS * 2);
    this.scratchPtrs = new Int32Array(control, SCRATCH_OFFSET, MAX_THREADS);
    this.state = new Int32Array(control, STATE_OFFSET, MAX_THREADS);
    this.message = new Uint8Array(control, MESSAGE_OFFSET, MESSAGE_BYTES);
    this.table = new Int32Array(control, TABLE_OFFSET, MAX_THREADS);
    const names = Object.keys(exports).filter((k) => typeof exports[k] === 'function');
    names.forEach((n, i) => this.fnIndex.set(n, i));
    this.fns = names.map((n) => exports[n] as (...args: number[]) => unknown);
    for (let index = 1; index < threads; index++) {
      this.workers.push(spawnPoolWorker(WORKER_MAIN, { module, memory, control, names, index }));
    }
  }

  /**
   * Runs `name(...args, start, end, scratchPtr)` over [0, total) split into per-thread
   * slices whose bounds are multiples of `grain`. Work under `minPerThread` units per
   * thread runs on the calling thread alone, where waking workers would cost more.
   */
  run(name: string, args: readonly number[], total: number, opts: { grain?: number; minPerThread?: number; scratchPtrs?: readonly number[] } = {}): void {
    const index = this.kernelIndex(name);
    const fn = this.fns[index]!;
    if (args.length > MAX_ARGS) throw new KernelError(`pool: ${name} takes ${args.length} arguments, at most ${MAX_ARGS} fit`);
    const scratch = opts.scratchPtrs ?? [];
    const slices = this.slices(total, opts.grain ?? 1, opts.minPerThread ?? 1);
    if (slices.length <= 1) {
      if (total > 0) fn(...args, 0, total, scratch[0] ?? 0);
      return;
    }
    for (let t = 0; t < this.threads; t++) {
      const [start, end] = slices[t] ?? [total, total];
      this.ranges[2 * t] = start;
      this.ranges[2 * t + 1] = end;
      this.scratchPtrs[t] = scratch[t] ?? 0;
    }
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    this.ctl[3] = args.length;
    this.publish(index, 0, []);
    // An error on this thread is rethrown only after every worker has left its slice: the
    // caller frees the kernel's buffers as the error unwinds, and a worker still writing
    // into them would corrupt whatever is allocated there next.
    let failure: { error: unknown } | null = null;
    try {
      fn(...args, this.ranges[0]!, this.ranges[1]!, scratch[0] ?? 0);
    } catch (error) {
      failure = { error };
    }
    // A worker that has not started its slice by now is asleep or descheduled (a busy
    // core): run the slice here rather than wait for it. The slice keeps its own bounds
    // and scratch, so results do not depend on which thread ran it. After a failure the
    // slice is only marked done: the job's result is lost anyway.
    this.finish((t) => {
      const start = this.ranges[2 * t]!, end = this.ranges[2 * t + 1]!;
      if (failure !== null || start >= end) return;
      try {
        fn(...args, start, end, this.scratchPtrs[t]!);
      } catch (error) {
        failure = { error };
      }
    }, () => failure, (t) => `kernel ${name} failed in worker thread ${t} on [${this.ranges[2 * t]}, ${this.ranges[2 * t + 1]}) of [0, ${total})`);
  }

  /**
   * The slices [start, end) of [0, total) per thread, bounds multiples of `grain`, for as many
   * of `threads` as get at least `minPerThread` units; one slice when that is a single thread.
   */
  slices(total: number, grain: number, minPerThread: number, threads = this.threads): [number, number][] {
    const units = Math.ceil(total / grain);
    const useful = Math.max(1, Math.min(threads, Math.floor(units / Math.max(1, Math.ceil(minPerThread / grain)))));
    if (useful <= 1 || total <= 0) return [[0, Math.max(0, total)]];
    const per = Math.ceil(units / useful) * grain;
    const out: [number, number][] = [];
    for (let t = 0; t < useful; t++) {
      const start = Math.min(total, t * per);
      out.push([start, Math.min(total, start + per)]);
    }
    return out;
  }

  /** The index workers know a kernel by, for encoding programs. */
  kernelIndex(name: string): number {
    const index = this.fnIndex.get(name);
    if (index === undefined) throw new KernelError(`pool: no kernel named ${name}`);
    return index;
  }

  /**
   * Runs a program (pool-program.ts) encoded at `ptr` in the kernels' memory: every thread walks
   * its calls with a barrier after each. `names` names the calls in errors.
   */
  runProgram(memory: WebAssembly.Memory, ptr: number, names: readonly string[]): void {
    const program = loadProgram(this.programs, memory.buffer, ptr, this.fns, decodeProgram);
    if (program.threads !== this.threads) throw new KernelError(`pool: a program recorded for ${program.threads} threads on a pool of ${this.threads}`);
    program.state.fill(0);
    this.publish(PROGRAM, ptr, []);
    const failure = walkProgram(0, this.threads, program.jobs, program.state, this.callerMayWait);
    // Workers that never woke have nothing left to do: every slice is done.
    this.finish(() => {}, () => failure, (t) => `kernel ${names[this.ctl[7]!] ?? '?'} (call ${this.ctl[7]} of a recorded program) failed in worker thread ${t}`);
  }

  /**
   * Runs one-thread programs side by side, `ptrs[t]` on thread t (0: none), with no barrier
   * between them: independent work, such as a batch split into one share of images per thread.
   * A thread that has not started by the time the caller is done with its own program has its
   * program run by the caller. `names[t]` names program t's calls in errors.
   */
  runPerThread(memory: WebAssembly.Memory, ptrs: readonly number[], names: readonly (readonly string[])[]): void {
    if (ptrs.length > this.threads) throw new KernelError(`pool: ${ptrs.length} per-thread programs on a pool of ${this.threads}`);
    const programs = ptrs.map((ptr) => (ptr === 0 ? null : loadProgram(this.programs, memory.buffer, ptr, this.fns, decodeProgram)));
    for (const p of programs) {
      if (p !== null && p.threads !== 1) throw new KernelError(`pool: a per-thread program must be recorded for one thread, not ${p.threads}`);
      p?.state.fill(0);
    }
    const walk = (t: number) => {
      const p = programs[t];
      return p === null || p === undefined ? null : walkProgram(0, 1, p.jobs, p.state, this.callerMayWait);
    };
    let failure: ReturnType<typeof walkProgram> = null;
    const note = (f: ReturnType<typeof walkProgram>) => {
      failure ??= f;
    };
    this.publish(PER_THREAD, 0, ptrs);
    note(walk(0));
    const call = () => this.ctl[7]!;
    this.finish((t) => note(walk(t)), () => failure, (t) => `kernel ${names.map((n) => n[call()]).filter((x) => x !== undefined).join(' or ')} (call ${call()} of a recorded program) failed in worker thread ${t}`);
  }

  private readonly programs = new Map<number, ReturnType<typeof decodeProgram>>();

  /** Publishes a job (a kernel index, or a program kind) to the workers; nothing to do on one thread. */
  private publish(kind: number, ptr: number, table: readonly number[]): void {
    if (this.threads === 1) return;
    const ctl = this.ctl;
    ctl[2] = kind;
    ctl[4] = 0;
    ctl[5] = 0;
    ctl[6] = ptr;
    for (let t = 0; t < this.threads; t++) this.table[t] = table[t] ?? 0;
    Atomics.store(ctl, 1, this.threads - 1);
    for (let t = 1; t < this.threads; t++) Atomics.store(this.state, t, 0);
    Atomics.store(ctl, 0, ++this.generation);
    Atomics.notify(ctl, 0);
  }

  /**
   * Ends a job: runs on this thread the share of each worker that has not started
   * (`runShare(t)`), waits for the others, then throws the first failure: this thread's, or a
   * worker's as a KernelError that `workerFailed(thread)` describes.
   */
  private finish(runShare: (t: number) => void, failure: () => { error: unknown } | null, workerFailed: (thread: number) => string): void {
    if (this.threads > 1) {
      for (let t = 1; t < this.threads; t++) {
        if (Atomics.compareExchange(this.state, t, 0, 2) !== 0) continue;
        runShare(t);
        Atomics.sub(this.ctl, 1, 1);
      }
      this.awaitWorkers();
    }
    const own = failure();
    if (own !== null) throw own.error;
    const failed = this.threads > 1 ? this.ctl[4]! : 0;
    if (failed !== 0) throw new KernelError(`pool: ${workerFailed(failed - 1)}: ${this.workerMessage()}`);
  }

  private awaitWorkers(): void {
    const ctl = this.ctl;
    let spins = 0;
    while (Atomics.load(ctl, 1) !== 0) {
      if (this.callerMayWait && ++spins > 20000) {
        const pending = Atomics.load(ctl, 1);
        if (pending !== 0) Atomics.wait(ctl, 1, pending, 50);
      }
    }
  }

  private workerMessage(): string {
    return new TextDecoder().decode(this.message.slice(0, this.ctl[5]!));
  }

  /**
   * Wakes the workers without publishing a job, as a notify that arrives late does.
   * Tests use it to check that such a wake-up never runs the previous job again.
   */
  wakeWithoutJob(): void {
    Atomics.notify(this.ctl, 0);
  }

  /** Worker slices not yet finished; 0 between jobs (never negative). */
  get pending(): number {
    return Atomics.load(this.ctl, 1);
  }

  /**
   * Settles once every worker listens for jobs. Runs never need it (a slice whose worker has
   * not started runs on the calling thread), but a browser may start a worker only after its
   * creator returns to the event loop, so awaiting this first keeps early runs threaded.
   */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  /** Stops the workers; the pool cannot be used afterwards. */
  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
