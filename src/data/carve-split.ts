/**
 * Subsets of a dataset by index, and the held-out test split carved from a folder that has no
 * split folders of its own, so a command that trains on it never reports accuracy on images it
 * trained on.
 */
import { createRng, deriveSeed } from './random.js';
import { imageSize, makeDataset, type Dataset } from './dataset.js';

/**
 * The samples at `indices` (in that order) as a new dataset with copied arrays.
 * @example const firstTwo = subsetDataset(ds, Int32Array.of(0, 1), 'head');
 */
export function subsetDataset(ds: Dataset, indices: Int32Array, name: string): Dataset {
  const per = imageSize(ds);
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    images.set(ds.images.subarray(src * per, (src + 1) * per), i * per);
    labels[i] = ds.labels[src]!;
  });
  return makeDataset({ name, images, labels, count: indices.length, shape: [...ds.shape], classes: ds.classes, ...(ds.classNames ? { classNames: [...ds.classNames] } : {}) });
}

/** One image in this many goes to the carved test split. */
export const CARVED_TEST_ONE_IN = 6;

export interface CarvedTestSplit {
  train: Dataset;
  test: Dataset;
  /** Indices into the whole dataset, ascending; disjoint, and together all of it. */
  trainIndices: Int32Array;
  testIndices: Int32Array;
  seed: number;
  oneIn: number;
}

/**
 * Splits `ds` into train and a held-out test split, class by class: each class's images, in
 * their order, are cut into blocks of `oneIn`, and from each block the image at a position drawn
 * from (seed, class, block) goes to test (a last, shorter block gives one only when the draw
 * falls inside it; a class's only image stays in training). Each block's draw is its own, so the
 * carve of a class-balanced prefix (--limit) is the prefix of the full carve.
 * @example const { train, test } = carveTestSplit(whole, 0); // about 1 in 6 of each class to test
 */
export function carveTestSplit(ds: Dataset, seed: number, oneIn = CARVED_TEST_ONE_IN): CarvedTestSplit {
  if (!(Number.isInteger(oneIn) && oneIn >= 2)) throw new RangeError(`carveTestSplit: oneIn must be an integer >= 2, got ${oneIn}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`carveTestSplit: seed must be a safe integer, got ${seed}`);
  const perClass: number[][] = Array.from({ length: ds.classes }, () => []);
  for (let i = 0; i < ds.count; i++) perClass[ds.labels[i]!]!.push(i);
  const toTest = new Uint8Array(ds.count);
  perClass.forEach((members, label) => {
    if (members.length < 2) return;
    for (let start = 0, block = 0; start < members.length; start += oneIn, block++) {
      const at = start + createRng(deriveSeed(seed, label, block)).int(oneIn);
      if (at < members.length) toTest[members[at]!] = 1;
    }
  });
  const testCount = toTest.reduce((s, v) => s + v, 0);
  if (testCount === 0 || testCount === ds.count) {
    throw new RangeError(`${ds.name}: ${ds.count} image(s) are too few to hold out a test split of 1 in ${oneIn} per class`);
  }
  const trainIndices = new Int32Array(ds.count - testCount), testIndices = new Int32Array(testCount);
  for (let i = 0, a = 0, b = 0; i < ds.count; i++) {
    if (toTest[i]) testIndices[b++] = i;
    else trainIndices[a++] = i;
  }
  return {
    train: subsetDataset(ds, trainIndices, `${ds.name}/carved-train`), test: subsetDataset(ds, testIndices, `${ds.name}/carved-test`),
    trainIndices, testIndices, seed, oneIn,
  };
}
