/**
 * The data a study trains, decides and reports on: the training split minus the validation
 * images, the validation split, and the test split. Loaded once per process (a worker process
 * loads its own) and kept, since every trial of a study reads the same data.
 */
import { DATASET_NORMALIZATION, batchSource, isDatasetName, loadDataset, type Dataset } from '../data/index.js';
import type { BatchSource } from '../nn/index.js';
import type { DataConfig } from './config.js';
import { canonicalJson } from './hash.js';
import { carveValidation } from './split.js';

export interface StudyData {
  name: string;
  train: Dataset;
  val: Dataset;
  test: Dataset;
  normalization: { mean: number | number[]; std: number | number[] };
  /** Indices into the loaded training split (tests check the two are disjoint). */
  trainIndices: Int32Array;
  valIndices: Int32Array;
}

let cached: { key: string; data: StudyData } | null = null;

/** @example const data = loadStudyData(config.data); */
export function loadStudyData(config: DataConfig): StudyData {
  const key = canonicalJson(config);
  if (cached?.key === key) return cached.data;
  cached = null; // let the previous study's arrays go before loading the next
  if (!isDatasetName(config.dataset)) throw new RangeError(`study data: unknown dataset '${config.dataset}'`);
  const split = loadDataset(config.dataset, {
    ...(config.trainLimit !== null ? { trainLimit: config.trainLimit } : {}),
    ...(config.testLimit !== null ? { testLimit: config.testLimit } : {}),
  });
  const carved = carveValidation(split.train, config.validation, config.splitSeed);
  const normalization = config.normalization === 'dataset' ? { ...DATASET_NORMALIZATION[config.dataset] } : { ...config.normalization };
  const data: StudyData = {
    name: config.dataset, train: carved.train, val: carved.val, test: split.test, normalization,
    trainIndices: carved.trainIndices, valIndices: carved.valIndices,
  };
  cached = { key, data };
  return data;
}

/** Training batches (with the recipe's shift augmentation) and the validation batches. */
export function studySources(data: StudyData, shift = 0): { train: BatchSource; val: BatchSource } {
  return {
    train: batchSource(data.train, { normalization: data.normalization, ...(shift > 0 ? { maxShift: shift } : {}) }),
    val: batchSource(data.val, { normalization: data.normalization }),
  };
}
