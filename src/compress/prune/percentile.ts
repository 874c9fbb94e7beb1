/**
 * Percentile semantics, the one place they are defined.
 *
 * A pruning level is a sparsity `s` in [0, 1), or the same as a percentile `p = 100·s`
 * in [0, 100). Over a set of n weights, level s prunes exactly
 *
 *     k = floor(s·n)
 *
 * weights: the k smallest by |w|. Ties are broken by position (the lower flat index, and
 * in a global ranking the earlier layer, goes first), so exactly k are pruned whatever
 * the values. Consequences: s = 0 prunes nothing; a layer with n = 1 loses its weight
 * only at s = 1, which is not a valid level, so it is never pruned; n = 2 loses one
 * weight from s = 0.5 on. s = 1 (p = 100) is rejected rather than pruning everything,
 * because a layer with no weights left carries no signal and no fine-tuning can bring
 * it back.
 *
 * floor is taken on s·n as the user meant it, not as binary floating point computes it:
 * 0.29·100 is 28.999999999999996 in doubles, and a plain floor would prune 28. Products
 * within 1e-9 (relative) of an integer are rounded to that integer first.
 *
 * Weights that are already masked rank below every live weight, whatever their value,
 * so raising the level only adds zeros to a mask, and the result is ANDed with the old
 * mask: pruning never revives a weight (asking for less sparsity than a mask already has
 * leaves that mask as it is).
 */

/** Throws unless `sparsity` is a valid level; `where` names the caller and the option. */
export function checkSparsity(sparsity: number, where: string): void {
  if (typeof sparsity !== 'number' || !Number.isFinite(sparsity) || sparsity < 0 || sparsity >= 1) {
    throw new RangeError(`${where}: sparsity must be a number in [0, 1) (percentile in [0, 100)), got ${String(sparsity)}`);
  }
}

/** The number of weights level `sparsity` prunes out of `n`: floor(s·n), see above. */
export function pruneCount(n: number, sparsity: number): number {
  checkSparsity(sparsity, 'pruneCount');
  const x = sparsity * n;
  const r = Math.round(x);
  return Math.abs(x - r) <= 1e-9 * Math.max(1, Math.abs(x)) ? r : Math.floor(x);
}

/** A sparsity from a percentile in [0, 100), checked. */
export function percentileToSparsity(percentile: number, where: string): number {
  if (typeof percentile !== 'number' || !Number.isFinite(percentile) || percentile < 0 || percentile >= 100) {
    throw new RangeError(`${where}: percentile must be a number in [0, 100), got ${String(percentile)}`);
  }
  return percentile / 100;
}

/**
 * Ranking keys: |w| for live weights, -1 for weights a previous mask already removed, so
 * they come first. NaN weights are an error: they have no place in a magnitude order.
 */
export function magnitudeKeys(values: Float32Array, mask: Uint8Array | null, where: string): Float32Array {
  const keys = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw new RangeError(`${where}: weight ${i} is NaN; cannot rank by magnitude`);
    keys[i] = mask !== null && mask[i] === 0 ? -1 : Math.abs(v);
  }
  return keys;
}

/**
 * Marks the `k` smallest keys (ties by index) with 0 in a fresh keep-mask (1 keep, 0 prune),
 * returning it together with the threshold: the largest pruned key (-Infinity when k = 0).
 * Sorting a copy of the keys with the native typed-array sort finds the k-th smallest
 * value t; everything below t is pruned, and the first (k - #below) entries equal to t in
 * index order complete the count.
 */
export function smallestK(keys: Float32Array, k: number): { keep: Uint8Array; threshold: number } {
  const n = keys.length;
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new RangeError(`smallestK: k must be an integer in [0, ${n}], got ${k}`);
  const keep = new Uint8Array(n).fill(1);
  if (k === 0) return { keep, threshold: -Infinity };
  const sorted = keys.slice().sort();
  const t = sorted[k - 1]!;
  let below = 0;
  for (let i = 0; i < n; i++) if (keys[i]! < t) below++;
  let atT = k - below;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    if (key < t) keep[i] = 0;
    else if (key === t && atT > 0) {
      keep[i] = 0;
      atT--;
    }
  }
  return { keep, threshold: t };
}

/**
 * The keep-mask for one layer at level `sparsity`.
 * @example magnitudeMask(Float32Array.of(0.3, -0.1, 0.2, 0.1), 0.5) // → [1, 0, 1, 0]
 */
export function magnitudeMask(values: Float32Array, sparsity: number, existing: Uint8Array | null = null): Uint8Array {
  checkSparsity(sparsity, 'magnitudeMask');
  const { keep } = smallestK(magnitudeKeys(values, existing, 'magnitudeMask'), pruneCount(values.length, sparsity));
  if (existing !== null) for (let i = 0; i < keep.length; i++) if (existing[i] === 0) keep[i] = 0;
  return keep;
}

/**
 * Keep-masks for several layers ranked together (global scope): the k = floor(s·N)
 * smallest of all N weights, ties broken by layer order, then index.
 */
export function globalMagnitudeMasks(layers: readonly { values: Float32Array; mask?: Uint8Array | null }[], sparsity: number): Uint8Array[] {
  checkSparsity(sparsity, 'globalMagnitudeMasks');
  const total = layers.reduce((s, l) => s + l.values.length, 0);
  const keys = new Float32Array(total);
  let offset = 0;
  for (const l of layers) {
    keys.set(magnitudeKeys(l.values, l.mask ?? null, 'globalMagnitudeMasks'), offset);
    offset += l.values.length;
  }
  const { keep } = smallestK(keys, pruneCount(total, sparsity));
  offset = 0;
  return layers.map((l) => {
    const m = keep.slice(offset, offset + l.values.length);
    offset += l.values.length;
    if (l.mask) for (let i = 0; i < m.length; i++) if (l.mask[i] === 0) m[i] = 0;
    return m;
  });
}
