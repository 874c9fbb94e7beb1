/**
 * Adapts a Dataset to the training loop's BatchSource, with optional seeded augmentation
 * (random shifts, horizontal flips) applied to training batches.
 */
import type { Batch as TrainBatch, BatchSource } from '../nn/index.js';
import { randomHorizontalFlip, randomShift } from './augment.js';
import { batches } from './batches.js';
import type { Dataset } from './dataset.js';
import { createRng } from './random.js';

export interface AugmentOptions {
  /** Shift by up to this many pixels (zero fill). */
  maxShift?: number;
  /** Flip horizontally with probability 0.5 (not for digits). */
  flip?: boolean;
}

/** @example const source = batchSource(split.train, { maxShift: 2 }); */
export function batchSource(ds: Dataset, augment: AugmentOptions = {}): BatchSource {
  return {
    count: ds.count,
    *batches(batchSize: number, shuffleSeed?: number): Iterable<TrainBatch> {
      const rng = createRng((shuffleSeed ?? 0) ^ 0x5bd1e995);
      for (const b of batches(ds, { batchSize, shuffle: shuffleSeed !== undefined, seed: shuffleSeed ?? 0 })) {
        let batch = b;
        if (shuffleSeed !== undefined && (augment.maxShift ?? 0) > 0) batch = randomShift(batch, augment.maxShift!, rng);
        if (shuffleSeed !== undefined && augment.flip) batch = randomHorizontalFlip(batch, rng);
        yield { images: batch.images, labels: batch.labels, shape: batch.shape };
      }
    },
  };
}
