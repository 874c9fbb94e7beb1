/**
 * Sensitivity analysis: prune one layer alone at each level, measure accuracy, put the
 * layer back; the result is one accuracy-vs-sparsity curve per layer. Every level starts
 * from the same (unpruned or already pruned) state, so the curves measure each layer's
 * own tolerance, not an accumulation.
 */
import { evaluate, type BatchSource, type Model } from '../../nn/index.js';
import { checkSparsity } from './percentile.js';
import { pruneWithAllocation } from './prune-model.js';
import { prunableLayers, type SelectOptions } from './select.js';
import { captureState, restoreParams } from './state.js';

export interface SensitivityPoint {
  /** The level asked for, in [0, 1). */
  sparsity: number;
  /** The layer's actual fraction of masked weights at that level (floor(s·n) / n). */
  achieved: number;
  accuracy: number;
}

export interface SensitivityCurve {
  layer: string;
  size: number;
  /** Starts with the unpruned point (sparsity 0, the baseline accuracy), then one per level, ascending. */
  points: SensitivityPoint[];
}

export interface SensitivityResult {
  baseline: number;
  curves: SensitivityCurve[];
}

export interface SensitivityOptions extends SelectOptions {
  /** Levels to try, as sparsities in [0, 1); default 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99. */
  levels?: readonly number[];
  /** Evaluation batch size (default 256). */
  batchSize?: number;
  /** Called after each measurement (progress). */
  onPoint?(layer: string, point: SensitivityPoint): void;
}

export const DEFAULT_SENSITIVITY_LEVELS = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99] as const;

/**
 * Measures accuracy on `data` with each chosen layer pruned alone at each level.
 * @example const { curves } = layerSensitivity(model, testSource, { levels: [0.5, 0.9, 0.99] });
 */
export function layerSensitivity(model: Model, data: BatchSource, opts: SensitivityOptions = {}): SensitivityResult {
  const levels = [...(opts.levels ?? DEFAULT_SENSITIVITY_LEVELS)].sort((a, b) => a - b);
  if (levels.length === 0) throw new RangeError('sensitivity: no levels given');
  levels.forEach((s, i) => checkSparsity(s, `sensitivity (level ${i + 1})`));
  const layers = prunableLayers(model, opts);
  const saved = captureState(model);
  const baseline = evaluate(model, data, opts.batchSize).accuracy;
  const curves: SensitivityCurve[] = [];
  try {
    for (const layer of layers) {
      const points: SensitivityPoint[] = [{ sparsity: 0, achieved: layer.param.mask?.sparsity() ?? 0, accuracy: baseline }];
      for (const s of levels) {
        if (s === 0) continue;
        const r = pruneWithAllocation(model, { [layer.name]: s });
        const point = { sparsity: s, achieved: r.layers[0]!.sparsity, accuracy: evaluate(model, data, opts.batchSize).accuracy };
        points.push(point);
        opts.onPoint?.(layer.name, point);
        restoreParams(model, saved, [layer.name]);
      }
      curves.push({ layer: layer.name, size: layer.param.size, points });
    }
  } finally {
    restoreParams(model, saved, layers.map((l) => l.name));
  }
  return { baseline, curves };
}
