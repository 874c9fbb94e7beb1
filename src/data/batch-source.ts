/**
 * Adapts a Dataset to the training loop's BatchSource, with optional seeded augmentation
 * (random shifts, horizontal flips) applied to training batches.
 */
import type { Batch as TrainBatch, BatchSource } from '../nn/index.js';
import { randomHorizontalFlip, randomShift } from './augment.js';
import { batches } from './batches.js';
import type { Dataset } from './dataset.js';
import { createRng } from './random.js';

export interface BatchSourceOptions {
  /**
   * Standardise each batch as it is made, (x - mean) / std per channel, instead of
   * keeping a normalised copy of the whole dataset (which would double its memory).
   */
  normalization?: { mean: number | readonly number[]; std: number | readonly number[] };

  /** Shift by up to this many pixels (zero fill). */
  maxShift?: number;
  /** Flip horizontally with probability 0.5 (not for digits). */
  flip?: boolean;
}

/** @example const source = batchSource(split.train, { maxShift: 2, normalization: { mean: 0.1307, std: 0.3081 } }); */
export function batchSource(ds: Dataset, augment: BatchSourceOptions = {}): BatchSource {
  const [c, h, w] = ds.shape;
  const plane = h * w;
  // A short buffer would otherwise yield batches padded with whatever the batcher's buffers held.
  if (ds.images.length !== ds.count * c * plane) {
    throw new RangeError(`batchSource('${ds.name}'): images has ${ds.images.length} values, but ${ds.count} images of ${c}×${h}×${w} need ${ds.count * c * plane}`);
  }
  if (ds.labels.length !== ds.count) throw new RangeError(`batchSource('${ds.name}'): labels has ${ds.labels.length} entries for ${ds.count} images`);
  const perChannel = (v: number | readonly number[], what: string): number[] => {
    const list = typeof v === 'number' ? new Array<number>(c).fill(v) : [...v];
    if (list.length !== c) throw new RangeError(`batchSource('${ds.name}'): ${what} has ${list.length} values for ${c} channels`);
    return list;
  };
  const norm = augment.normalization;
  const mean = norm ? perChannel(norm.mean, 'mean') : [];
  const invStd = norm ? perChannel(norm.std, 'std').map((s, ch) => {
    if (!(s > 0)) throw new RangeError(`batchSource('${ds.name}'): std[${ch}] must be > 0, got ${s}`);
    return 1 / s;
  }) : [];
  // Plane by plane, so the inner loop has no index arithmetic: this runs on the main
  // thread for every batch, outside the parallel kernels.
  const standardise = (images: Float32Array): void => {
    for (let base = 0, ch = 0; base < images.length; base += plane, ch = (ch + 1) % c) {
      const m = mean[ch]!, k = invStd[ch]!;
      for (let i = base; i < base + plane; i++) images[i] = (images[i]! - m) * k;
    }
  };
  return {
    count: ds.count,
    *batches(batchSize: number, shuffleSeed?: number): Iterable<TrainBatch> {
      const rng = createRng((shuffleSeed ?? 0) ^ 0x5bd1e995);
      for (const b of batches(ds, { batchSize, shuffle: shuffleSeed !== undefined, seed: shuffleSeed ?? 0 })) {
        let batch = b;
        if (shuffleSeed !== undefined && (augment.maxShift ?? 0) > 0) batch = randomShift(batch, augment.maxShift!, rng);
        if (shuffleSeed !== undefined && augment.flip) batch = randomHorizontalFlip(batch, rng);
        // Batches own their buffers (refilled per batch), so standardising in place is safe.
        if (norm) standardise(batch.images);
        yield { images: batch.images, labels: batch.labels, shape: batch.shape };
      }
    },
  };
}
