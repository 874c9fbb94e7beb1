/**
 * The data layer: built-in datasets as plain typed arrays (NCHW float32 images, int32
 * labels), normalisation, seeded batching and augmentation, and the seeded PRNG other
 * layers reuse. At run time it depends on nothing else in prunequant (batch-source.ts and
 * batches.ts import only types from src/nn).
 */
export type { Dataset, DatasetSplit, LoadOptions } from './dataset.js';
export { makeDataset, sliceDataset, labelHistogram, imageSize } from './dataset.js';
export { DatasetFormatError, DatasetNotInstalledError } from './errors.js';
export { Rng, createRng, deriveSeed } from './random.js';
export { parseIdx, readIdxFile, type IdxArray } from './idx.js';
export { loadMnist, MNIST_CLASS_NAMES } from './mnist.js';
export { loadFashionMnist, FASHION_MNIST_CLASS_NAMES } from './fashion-mnist.js';
export { loadDataset, DATASET_NAMES, isDatasetName, type DatasetName } from './load-dataset.js';
export {
  normalize,
  datasetStats,
  MNIST_MEAN,
  MNIST_STD,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  DATASET_NORMALIZATION,
  type ChannelStats,
} from './normalize.js';
export { batches, BatchIterator, epochOrder, batchCount, type DatasetBatch, type BatchOptions } from './batches.js';
export { randomShift, randomHorizontalFlip, type ImageBatch } from './augment.js';
export { batchSource, type BatchSourceOptions } from './batch-source.js';
export { loadDatasetPath, datasetPathShape, type PathDataset, type PathDatasetOptions, type PathDatasetFormat } from './dataset-path.js';
export { subsetDataset, carveTestSplit, CARVED_TEST_ONE_IN, type CarvedTestSplit } from './carve-split.js';
