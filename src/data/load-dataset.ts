/** Loads a built-in dataset by name. */
import { loadMnist } from './mnist.js';
import { loadFashionMnist } from './fashion-mnist.js';
import type { DatasetSplit, LoadOptions } from './dataset.js';

const LOADERS = {
  mnist: loadMnist,
  'fashion-mnist': loadFashionMnist,
} as const satisfies Record<string, (opts?: LoadOptions) => DatasetSplit>;

export type DatasetName = keyof typeof LOADERS;

/** The names loadDataset knows. */
export const DATASET_NAMES = Object.keys(LOADERS) as DatasetName[];

export function isDatasetName(name: string): name is DatasetName {
  return Object.prototype.hasOwnProperty.call(LOADERS, name);
}

/**
 * A built-in dataset's train and test splits (NCHW float32 pixels in [0, 1], int32 labels).
 * @example const { train, test } = loadDataset('mnist', { limit: 1000 });
 */
export function loadDataset(name: DatasetName, opts: LoadOptions = {}): DatasetSplit {
  if (!isDatasetName(name)) {
    throw new RangeError(`loadDataset: unknown dataset '${String(name)}'; known: ${DATASET_NAMES.join(', ')}`);
  }
  return LOADERS[name](opts);
}
