/**
 * The dynamic threshold controller (our reading of the paper's "dynamically adjusting the
 * pruning thresholds based on the fine-tuning performance"): raise the percentile by
 * `step` while the fine-tuned accuracy stays within `tolerance` percentage points of the
 * baseline; when a level fails, go back to the last good level and halve the step.
 *
 * Precise rules:
 * - A trial passes when 100·(baseline − fineTuned) ≤ tolerance (with 1e-9 slack, so a
 *   drop of exactly 0.5 pp computed in floating point still passes a 0.5 pp tolerance).
 * - The next level is lastGood + step; lastGood starts at 0 (the unpruned model), but the
 *   first level tried is `start`.
 * - A level at or above 100, or at or above a level that already failed, counts as a
 *   failure without being run: pruning is assumed monotone in harm, and this keeps the
 *   search from paying twice for the same answer. A level of 100 is never run (it would
 *   prune every weight, see percentile.ts).
 * - The search stops when the step falls below `minStep`, or after `maxTrials` trials.
 * Levels are sums of step/2^j, exact in binary, so the trajectory is reproducible; the
 * controller adds no randomness of its own, so given a deterministic trial (seeded
 * fine-tuning) the whole search is deterministic.
 */

export interface ControllerOptions {
  /** Accuracy of the unpruned model, a fraction in [0, 1]. */
  baseline: number;
  /** Allowed drop, in percentage points of accuracy (0.5 means 98.9% → 98.4% still passes). */
  tolerance: number;
  /** First percentile tried, in (0, 100). */
  start: number;
  /** Initial increase of the percentile, > 0. */
  step: number;
  /** Stop once the step is halved below this, > 0. */
  minStep: number;
  /** Upper bound on trials run (default 50). */
  maxTrials?: number;
}

export interface TrialOutcome {
  postPruneAccuracy: number;
  fineTunedAccuracy: number;
  /** The fraction of weights actually masked at this level. */
  sparsity?: number;
}

export interface TrialRecord extends TrialOutcome {
  trial: number;
  /** Percentile tried. */
  level: number;
  /** The step in force when this level was chosen. */
  step: number;
  /** 100·(baseline − fineTunedAccuracy), percentage points. */
  dropPp: number;
  accepted: boolean;
}

export interface AdaptiveResult {
  baseline: number;
  tolerance: number;
  /** Highest percentile that passed; 0 when none did (the model stays unpruned). */
  bestLevel: number;
  best: TrialRecord | null;
  trajectory: TrialRecord[];
  stopReason: string;
}

export function checkControllerOptions(o: ControllerOptions): void {
  const fail = (what: string) => {
    throw new RangeError(`adaptive pruning: ${what}`);
  };
  if (!(o.baseline >= 0 && o.baseline <= 1)) fail(`baseline accuracy must be a fraction in [0, 1], got ${o.baseline}`);
  if (!(o.tolerance >= 0 && Number.isFinite(o.tolerance))) fail(`tolerance must be >= 0 percentage points, got ${o.tolerance}`);
  if (!(o.start > 0 && o.start < 100)) fail(`start must be a percentile in (0, 100), got ${o.start}`);
  if (!(o.step > 0 && Number.isFinite(o.step))) fail(`step must be > 0, got ${o.step}`);
  if (!(o.minStep > 0 && o.minStep <= o.step)) fail(`minStep must be in (0, step = ${o.step}], got ${o.minStep}`);
  if (o.maxTrials !== undefined && !(Number.isInteger(o.maxTrials) && o.maxTrials >= 1)) fail(`maxTrials must be a positive integer, got ${o.maxTrials}`);
}

/**
 * Runs the search. `run(level)` must prune the last accepted state to `level`, fine-tune
 * and measure; `onAccept` is told when a level becomes the new good state (so the caller
 * can keep a copy of it).
 */
export async function searchThreshold(
  o: ControllerOptions,
  run: (level: number) => Promise<TrialOutcome>,
  hooks: { onAccept?(rec: TrialRecord): void; onTrial?(rec: TrialRecord): void } = {},
): Promise<AdaptiveResult> {
  checkControllerOptions(o);
  const maxTrials = o.maxTrials ?? 50;
  const trajectory: TrialRecord[] = [];
  let good = 0, best: TrialRecord | null = null, step = o.step, level = o.start, lowestFailed = 100;
  let stopReason = '';
  for (;;) {
    if (level >= lowestFailed) {
      step /= 2;
      if (step < o.minStep) {
        stopReason = `step ${step} fell below minStep ${o.minStep}`;
        break;
      }
      level = good + step;
      continue;
    }
    if (trajectory.length >= maxTrials) {
      stopReason = `reached maxTrials ${maxTrials}`;
      break;
    }
    const out = await run(level);
    const dropPp = 100 * (o.baseline - out.fineTunedAccuracy);
    const rec: TrialRecord = { trial: trajectory.length + 1, level, step, ...out, dropPp, accepted: dropPp <= o.tolerance + 1e-9 };
    trajectory.push(rec);
    hooks.onTrial?.(rec);
    if (rec.accepted) {
      good = level;
      best = rec;
      hooks.onAccept?.(rec);
      level = good + step;
    } else {
      lowestFailed = Math.min(lowestFailed, level);
      step /= 2;
      if (step < o.minStep) {
        stopReason = `step ${step} fell below minStep ${o.minStep}`;
        break;
      }
      level = good + step;
    }
  }
  return { baseline: o.baseline, tolerance: o.tolerance, bestLevel: good, best, trajectory, stopReason };
}
