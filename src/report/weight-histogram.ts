/**
 * The weight histogram a ChosenModel carries: the baseline's weights (before) and the model's
 * (after) counted over the same bins. The bins are symmetric about zero and their number is
 * odd, so one bin is centred on zero: pruned weights all land there and show as one spike,
 * instead of being split between the two bins that would meet at zero.
 */
import type { WeightHistogram } from './results.js';

/**
 * Counts `before` and `after` (all weights of a model, e.g. every layer's concatenated) in `bins`
 * equal bins spanning [-m, m], m the largest |w| of either. Non-finite values are not counted.
 */
export function weightHistogram(before: ArrayLike<number>, after: ArrayLike<number>, bins = 61): WeightHistogram {
  if (!Number.isSafeInteger(bins) || bins < 1 || bins % 2 === 0) {
    throw new RangeError(`weightHistogram: bins must be an odd integer >= 1 (one bin centred on zero), got ${bins}`);
  }
  let m = 0;
  for (const w of [before, after]) {
    for (let i = 0; i < w.length; i++) if (Number.isFinite(w[i]!) && Math.abs(w[i]!) > m) m = Math.abs(w[i]!);
  }
  if (m === 0) m = 1; // all zero (or empty): any range shows the one spike
  const width = (2 * m) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? m : -m + i * width));
  const count = (w: ArrayLike<number>) => {
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < w.length; i++) {
      const v = w[i]!;
      if (!Number.isFinite(v)) continue;
      // The top edge belongs to the last bin, so +m is counted.
      counts[Math.min(bins - 1, Math.max(0, Math.floor((v + m) / width)))]! += 1;
    }
    return counts;
  };
  return { edges, before: count(before), after: count(after) };
}
