/**
 * A recorded sequence of parallel kernel calls (a "program") that the pool replays in one job.
 *
 * A session's run is the same list of parallel calls every time: the same kernels, arguments,
 * slices and scratch. Dispatching each call from JavaScript costs a round trip (arguments
 * written to the control block, workers woken, the caller waiting for the slowest slice) that
 * is as long as a small layer's work: a batch of 32 through LeNet-5 is 0.2 ms and a dozen calls.
 * So the calls are recorded once, encoded into the shared memory, and the whole list is handed
 * to the pool at once: every thread walks it, runs its slice of each call, and meets the others
 * at a barrier (an atomic counter per call) before the next call, with no message in between.
 *
 * As in a single call, a thread that finishes its slice claims the slices of threads that have
 * not started theirs (a descheduled worker), so a replay never waits on a sleeping thread, and
 * each slice keeps its own bounds and scratch, so results do not depend on which thread ran it.
 *
 * decodeProgram, walkProgram and loadProgram run in the pool's workers too: their source is
 * pasted into the worker (pool.ts), so they use only their parameters and globals (Atomics,
 * typed arrays), never each other by name, which a bundler may rename.
 */

/**
 * Layout at `ptr` (8-byte aligned), as float64 slots: [id, jobs, threads, stateOffset], then per
 * job [kernel index, argument count, ...arguments, then per thread (start, end, scratch)]. At
 * `ptr + stateOffset`, int32 slots: per job one claim flag per thread and a done counter, then
 * one abort flag.
 */
export const PROGRAM_HEADER_SLOTS = 4;

/** A decoded job: the kernel and, per slice, its full argument list (or null when empty). */
export interface ProgramJob {
  fn: (...args: number[]) => unknown;
  calls: (number[] | null)[];
  /** Slices with work: the done counter's target. */
  nonEmpty: number;
}

/** Reads a program's jobs from the shared memory. */
export function decodeProgram(buffer: ArrayBufferLike, ptr: number, fns: ((...args: number[]) => unknown)[]): { id: number; jobs: ProgramJob[]; threads: number; stateOffset: number } {
  const head = new Float64Array(buffer, ptr, 4);
  const id = head[0]!, count = head[1]!, threads = head[2]!, stateOffset = head[3]!;
  const slots = new Float64Array(buffer, ptr, stateOffset / 8);
  const jobs: ProgramJob[] = [];
  let p = 4;
  for (let k = 0; k < count; k++) {
    const fn = fns[slots[p]!]!, argc = slots[p + 1]!;
    const args: number[] = [];
    for (let i = 0; i < argc; i++) args.push(slots[p + 2 + i]!);
    p += 2 + argc;
    const calls: (number[] | null)[] = [];
    let nonEmpty = 0;
    for (let t = 0; t < threads; t++, p += 3) {
      const start = slots[p]!, end = slots[p + 1]!;
      if (start < end) {
        calls.push(args.concat([start, end, slots[p + 2]!]));
        nonEmpty++;
      } else {
        calls.push(null);
      }
    }
    jobs.push({ fn, calls, nonEmpty });
  }
  return { id, jobs, threads, stateOffset };
}

/**
 * Thread `t` of `threads` walks the program: per job, its own slice first, then any unclaimed
 * slice of another thread, then the barrier. `canWait` is false on a browser page's thread,
 * which may spin but never Atomics.wait. Returns the first error this thread caught, after the
 * whole walk (the other threads must get past every barrier, so no thread stops early: after
 * a failure slices are claimed and counted without running).
 */
export function walkProgram(t: number, threads: number, jobs: ProgramJob[], state: Int32Array, canWait: boolean): { error: unknown; job: number; slice: number } | null {
  const abortAt = jobs.length * (threads + 1);
  let failure: { error: unknown; job: number; slice: number } | null = null;
  for (let k = 0; k < jobs.length; k++) {
    const job = jobs[k]!, base = k * (threads + 1), done = base + threads;
    for (let i = 0; i < threads; i++) {
      const u = (t + i) % threads;
      const args = job.calls[u];
      if (args === null || args === undefined) continue;
      if (Atomics.compareExchange(state, base + u, 0, 1) !== 0) continue;
      if (Atomics.load(state, abortAt) === 0) {
        try {
          job.fn.apply(null, args);
        } catch (error) {
          Atomics.store(state, abortAt, 1);
          if (failure === null) failure = { error, job: k, slice: u };
        }
      }
      if (Atomics.add(state, done, 1) === job.nonEmpty - 1) Atomics.notify(state, done);
    }
    let spins = 0;
    for (let seen = Atomics.load(state, done); seen !== job.nonEmpty; seen = Atomics.load(state, done)) {
      if (canWait && ++spins > 20000) Atomics.wait(state, done, seen, 1);
    }
  }
  return failure;
}

/** One call of a program as the pool will run it: kernel index, arguments, per-thread slices. */
export interface EncodedCall {
  fnIndex: number;
  args: readonly number[];
  /** Per thread: start, end, scratch pointer. */
  slices: readonly (readonly [number, number, number])[];
}

/** Bytes of a program's encoding and where its int32 state starts. */
export function programLayout(calls: readonly EncodedCall[], threads: number): { bytes: number; stateOffset: number } {
  const slots = PROGRAM_HEADER_SLOTS + calls.reduce((s, c) => s + 2 + c.args.length + 3 * threads, 0);
  const stateOffset = 8 * slots;
  return { bytes: stateOffset + 4 * (calls.length * (threads + 1) + 1), stateOffset };
}

/** Writes a program at `ptr` (8-byte aligned, programLayout's bytes long), its state cleared. */
export function encodeProgram(buffer: ArrayBufferLike, ptr: number, id: number, threads: number, calls: readonly EncodedCall[]): void {
  const { bytes, stateOffset } = programLayout(calls, threads);
  const slots = new Float64Array(buffer, ptr, stateOffset / 8);
  slots.set([id, calls.length, threads, stateOffset]);
  let p = PROGRAM_HEADER_SLOTS;
  for (const c of calls) {
    slots[p++] = c.fnIndex;
    slots[p++] = c.args.length;
    slots.set(c.args, p);
    p += c.args.length;
    for (let t = 0; t < threads; t++) {
      const s = c.slices[t] ?? [0, 0, 0];
      slots.set(s, p);
      p += 3;
    }
  }
  new Int32Array(buffer, ptr + stateOffset, (bytes - stateOffset) / 4).fill(0);
}

/**
 * The decoded program at `ptr`, from `cache` unless its block was rewritten (a new id), with a
 * fresh view of its state (the memory may have grown since).
 */
export function loadProgram(
  cache: Map<number, { id: number; jobs: ProgramJob[]; threads: number; stateOffset: number }>, buffer: ArrayBufferLike, ptr: number,
  fns: ((...args: number[]) => unknown)[], decode: typeof decodeProgram,
): { jobs: ProgramJob[]; threads: number; state: Int32Array } {
  const id = new Float64Array(buffer, ptr, 1)[0]!;
  let p = cache.get(ptr);
  if (p === undefined || p.id !== id) {
    if (cache.size >= 64) cache.clear();
    p = decode(buffer, ptr, fns);
    cache.set(ptr, p);
  }
  return { jobs: p.jobs, threads: p.threads, state: new Int32Array(buffer, ptr + p.stateOffset, p.jobs.length * (p.threads + 1) + 1) };
}
