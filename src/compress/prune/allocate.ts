/**
 * Sensitivity-guided allocation: per-layer levels that reach a global (parameter-weighted)
 * sparsity while losing as little accuracy as the sensitivity curves predict.
 *
 * Greedy on marginal cost: every layer starts at 0; each round moves the one layer whose
 * next measured level costs the least accuracy per weight removed,
 *     cost = (acc(level_i) − acc(level_i+1)) / (size · (level_i+1 − level_i)),
 * so large, tolerant layers take most of the sparsity and small, sensitive ones (the first
 * conv, the classifier) keep their weights. The round that would pass the target stops
 * part-way, interpolating that layer's level linearly so the weighted sparsity lands on
 * the target. Ties go to the larger step, then to model order, so the result is
 * deterministic. Drops are assumed to add up across layers; that is the model's only
 * approximation, and the acceptance script checks it against uniform pruning.
 */
import { checkSparsity } from './percentile.js';
import { PruneError } from './select.js';
import type { SensitivityCurve } from './sensitivity.js';

export interface Allocation {
  /** Level per layer (param path → sparsity in [0, 1)). */
  perLayer: Record<string, number>;
  /** Parameter-weighted sparsity of the allocation over the curves' layers. */
  sparsity: number;
  /** Sum over layers of the accuracy drop each curve predicts at its level (a fraction). */
  predictedDrop: number;
}

/** Accuracy at sparsity s by linear interpolation between measured points. */
export function interpolateAccuracy(curve: SensitivityCurve, s: number): number {
  const pts = curve.points;
  if (s <= pts[0]!.sparsity) return pts[0]!.accuracy;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!, b = pts[i]!;
    if (s <= b.sparsity) return a.accuracy + ((b.accuracy - a.accuracy) * (s - a.sparsity)) / (b.sparsity - a.sparsity);
  }
  return pts[pts.length - 1]!.accuracy;
}

function summarize(curves: readonly SensitivityCurve[], perLayer: Record<string, number>): Allocation {
  const total = curves.reduce((s, c) => s + c.size, 0);
  const sparsity = curves.reduce((s, c) => s + c.size * (perLayer[c.layer] ?? 0), 0) / total;
  const predictedDrop = curves.reduce((s, c) => s + (c.points[0]!.accuracy - interpolateAccuracy(c, perLayer[c.layer] ?? 0)), 0);
  return { perLayer, sparsity, predictedDrop };
}

/** The same level for every layer: the baseline that sensitivity guidance has to beat. */
export function uniformAllocation(curves: readonly SensitivityCurve[], target: number): Allocation {
  checkSparsity(target, 'uniform allocation (target)');
  return summarize(curves, Object.fromEntries(curves.map((c) => [c.layer, target])));
}

/**
 * @example const { perLayer } = allocateSparsity(curves, 0.9); pruneWithAllocation(model, perLayer);
 */
export function allocateSparsity(curves: readonly SensitivityCurve[], target: number): Allocation {
  checkSparsity(target, 'sensitivity allocation (target)');
  if (curves.length === 0) throw new PruneError('sensitivity allocation: no curves');
  for (const c of curves) {
    const p = c.points;
    if (p.length === 0 || p[0]!.sparsity !== 0) throw new PruneError(`sensitivity allocation: the curve of ${c.layer} must start at sparsity 0`);
    for (let i = 1; i < p.length; i++) {
      if (!(p[i]!.sparsity > p[i - 1]!.sparsity)) throw new PruneError(`sensitivity allocation: the levels of ${c.layer} are not strictly ascending`);
    }
  }
  const total = curves.reduce((s, c) => s + c.size, 0);
  const maxReach = curves.reduce((s, c) => s + c.size * c.points[c.points.length - 1]!.sparsity, 0) / total;
  if (target > maxReach + 1e-12) {
    throw new PruneError(`sensitivity allocation: target sparsity ${target} is above ${maxReach.toFixed(4)}, the most the measured levels reach; measure higher levels`);
  }
  const at = curves.map(() => 0);
  const level = curves.map(() => 0);
  const goal = target * total;
  let removed = 0;
  while (removed < goal - 1e-9) {
    let best = -1, bestCost = Infinity, bestStep = 0;
    curves.forEach((c, i) => {
      const j = at[i]!;
      if (j + 1 >= c.points.length) return;
      const a = c.points[j]!, b = c.points[j + 1]!;
      const step = c.size * (b.sparsity - a.sparsity);
      const cost = (a.accuracy - b.accuracy) / step;
      if (cost < bestCost || (cost === bestCost && step > bestStep)) {
        best = i;
        bestCost = cost;
        bestStep = step;
      }
    });
    if (best < 0) break; // unreachable: maxReach was checked above
    const c = curves[best]!;
    const next = c.points[at[best]! + 1]!;
    if (removed + bestStep >= goal) {
      level[best] = level[best]! + (goal - removed) / c.size;
      removed = goal;
    } else {
      level[best] = next.sparsity;
      at[best] = at[best]! + 1;
      removed += bestStep;
    }
  }
  return summarize(curves, Object.fromEntries(curves.map((c, i) => [c.layer, Math.min(level[i]!, c.points[c.points.length - 1]!.sparsity)])));
}
