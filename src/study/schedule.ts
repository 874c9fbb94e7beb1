/**
 * How many trials run at once, and on how many kernel threads each: the policy of
 * WorkerProcessQueue, kept apart from processes so it can be tested alone.
 *
 * A study alternates between stretches with one trial to run (the baseline; the combination's
 * aware and then refine) and stretches with many (pruning beside quantization). One trial on
 * all T threads runs faster than on one, but two trials on one thread each run faster in all
 * than one trial on two (LeNet-5 on 2 cores: 1.59x from a second thread, 2x from a second
 * trial), and a kernel pool that shares its cores with another one stalls at every barrier. So
 * the threads are shared out when a trial starts, among the trials that can run now:
 * - a trial without training (post: load, evaluate, write) is light: it takes one thread,
 *   reserves none, and goes first (it ends within a second and may unblock others);
 * - a trial that trains is heavy: the free threads are split evenly among the heavy trials that
 *   can run soon (waiting ones, up to the workers not busy with a heavy trial), so a trial alone
 *   gets every thread, and two get half each. A heavy trial never starts without a free thread,
 *   so the cores are never oversubscribed by training;
 * - among waiting heavy trials, higher priority first (the study raises the trials whose results
 *   decide what it submits next: the adaptive pruning chain), then submission order.
 * Threads do not change a trial's result: kernels split work where no sum's order changes
 * (test/nn/reproducible-thread-counts.test.ts).
 */

/** A waiting job as the scheduler sees it. */
export interface WaitingJob {
  /** No training: starts first on one thread and reserves none. */
  light: boolean;
  /** Higher first among heavy jobs. */
  priority: number;
  /** Submission order, for ties. */
  seq: number;
}

export interface PoolState {
  /** Workers with no job now. */
  idle: number;
  /** Workers running a heavy job now. */
  busyHeavy: number;
  /** All workers (idle, light, heavy). */
  workers: number;
  /** Threads not held by running heavy jobs. */
  freeThreads: number;
  /** The most threads one job may take (the kernel threads asked for); default: no limit. */
  maxThreads?: number;
}

export interface Start {
  /** Index into the waiting list. */
  index: number;
  threads: number;
}

/**
 * The waiting jobs to start now, each with its kernel threads (the policy above).
 * @example planStarts([{ light: false, priority: 0, seq: 0 }], { idle: 2, busyHeavy: 0, workers: 2, freeThreads: 2 }); // [{ index: 0, threads: 2 }]
 */
export function planStarts(waiting: readonly WaitingJob[], pool: PoolState): Start[] {
  const order = waiting.map((_, i) => i).sort((a, b) => {
    const x = waiting[a]!, y = waiting[b]!;
    return Number(y.light) - Number(x.light) || (x.light ? 0 : y.priority - x.priority) || x.seq - y.seq;
  });
  const starts: Start[] = [];
  let idle = pool.idle;
  for (const i of order) {
    if (idle === 0 || !waiting[i]!.light) break;
    starts.push({ index: i, threads: 1 });
    idle--;
  }
  const heavy = order.filter((i) => !waiting[i]!.light);
  // Heavy jobs that can run soon: a worker busy with a light job is free within a second.
  const sharing = Math.min(heavy.length, pool.workers - pool.busyHeavy);
  const now = Math.min(heavy.length, idle, pool.freeThreads);
  if (sharing === 0 || now === 0) return starts;
  const each = Math.floor(pool.freeThreads / sharing), extra = pool.freeThreads % sharing;
  const most = pool.maxThreads ?? Infinity;
  for (let k = 0; k < now; k++) starts.push({ index: heavy[k]!, threads: Math.min(most, Math.max(1, each + (k < extra ? 1 : 0))) });
  return starts;
}

/**
 * The workers a study runs: a number as given, or 'auto': two when the kernels have two
 * threads or more (trials side by side on a thread each beat one trial on both), else one, in
 * this process. Measured on 2 cores only; more cores get two workers sharing all the threads.
 * @example resolveWorkers('auto', 2); // 2
 */
export function resolveWorkers(workers: number | 'auto', threads: number): number {
  return workers === 'auto' ? (threads >= 2 ? 2 : 1) : workers;
}
