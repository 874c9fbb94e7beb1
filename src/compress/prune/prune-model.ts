/**
 * One-shot magnitude pruning of a model: per layer (each chosen layer loses floor(s·n) of
 * its own weights) or global (the chosen layers are ranked together and lose
 * floor(s·N) in all), or an explicit per-layer allocation. Masks are installed on the
 * params, which zeroes the weights at once; the optimizers then keep them at 0.
 */
import { Mask } from '../../nn/index.js';
import type { Model } from '../../nn/index.js';
import { checkSparsity, globalMagnitudeMasks, magnitudeMask } from './percentile.js';
import { prunableLayers, PruneError, type PrunableLayer, type SelectOptions } from './select.js';

export type PruneScope = 'layer' | 'global';

export interface PruneOptions extends SelectOptions {
  /** Fraction of the chosen weights to prune, in [0, 1); see percentile.ts for the exact rule. */
  sparsity: number;
  /** 'global' (default) ranks all chosen layers together; 'layer' prunes each layer to `sparsity`. */
  scope?: PruneScope;
}

export interface LayerPruneStats {
  name: string;
  size: number;
  /** Weights masked to zero after this pass (including any pruned before). */
  pruned: number;
  sparsity: number;
}

export interface PruneResult {
  scope: PruneScope | 'allocation';
  /** The level asked for (for an allocation: the parameter-weighted mean of its levels). */
  target: number;
  layers: LayerPruneStats[];
  /** Masked weights over all weights of the chosen layers. */
  sparsity: number;
  pruned: number;
  total: number;
}

function install(layers: readonly PrunableLayer[], masks: readonly Uint8Array[], scope: PruneResult['scope'], target: number): PruneResult {
  const stats: LayerPruneStats[] = layers.map((l, i) => {
    const keep = masks[i]!;
    l.param.setMask(new Mask(l.param.size, keep));
    let pruned = 0;
    for (const b of keep) if (b === 0) pruned++;
    return { name: l.name, size: l.param.size, pruned, sparsity: l.param.size === 0 ? 0 : pruned / l.param.size };
  });
  const pruned = stats.reduce((s, l) => s + l.pruned, 0), total = stats.reduce((s, l) => s + l.size, 0);
  return { scope, target, layers: stats, sparsity: total === 0 ? 0 : pruned / total, pruned, total };
}

/**
 * Prunes the smallest-magnitude weights and installs masks.
 * @example pruneModel(model, { sparsity: 0.9, scope: 'global', exclude: ['@first'] })
 */
export function pruneModel(model: Model, opts: PruneOptions): PruneResult {
  checkSparsity(opts.sparsity, 'prune');
  const scope = opts.scope ?? 'global';
  if (scope !== 'layer' && scope !== 'global') throw new RangeError(`prune: scope must be 'layer' or 'global', got '${String(scope)}'`);
  const layers = prunableLayers(model, opts);
  const current = layers.map((l) => ({ values: l.param.value.toArray(), mask: l.param.mask ? l.param.mask.view().slice() : null }));
  const masks = scope === 'global'
    ? globalMagnitudeMasks(current, opts.sparsity)
    : current.map((c) => magnitudeMask(c.values, opts.sparsity, c.mask));
  return install(layers, masks, scope, opts.sparsity);
}

/**
 * Prunes each named layer to its own level (a sensitivity-guided allocation). Every key
 * must name a weight param; layers not named stay as they are.
 * @example pruneWithAllocation(model, { 'conv0.weight': 0.5, 'fc0.weight': 0.95 });
 */
export function pruneWithAllocation(model: Model, perLayer: Readonly<Record<string, number>>): PruneResult {
  const all = prunableLayers(model);
  const byName = new Map(all.map((l) => [l.name, l]));
  const layers: PrunableLayer[] = [];
  for (const [name, s] of Object.entries(perLayer)) {
    const l = byName.get(name);
    if (l === undefined) throw new PruneError(`prune: the allocation names '${name}', which is not a weight of model ${model.name}; its weights are ${all.map((x) => x.name).join(', ')}`);
    checkSparsity(s, `prune (allocation for ${name})`);
    layers.push(l);
  }
  if (layers.length === 0) throw new PruneError('prune: the allocation is empty');
  const masks = layers.map((l) => magnitudeMask(l.param.value.toArray(), perLayer[l.name]!, l.param.mask ? l.param.mask.view().slice() : null));
  const total = layers.reduce((s, l) => s + l.param.size, 0);
  const target = layers.reduce((s, l) => s + perLayer[l.name]! * l.param.size, 0) / total;
  return install(layers, masks, 'allocation', target);
}

/**
 * Per-layer mask statistics of every weight param, and how many masked weights are not exactly 0.
 * @example const { sparsity, violations } = maskStats(model); // violations 0: every masked weight is 0
 */
export function maskStats(model: Model): { layers: LayerPruneStats[]; sparsity: number; pruned: number; total: number; violations: number } {
  let violations = 0;
  const layers: LayerPruneStats[] = [];
  for (const [name, p] of model.namedParams()) {
    if (p.role !== 'weight') continue;
    let pruned = 0;
    if (p.mask) {
      const m = p.mask.view(), v = p.value.view();
      for (let i = 0; i < m.length; i++) {
        if (m[i] === 0) {
          pruned++;
          if (v[i] !== 0) violations++;
        }
      }
    }
    layers.push({ name, size: p.size, pruned, sparsity: p.size === 0 ? 0 : pruned / p.size });
  }
  const pruned = layers.reduce((s, l) => s + l.pruned, 0), total = layers.reduce((s, l) => s + l.size, 0);
  return { layers, sparsity: total === 0 ? 0 : pruned / total, pruned, total, violations };
}
