/**
 * Stage 4's rule: among the trials of a stage whose validation accuracy is within the tolerance of
 * the baseline's, the highest compression (the highest sparsity, or the fewest bits); ties by
 * validation accuracy, then by mode (refine, aware, post), then by id, so the choice never
 * depends on the order trials finished in.
 */
import type { TrialModeName } from './config.js';
import type { Choice, Trial } from './results.js';

export interface SelectionRule {
  /** Percentage points of accuracy below the baseline's that still pass. */
  tolerance: number;
  /** Modes a chosen trial may have. */
  modes: readonly TrialModeName[];
}

const MODE_RANK: Record<string, number> = { refine: 0, aware: 1, post: 2, train: 3 };
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** 100·(baseline − accuracy), in percentage points; within tolerance with 1e-9 slack for float noise. */
export function withinTolerance(baselineVal: number, valAccuracy: number, tolerance: number): boolean {
  return 100 * (baselineVal - valAccuracy) <= tolerance + 1e-9;
}

function levelOf(t: Trial, by: 'sparsity' | 'bits'): string {
  return by === 'sparsity' ? `${(100 * (t.sparsity ?? 0)).toFixed(1).replace(/\.0$/, '')}%` : `${t.bits} bits`;
}

/**
 * Picks the best trial of `trials` (one stage's) by compression: `by` 'sparsity' (higher is
 * better) or 'bits' (lower is better). Null when none is within the tolerance.
 * @example chooseBest(pruneTrials, baseline.valAccuracy, 'sparsity', { tolerance: 0.5, modes: ['refine'] })
 */
export function chooseBest(trials: readonly Trial[], baselineVal: number, by: 'sparsity' | 'bits', rule: SelectionRule): { choice: Choice | null; reason: string } {
  const eligible = trials.filter((t) => (rule.modes as readonly string[]).includes(t.mode) && (by === 'sparsity' ? t.sparsity !== null : t.bits !== null));
  const passing = eligible.filter((t) => withinTolerance(baselineVal, t.valAccuracy, rule.tolerance));
  const compression = (t: Trial) => (by === 'sparsity' ? t.sparsity! : -t.bits!);
  passing.sort((a, b) => compression(b) - compression(a) || b.valAccuracy - a.valAccuracy ||
    MODE_RANK[a.mode]! - MODE_RANK[b.mode]! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const best = passing[0];
  const bound = `within ${rule.tolerance} pp of the baseline's ${pct(baselineVal)} on validation (modes: ${rule.modes.join(', ')})`;
  if (best === undefined) {
    return { choice: null, reason: `no ${by === 'sparsity' ? 'pruning level' : 'bit width'} of ${eligible.length} trial(s) is ${bound}` };
  }
  // The next step of compression that failed, if any: what the choice stopped short of.
  const failed = eligible.filter((t) => compression(t) > compression(best) && !withinTolerance(baselineVal, t.valAccuracy, rule.tolerance));
  const beyond = failed.sort((a, b) => compression(a) - compression(b) || b.valAccuracy - a.valAccuracy)[0];
  const drop = (t: Trial) => `${(100 * (baselineVal - t.valAccuracy)).toFixed(2)} pp`;
  const reason = `${by === 'sparsity' ? 'highest sparsity' : 'fewest bits'} ${bound}: ${levelOf(best, by)} ${best.mode} at ${pct(best.valAccuracy)} (drop ${drop(best)})` +
    (beyond ? `; ${levelOf(beyond, by)} reached at best ${pct(beyond.valAccuracy)} (drop ${drop(beyond)})` : '');
  return {
    choice: { trial: best.id, sparsity: best.sparsity, bits: best.bits, valAccuracy: best.valAccuracy, reason },
    reason,
  };
}

/**
 * The best trial of each compression level within the tolerance, most compressed first: the
 * choices the combination falls back on, in order, when the most compressed pair fails.
 * @example passingLevels(quantTrials, 0.99, 'bits', rule).map((t) => t.bits) // [3, 4, 6, 8]
 */
export function passingLevels(trials: readonly Trial[], baselineVal: number, by: 'sparsity' | 'bits', rule: SelectionRule): Trial[] {
  const levels = new Map<number, Trial>();
  for (const t of trials) {
    const level = by === 'sparsity' ? t.sparsity : t.bits;
    if (level === null || !(rule.modes as readonly string[]).includes(t.mode) || !withinTolerance(baselineVal, t.valAccuracy, rule.tolerance)) continue;
    const best = chooseBest([t, ...(levels.has(level) ? [levels.get(level)!] : [])], baselineVal, by, rule).choice!;
    levels.set(level, best.trial === t.id ? t : levels.get(level)!);
  }
  return [...levels.entries()].sort(([a], [b]) => (by === 'sparsity' ? b - a : a - b)).map(([, t]) => t);
}
