/**
 * How the stages hand trials to whatever runs them: one small interface, so an in-process queue,
 * a pool of worker processes (worker-queue.ts) or a distributed backend can run the same study.
 * A job carries everything a runner needs (its spec and id); results come back through the run
 * directory and the promise. Submitting a job id twice gives the same promise.
 */
import type { StudyEvent } from './events.js';
import { runTrial } from './run-trial.js';
import type { TrialJob, TrialResult } from './trial-spec.js';

export interface JobQueue {
  /** Runs the job (or finds it finished) and resolves with its result. */
  submit(job: TrialJob): Promise<TrialResult>;
  /** Waits for nothing more; releases workers. Jobs still queued are rejected. */
  close(): Promise<void>;
}

export interface QueueContext {
  runDir: string;
  cacheDir: string | null;
  onEvent?(e: StudyEvent): void;
}

/** Runs jobs one at a time in this process, in the order they were submitted. */
export class InProcessQueue implements JobQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly jobs = new Map<string, Promise<TrialResult>>();
  private closed = false;

  constructor(private readonly ctx: QueueContext) {}

  submit(job: TrialJob): Promise<TrialResult> {
    const known = this.jobs.get(job.id);
    if (known) return known;
    const run = this.tail.then(() => {
      if (this.closed) throw new Error(`job queue closed before trial ${job.id} ran`);
      return runTrial(job, this.ctx);
    });
    this.tail = run.catch(() => undefined);
    this.jobs.set(job.id, run);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
