/**
 * Mini-batches over a Dataset, optionally shuffled with a seeded Fisher–Yates, so that a
 * run repeats exactly. Epoch `e` of seed `s` shuffles with `deriveSeed(s, e)`: every epoch
 * gets its own order, and the same (seed, epoch) always gives the same one.
 */
import { createRng, deriveSeed } from './random.js';
import { imageSize, type Dataset } from './dataset.js';
import type { Batch } from '../nn/index.js';

/** A mini-batch of a Dataset: the training loop's `Batch`, plus its size and where its samples came from. */
export interface DatasetBatch extends Batch {
  /** Samples in this batch (the last one may be smaller unless dropLast). */
  size: number;
  /** [size, C, H, W]. */
  shape: [number, number, number, number];
  /** Dataset indices of the samples, in batch order. */
  indices: Int32Array;
}

export interface BatchOptions {
  /** Samples per batch, a positive integer. */
  batchSize: number;
  /** Visit samples in a seeded random order. Default false (dataset order). */
  shuffle?: boolean;
  /** Seed of the shuffle, any safe integer. Default 0. */
  seed?: number;
  /** Epoch number, mixed into the seed so each epoch has its own order. Default 0. */
  epoch?: number;
  /** Skip the last batch when it would be smaller than batchSize. Default false. */
  dropLast?: boolean;
  /**
   * Fill the same buffers for every batch (default true): no garbage per batch, but a
   * yielded batch is only valid until the next one is requested; copy what you keep.
   */
  reuseBuffers?: boolean;
}

function checkOptions(ds: Dataset, opts: BatchOptions): void {
  const where = `batches('${ds.name}')`;
  const { batchSize } = opts;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`${where}: batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  for (const key of ['seed', 'epoch'] as const) {
    const v = opts[key];
    if (v !== undefined && !Number.isSafeInteger(v)) {
      throw new RangeError(`${where}: ${key} must be a safe integer, got ${String(v)}`);
    }
  }
  if (opts.epoch !== undefined && opts.epoch < 0) {
    throw new RangeError(`${where}: epoch must be >= 0, got ${opts.epoch}`);
  }
}

/** The order in which an epoch visits the samples: a permutation of 0..count-1. */
export function epochOrder(count: number, opts: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'> = {}): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (opts.shuffle === true) createRng(deriveSeed(opts.seed ?? 0, opts.epoch ?? 0)).shuffle(order);
  return order;
}

/** How many batches one epoch yields. */
export function batchCount(count: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/**
 * Yields the batches of one epoch. Options are checked here, when called, not at the
 * first `next()` as a bare generator function would.
 */
export function batches(ds: Dataset, opts: BatchOptions): Generator<DatasetBatch, void, undefined> {
  checkOptions(ds, opts);
  return generateBatches(ds, opts);
}

function* generateBatches(ds: Dataset, opts: BatchOptions): Generator<DatasetBatch, void, undefined> {
  const { batchSize } = opts;
  const reuse = opts.reuseBuffers ?? true;
  const size = imageSize(ds);
  const [c, h, w] = ds.shape;
  const order = epochOrder(ds.count, opts);
  const total = batchCount(ds.count, batchSize, opts.dropLast);
  let images = new Float32Array(batchSize * size);
  let labels = new Int32Array(batchSize);
  let indices = new Int32Array(batchSize);
  for (let b = 0; b < total; b++) {
    const start = b * batchSize;
    const n = Math.min(batchSize, ds.count - start);
    if (!reuse && b > 0) {
      images = new Float32Array(batchSize * size);
      labels = new Int32Array(batchSize);
      indices = new Int32Array(batchSize);
    }
    for (let k = 0; k < n; k++) {
      const idx = order[start + k]!;
      images.set(ds.images.subarray(idx * size, (idx + 1) * size), k * size);
      labels[k] = ds.labels[idx]!;
      indices[k] = idx;
    }
    // The short last batch views the front of the buffers rather than copying them.
    const full = n === batchSize;
    yield {
      images: full ? images : images.subarray(0, n * size),
      labels: full ? labels : labels.subarray(0, n),
      indices: full ? indices : indices.subarray(0, n),
      size: n,
      shape: [n, c, h, w],
    };
  }
}

/**
 * Batches over many epochs with fixed options: `epoch(e)` yields epoch e's batches,
 * the same ones every time it is called with the same e.
 */
export class BatchIterator {
  readonly batchesPerEpoch: number;

  constructor(readonly dataset: Dataset, readonly options: Omit<BatchOptions, 'epoch'>) {
    checkOptions(dataset, options);
    this.batchesPerEpoch = batchCount(dataset.count, options.batchSize, options.dropLast);
  }

  epoch(epoch: number): Generator<DatasetBatch, void, undefined> {
    return batches(this.dataset, { ...this.options, epoch });
  }

  /** The visiting order of an epoch. */
  order(epoch: number): Int32Array {
    return epochOrder(this.dataset.count, { ...this.options, epoch });
  }
}
