/**
 * Per-channel standardisation: x' = (x - mean[c]) / std[c].
 */
import { imageSize, type Dataset } from './dataset.js';
import type { DatasetName } from './load-dataset.js';

/** The usual MNIST train-set statistics of pixels in [0, 1] (torchvision examples). */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

export interface ChannelStats {
  /** One entry per channel. */
  mean: number[];
  /** Population standard deviation (divides by N), one entry per channel. */
  std: number[];
}

/**
 * Mean and standard deviation of every channel over all images and pixels. Sums run
 * in float64 (two passes, so the variance does not suffer from cancellation).
 */
export function datasetStats(ds: Dataset): ChannelStats {
  const [c, h, w] = ds.shape;
  const plane = h * w;
  const size = imageSize(ds);
  const n = ds.count * plane;
  if (n === 0) throw new RangeError(`datasetStats('${ds.name}'): the dataset is empty`);
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < ds.count; i++) {
      const base = i * size + ch * plane;
      for (let p = 0; p < plane; p++) sum += ds.images[base + p]!;
    }
    const m = sum / n;
    let sq = 0;
    for (let i = 0; i < ds.count; i++) {
      const base = i * size + ch * plane;
      for (let p = 0; p < plane; p++) {
        const d = ds.images[base + p]! - m;
        sq += d * d;
      }
    }
    mean.push(m);
    std.push(Math.sqrt(sq / n));
  }
  return { mean, std };
}

function perChannel(value: number | readonly number[], channels: number, what: string, where: string): number[] {
  const values = typeof value === 'number' ? new Array<number>(channels).fill(value) : [...value];
  if (values.length !== channels) {
    throw new RangeError(`${where}: ${what} has ${values.length} entries, the dataset has ${channels} channels`);
  }
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`${where}: ${what} entries must be finite, got ${v}`);
  }
  return values;
}

/**
 * A new Dataset with every channel standardised; `mean` and `std` are one number for
 * all channels or one per channel. `ds` is left unchanged.
 */
export function normalize(
  ds: Dataset,
  stats: { mean: number | readonly number[]; std: number | readonly number[] },
): Dataset {
  const where = `normalize('${ds.name}')`;
  const [c, h, w] = ds.shape;
  const mean = perChannel(stats.mean, c, 'mean', where);
  const std = perChannel(stats.std, c, 'std', where);
  std.forEach((s, ch) => {
    if (!(s > 0)) throw new RangeError(`${where}: std[${ch}] must be > 0, got ${s}`);
  });
  const plane = h * w;
  const size = c * plane;
  const out = new Float32Array(ds.images.length);
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!;
    const inv = 1 / std[ch]!;
    for (let i = 0; i < ds.count; i++) {
      const base = i * size + ch * plane;
      for (let p = 0; p < plane; p++) out[base + p] = (ds.images[base + p]! - m) * inv;
    }
  }
  const result: Dataset = {
    name: ds.name,
    images: out,
    labels: ds.labels.slice(),
    count: ds.count,
    shape: [c, h, w],
    classes: ds.classes,
  };
  if (ds.classNames !== undefined) result.classNames = [...ds.classNames];
  return result;
}

/**
 * Fashion-MNIST train statistics, measured with `datasetStats` on our train split
 * (loadFashionMnist: mean 0.28602, std 0.35280; the official train set's are quoted as
 * 0.2860 / 0.3530).
 */
export const FASHION_MNIST_MEAN = 0.286;
export const FASHION_MNIST_STD = 0.3528;

/**
 * The standardisation each built-in dataset trains with (the CLI stores it in checkpoints,
 * so eval applies the same): the one definition of these numbers.
 */
export const DATASET_NORMALIZATION: Readonly<Record<DatasetName, { readonly mean: number; readonly std: number }>> = {
  mnist: { mean: MNIST_MEAN, std: MNIST_STD },
  'fashion-mnist': { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD },
};
