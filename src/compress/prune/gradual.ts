/**
 * Gradual pruning with the cubic schedule of Zhu & Gupta ("To prune, or not to prune",
 * 2017): over n pruning steps spaced Δt training steps apart from step t0, the sparsity
 * rises from s_i to s_f as
 *
 *     s_t = s_f + (s_i - s_f) · (1 - (t - t0) / (n·Δt))^3,   t = t0, t0 + Δt, …, t0 + n·Δt
 *
 * quickly at first, while many redundant weights remain, then slowly. Masks only gain
 * zeros (percentile.ts), so each pruning step builds on the last.
 */
import type { Model } from '../../nn/index.js';
import { checkSparsity } from './percentile.js';
import { pruneModel, type PruneResult, type PruneScope } from './prune-model.js';
import type { SelectOptions } from './select.js';

export interface CubicSchedule {
  /** s_i, in [0, 1). */
  initialSparsity: number;
  /** s_f, in [0, 1). */
  finalSparsity: number;
  /** t0: the training step (count of optimizer steps done) of the first pruning. */
  startStep: number;
  /** n: the number of pruning intervals; the last pruning is at t0 + n·Δt. */
  pruningSteps: number;
  /** Δt: training steps between prunings. */
  frequency: number;
}

export function checkSchedule(s: CubicSchedule): void {
  checkSparsity(s.initialSparsity, 'gradual pruning (initialSparsity)');
  checkSparsity(s.finalSparsity, 'gradual pruning (finalSparsity)');
  for (const [k, v, min] of [['startStep', s.startStep, 0], ['pruningSteps', s.pruningSteps, 1], ['frequency', s.frequency, 1]] as const) {
    if (!(Number.isInteger(v) && v >= min)) throw new RangeError(`gradual pruning: ${k} must be an integer >= ${min}, got ${String(v)}`);
  }
}

/** s_t for any step t: s_i before t0, s_f from t0 + n·Δt on, the cubic in between. */
export function cubicSparsity(t: number, s: CubicSchedule): number {
  const span = s.pruningSteps * s.frequency;
  if (t <= s.startStep) return s.initialSparsity;
  if (t >= s.startStep + span) return s.finalSparsity;
  return s.finalSparsity + (s.initialSparsity - s.finalSparsity) * (1 - (t - s.startStep) / span) ** 3;
}

/** Whether step t is one of the pruning steps t0 + jΔt, j = 0..n. */
export function isPruningStep(t: number, s: CubicSchedule): boolean {
  const d = t - s.startStep;
  return d >= 0 && d <= s.pruningSteps * s.frequency && d % s.frequency === 0;
}

export interface GradualOptions extends SelectOptions {
  schedule: CubicSchedule;
  scope?: PruneScope;
}

/**
 * Drives the schedule from the training loop: pass `afterStep` to `fit` (it counts
 * optimizer steps), call `begin()` before training to apply the step-0 level when t0 = 0,
 * and `finish()` after, which reaches s_f even if training stopped before t0 + n·Δt.
 * @example const g = new GradualPruner(model, { schedule }); g.begin(); await fit(model, train, opt, { ...o, afterStep: g.afterStep });
 */
export class GradualPruner {
  /** Optimizer steps completed so far. */
  step = 0;
  readonly history: { step: number; target: number; sparsity: number }[] = [];
  last: PruneResult | null = null;

  constructor(private readonly model: Model, private readonly opts: GradualOptions) {
    checkSchedule(opts.schedule);
  }

  private pruneTo(target: number): void {
    const { schedule: _, ...select } = this.opts;
    this.last = pruneModel(this.model, { ...select, sparsity: target });
    this.history.push({ step: this.step, target, sparsity: this.last.sparsity });
  }

  begin(): void {
    if (isPruningStep(this.step, this.opts.schedule)) this.pruneTo(cubicSparsity(this.step, this.opts.schedule));
  }

  readonly afterStep = (): void => {
    this.step++;
    if (isPruningStep(this.step, this.opts.schedule)) this.pruneTo(cubicSparsity(this.step, this.opts.schedule));
  };

  finish(): PruneResult {
    const final = this.opts.schedule.finalSparsity;
    if (this.last === null || this.history[this.history.length - 1]!.target !== final) this.pruneTo(final);
    return this.last!;
  }
}
