/**
 * Trials in parallel: a pool of worker processes (each its own WASM memory and kernel threads),
 * each running one trial at a time. The kernel threads are shared out: with T threads and N
 * workers, each worker gets max(1, floor(T / N)). A worker that dies fails the trial it held;
 * workers exit when the main process goes away (their IPC channel closes), so a killed study
 * leaves no orphan writing into its run directory.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudyEvent } from './events.js';
import type { JobQueue, QueueContext } from './queue.js';
import { TrialError } from './errors.js';
import type { TrialJob, TrialResult } from './trial-spec.js';

/** Messages between the pool and a worker (worker-main.ts). */
export type ToWorker = { type: 'run'; job: TrialJob };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: StudyEvent }
  | { type: 'done'; id: string; result: TrialResult }
  | { type: 'error'; id: string; message: string };

interface Pending {
  job: TrialJob;
  resolve(r: TrialResult): void;
  reject(e: Error): void;
}

interface Worker {
  index: number;
  child: ChildProcess;
  busy: Pending | null;
}

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
  private closed = false;

  /** `threads`: kernel threads in all; each worker gets its share. */
  constructor(private readonly ctx: QueueContext, count: number, threads: number) {
    const { path, execArgv } = workerEntry();
    const each = Math.max(1, Math.floor(threads / count));
    for (let index = 0; index < count; index++) {
      const child = fork(path, [], {
        execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, PRUNEQUANT_WORKER: String(index + 1), PRUNEQUANT_WORKER_THREADS: String(each), PRUNEQUANT_RUN_DIR: ctx.runDir, PRUNEQUANT_CACHE_DIR: ctx.cacheDir ?? '' },
      });
      const w: Worker = { index: index + 1, child, busy: null };
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
      this.waiting.push({ job, resolve, reject });
      this.dispatch();
    });
    this.jobs.set(job.id, p);
    return p;
  }

  private dispatch(): void {
    for (const w of this.workers) {
      if (w.busy !== null || w.child.exitCode !== null || w.child.signalCode !== null) continue;
      const next = this.waiting.shift();
      if (next === undefined) return;
      w.busy = next;
      w.child.send({ type: 'run', job: next.job } satisfies ToWorker);
    }
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'event') {
      this.ctx.onEvent?.({ ...m.event, worker: w.index } as StudyEvent);
      return;
    }
    if (m.type === 'ready') return;
    const pending = w.busy;
    if (pending === null || pending.job.id !== m.id) return;
    w.busy = null;
    if (m.type === 'done') pending.resolve(m.result);
    else pending.reject(new TrialError(m.message, m.id));
    this.dispatch();
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const pending = w.busy;
    w.busy = null;
    if (pending !== null) pending.reject(new TrialError(`worker ${w.index} exited (${signal ?? `code ${code}`}) while running trial ${pending.job.id}`, pending.job.id));
    if (!this.closed && this.workers.every((x) => x.child.exitCode !== null || x.child.signalCode !== null)) {
      for (const p of this.waiting.splice(0)) p.reject(new Error(`every worker process exited; trial ${p.job.id} did not run`));
    }
    this.dispatch();
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
