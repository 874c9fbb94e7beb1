/**
 * Trials in parallel: a pool of worker processes (each its own WASM memory and kernel threads),
 * each running one trial at a time. The kernel threads are shared out when a trial starts
 * (schedule.ts): a trial alone gets them all, two trials side by side half each. A worker that
 * dies fails the trial it held; workers exit when the main process goes away (their IPC channel
 * closes), so a killed study leaves no orphan writing into its run directory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudyEvent } from './events.js';
import type { JobQueue, QueueContext } from './queue.js';
import { TrialError } from './errors.js';
import { planStarts } from './schedule.js';
import type { TrialJob, TrialResult } from './trial-spec.js';

/** Messages between the pool and a worker (worker-main.ts). */
export type ToWorker = { type: 'run'; job: TrialJob; threads: number };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: StudyEvent }
  | { type: 'done'; id: string; result: TrialResult }
  | { type: 'error'; id: string; message: string };

interface Pending {
  job: TrialJob;
  /** Submission order. */
  seq: number;
  resolve(r: TrialResult): void;
  reject(e: Error): void;
}

interface Worker {
  index: number;
  child: ChildProcess;
  busy: Pending | null;
  /** Kernel threads the running trial holds (0 for a light trial: it reserves none). */
  holds: number;
}

/** A trial that does not train: it loads, evaluates and writes, in well under a second. */
const isLight = (job: TrialJob) => job.spec.train === null;

function workerEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  // Under tsx (tests, `node --import tsx`) the sources are .ts; built, they are .js in dist/.
  const ts = here.endsWith('.ts');
  return { path: join(dirname(here), ts ? 'worker-main.ts' : 'worker-main.js'), execArgv: ts ? ['--import', 'tsx'] : [] };
}

export class WorkerProcessQueue implements JobQueue {
  private readonly workers: Worker[] = [];
  private readonly waiting: Pending[] = [];
  private readonly jobs = new Map<string, Promise<TrialResult>>();
  /** Threads shared out: the kernel threads, or one per worker when there are more workers. */
  private readonly threads: number;
  private readonly maxThreads: number;
  private seq = 0;
  private dispatchQueued = false;
  private closed = false;

  /**
   * `threads`: kernel threads in all, shared out among the running trials; with more workers
   * than threads, each worker may still run a trial on one thread (the cores are then shared).
   */
  constructor(private readonly ctx: QueueContext, count: number, threads: number) {
    const { path, execArgv } = workerEntry();
    this.threads = Math.max(threads, count);
    this.maxThreads = threads;
    for (let index = 0; index < count; index++) {
      const child = fork(path, [], {
        execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, PRUNEQUANT_WORKER: String(index + 1), PRUNEQUANT_RUN_DIR: ctx.runDir, PRUNEQUANT_CACHE_DIR: ctx.cacheDir ?? '' },
      });
      const w: Worker = { index: index + 1, child, busy: null, holds: 0 };
      child.on('message', (m: FromWorker) => this.onMessage(w, m));
      child.on('exit', (code, signal) => this.onExit(w, code, signal));
      this.workers.push(w);
    }
  }

  submit(job: TrialJob): Promise<TrialResult> {
    const known = this.jobs.get(job.id);
    if (known) return known;
    const p = new Promise<TrialResult>((resolve, reject) => {
      if (this.closed) return reject(new Error(`job queue closed before trial ${job.id} ran`));
      this.waiting.push({ job, seq: this.seq++, resolve, reject });
      this.dispatchSoon();
    });
    this.jobs.set(job.id, p);
    return p;
  }

  /**
   * Dispatches once the submissions of this turn are in: a finished trial resolves promises
   * whose continuations submit the next ones (a refine after its aware, the next pruning level),
   * and the threads are shared out knowing about all of them.
   */
  private dispatchSoon(): void {
    if (this.dispatchQueued) return;
    this.dispatchQueued = true;
    setImmediate(() => {
      this.dispatchQueued = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    const alive = this.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const idle = alive.filter((w) => w.busy === null);
    const busyHeavy = alive.filter((w) => w.busy !== null && w.holds > 0).length;
    const held = alive.reduce((n, w) => n + w.holds, 0);
    const waiting = this.waiting.map((p) => ({ light: isLight(p.job), priority: p.job.priority ?? 0, seq: p.seq }));
    const starts = planStarts(waiting, { idle: idle.length, busyHeavy, workers: alive.length, freeThreads: Math.max(0, this.threads - held), maxThreads: this.maxThreads });
    const started = new Set<number>();
    for (const [k, s] of starts.entries()) {
      const w = idle[k]!, next = this.waiting[s.index]!;
      started.add(s.index);
      w.busy = next;
      w.holds = waiting[s.index]!.light ? 0 : s.threads;
      w.child.send({ type: 'run', job: next.job, threads: s.threads } satisfies ToWorker);
    }
    if (started.size > 0) this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((_, i) => !started.has(i)));
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'event') {
      this.ctx.onEvent?.({ ...m.event, worker: w.index, ...(m.event.kind === 'trial-start' ? { threads: Math.max(1, w.holds) } : {}) } as StudyEvent);
      return;
    }
    if (m.type === 'ready') return;
    const pending = w.busy;
    if (pending === null || pending.job.id !== m.id) return;
    w.busy = null;
    w.holds = 0;
    if (m.type === 'done') pending.resolve(m.result);
    else pending.reject(new TrialError(m.message, m.id));
    this.dispatchSoon();
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const pending = w.busy;
    w.busy = null;
    w.holds = 0;
    if (pending !== null) pending.reject(new TrialError(`worker ${w.index} exited (${signal ?? `code ${code}`}) while running trial ${pending.job.id}`, pending.job.id));
    if (!this.closed && this.workers.every((x) => x.child.exitCode !== null || x.child.signalCode !== null)) {
      for (const p of this.waiting.splice(0)) p.reject(new Error(`every worker process exited; trial ${p.job.id} did not run`));
    }
    this.dispatchSoon();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new Error(`job queue closed before trial ${p.job.id} ran`));
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
      w.child.once('exit', () => resolve());
      w.child.disconnect();
    })));
  }
}
