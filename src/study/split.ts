/**
 * The validation split: carved from the training data with a seed, so every decision the study
 * takes (best level, best bit width, the adaptive controller) sees data it never trained on, and
 * the test split is left to report the chosen models only.
 */
import { createRng, subsetDataset, type Dataset } from '../data/index.js';

export interface CarvedSplit {
  /** What training batches are drawn from: the training split minus the validation images. */
  train: Dataset;
  val: Dataset;
  /** Indices into the original training split, each in ascending order. */
  trainIndices: Int32Array;
  valIndices: Int32Array;
}

/**
 * Holds out `valCount` images of `train`, chosen by a seeded permutation (so the validation split
 * has every class in about its share, whatever order the file keeps). Both parts keep the
 * original order among themselves; they are disjoint and together are all of `train`.
 * @example const { train, val } = carveValidation(split.train, 5000, 0);
 */
export function carveValidation(train: Dataset, valCount: number, seed: number): CarvedSplit {
  if (!(Number.isInteger(valCount) && valCount >= 1 && valCount < train.count)) {
    throw new RangeError(`validation split: ${valCount} images asked of a training split of ${train.count}; need an integer in [1, ${train.count - 1}]`);
  }
  const order = new Int32Array(train.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  createRng(seed).shuffle(order);
  const valIndices = order.slice(0, valCount).sort();
  const trainIndices = order.slice(valCount).sort();
  return {
    train: subsetDataset(train, trainIndices, `${train.name}-train`),
    val: subsetDataset(train, valIndices, `${train.name}-val`),
    trainIndices, valIndices,
  };
}
