/**
 * Which weights a pruning pass may touch. Only params with role 'weight' are candidates:
 * biases and BatchNorm parameters are never pruned (they are few, and zeroing a bias or a
 * BN scale changes a whole channel, not one connection).
 */
import type { Model, Param } from '../../nn/index.js';

export interface SelectOptions {
  /**
   * Layers to leave dense. Each pattern is a glob (`*` any run of characters, `?` one)
   * matched against the whole node name ('conv0') and the whole param path
   * ('conv0.weight'), or `@first` / `@last`: the first and last weight-bearing layer in
   * model order (the first conv and the classifier, in a plain CNN). A pattern that
   * matches no weight is an error, so a typo never silently prunes everything.
   */
  exclude?: readonly string[];
  /** Layers with fewer weights than this stay dense (default 0: no minimum). */
  minSize?: number;
}

export interface PrunableLayer {
  /** Param path, e.g. 'conv0.weight'; the key used in reports, allocations and checkpoints. */
  name: string;
  /** The model node that owns the param. */
  node: string;
  param: Param;
}

/**
 * Thrown for pruning requests that cannot be carried out as asked (bad pattern, nothing to prune).
 * @example try { pruneModel(model, { sparsity: 0.9, exclude: ['conv9'] }); } catch (e) { if (e instanceof PruneError) console.error(e.message); }
 */
export class PruneError extends Error {
  override name = 'PruneError';
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Every weight param of the model, in model order, with its node name. */
export function weightParams(model: Model): PrunableLayer[] {
  const out: PrunableLayer[] = [];
  for (const node of model.nodes) {
    for (const [key, param] of Object.entries(node.layer.params())) {
      if (param.role === 'weight') out.push({ name: `${node.name}.${key}`, node: node.name, param });
    }
  }
  return out;
}

/**
 * The layers a pruning pass works on, in model order.
 * @example prunableLayers(model, { exclude: ['@first', 'fc*'], minSize: 100 })
 */
export function prunableLayers(model: Model, opts: SelectOptions = {}): PrunableLayer[] {
  const minSize = opts.minSize ?? 0;
  if (!(Number.isInteger(minSize) && minSize >= 0)) throw new RangeError(`prune: minSize must be an integer >= 0, got ${String(minSize)}`);
  const all = weightParams(model);
  if (all.length === 0) throw new PruneError(`prune: model ${model.name} has no weight params (only biases or norms); nothing can be pruned`);
  const excluded = new Set<string>();
  for (const pattern of opts.exclude ?? []) {
    let hits: PrunableLayer[];
    if (pattern === '@first') hits = [all[0]!];
    else if (pattern === '@last') hits = [all[all.length - 1]!];
    else {
      const re = globToRegExp(pattern);
      hits = all.filter((l) => re.test(l.node) || re.test(l.name));
    }
    if (hits.length === 0) {
      throw new PruneError(`prune: exclude pattern '${pattern}' matches no weight of model ${model.name}; its weights are ${all.map((l) => l.name).join(', ')}`);
    }
    for (const h of hits) excluded.add(h.name);
  }
  const chosen = all.filter((l) => !excluded.has(l.name) && l.param.size >= minSize);
  if (chosen.length === 0) {
    const sizes = all.map((l) => `${l.name} (${l.param.size}${excluded.has(l.name) ? ', excluded' : ''})`).join(', ');
    throw new PruneError(`prune: no prunable layer left in model ${model.name} after exclude [${(opts.exclude ?? []).join(', ')}] and minSize ${minSize}; weights: ${sizes}`);
  }
  return chosen;
}
