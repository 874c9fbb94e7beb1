/**
 * What a study reports while it runs, one event at a time: the CLI prints each as one plain line
 * (or --json collects them), and worker processes send them to the main process as they happen.
 */
export type StudyEvent =
  | { kind: 'stage'; stage: string; message: string }
  /** How many trials the study expects to run (an estimate with the adaptive controller), for an ETA. */
  | { kind: 'plan'; trials: number; workers: number }
  /** `threads`: the kernel threads a worker process runs the trial on. */
  | { kind: 'trial-start'; trial: string; label: string; worker?: number; threads?: number }
  /** Training progress inside a trial, throttled by the trial (epoch and step count from 1). */
  | { kind: 'batch'; trial: string; label: string; epoch: number; epochs: number; step: number; steps: number; loss: number; worker?: number }
  | { kind: 'epoch'; trial: string; label: string; epoch: number; epochs: number; trainLoss: number; seconds: number; worker?: number }
  | {
    kind: 'trial-done'; trial: string; label: string; valAccuracy: number; pqmBytes: number; seconds: number;
    /** 'run': finished in this run directory before (resume); 'cache': the baseline cache; null: ran now. */
    reused: 'run' | 'cache' | null; worker?: number;
  }
  | { kind: 'choice'; what: 'pruning' | 'bits' | 'combined'; trial: string | null; reason: string }
  | { kind: 'measured'; label: string; testAccuracy: number; pqmBytes: number; batch1P50Ms: number; batch32ImagesPerSecond: number };

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * One line for a terminal or a log. Batch progress has a line too, but a log shows it only in a
 * live display (progressLine drops it).
 */
export function formatEvent(e: StudyEvent): string {
  const w = 'worker' in e && e.worker !== undefined ? ` [w${e.worker}]` : '';
  switch (e.kind) {
    case 'stage': return `== ${e.stage}: ${e.message}`;
    case 'plan': return `== plan: about ${e.trials} trials, ${e.workers} at a time`;
    case 'batch': return `trial ${e.label}: epoch ${e.epoch}/${e.epochs} batch ${e.step}/${e.steps} loss ${e.loss.toFixed(4)}${w}`;
    case 'trial-start': return `trial ${e.label} (${e.trial}) started${e.threads !== undefined ? ` [w${e.worker ?? '?'}, ${e.threads} thread${e.threads === 1 ? '' : 's'}]` : w}`;
    case 'epoch': return `trial ${e.label}: epoch ${e.epoch}/${e.epochs} train loss ${e.trainLoss.toFixed(4)} (${e.seconds.toFixed(1)} s)${w}`;
    case 'trial-done': return `trial ${e.label}: val ${pct(e.valAccuracy)}, ${e.pqmBytes} B .pqm, ` +
      `${e.reused === 'run' ? 'finished before (resumed)' : e.reused === 'cache' ? 'from the baseline cache' : `${e.seconds.toFixed(1)} s`}${w}`;
    case 'choice': return `chose ${e.what}: ${e.trial ?? 'none'} (${e.reason})`;
    case 'measured': return `${e.label}: test ${pct(e.testAccuracy)}, ${e.pqmBytes} B, batch-1 p50 ${e.batch1P50Ms.toFixed(3)} ms, batch-32 ${e.batch32ImagesPerSecond.toFixed(0)} img/s`;
  }
}

/** The line a plain (non-TTY) log prints for an event, or null: batch progress would flood it. */
export function progressLine(e: StudyEvent): string | null {
  return e.kind === 'batch' ? null : formatEvent(e);
}
