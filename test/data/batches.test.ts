import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batches, BatchIterator, type DatasetBatch, type BatchOptions } from '../../src/data/index.js';
import { indexedDataset } from './synthetic.js';

/** The sample order of one epoch, read back from the pixels (image i holds i + p/1000). */
function visited(all: DatasetBatch[], size: number): number[] {
  return all.flatMap((b) => Array.from({ length: b.size }, (_, k) => Math.round(b.images[k * size]!)));
}

function run(opts: BatchOptions, count = 23): { order: number[]; sizes: number[]; labels: number[] } {
  const ds = indexedDataset(count);
  const order: number[] = [];
  const sizes: number[] = [];
  const labels: number[] = [];
  for (const b of batches(ds, opts)) {
    order.push(...visited([b], 6));
    sizes.push(b.size);
    labels.push(...b.labels);
    assert.deepEqual(b.shape, [b.size, 1, 2, 3]);
    assert.equal(b.images.length, b.size * 6);
    assert.deepEqual([...b.indices], order.slice(-b.size));
  }
  return { order, sizes, labels };
}

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('batches', () => {
  it('visits samples in dataset order without shuffle, copying whole images', () => {
    const { order, sizes, labels } = run({ batchSize: 5 });
    assert.deepEqual(order, iota(23));
    assert.deepEqual(sizes, [5, 5, 5, 5, 3]);
    assert.deepEqual(labels, iota(23).map((i) => i % 4));
    const first = batches(indexedDataset(3), { batchSize: 3 }).next().value as DatasetBatch;
    assert.deepEqual([...first.images.subarray(6, 12)].map((v) => Math.round(v * 1000)), [1000, 1001, 1002, 1003, 1004, 1005]);
  });

  it('drops the short last batch with dropLast', () => {
    assert.deepEqual(run({ batchSize: 5, dropLast: true }).sizes, [5, 5, 5, 5]);
    assert.deepEqual(run({ batchSize: 5, dropLast: true }, 20).sizes, [5, 5, 5, 5]);
    assert.deepEqual(run({ batchSize: 30, dropLast: true }).sizes, []);
    assert.deepEqual(run({ batchSize: 30 }).sizes, [23]);
  });

  it('shuffles each epoch into a permutation, the same for the same seed', () => {
    const a = run({ batchSize: 4, shuffle: true, seed: 11, epoch: 0 });
    const again = run({ batchSize: 4, shuffle: true, seed: 11, epoch: 0 });
    assert.deepEqual(a.order, again.order);
    assert.deepEqual(sorted(a.order), iota(23));
    assert.deepEqual(a.labels, a.order.map((i) => i % 4), 'labels travel with their images');
    assert.notDeepEqual(a.order, iota(23));
    const nextEpoch = run({ batchSize: 4, shuffle: true, seed: 11, epoch: 1 });
    assert.deepEqual(sorted(nextEpoch.order), iota(23));
    assert.notDeepEqual(nextEpoch.order, a.order, 'epochs differ');
    assert.notDeepEqual(run({ batchSize: 4, shuffle: true, seed: 12 }).order, a.order, 'seeds differ');
  });

  it('reuses its buffers unless told not to', () => {
    const ds = indexedDataset(8);
    const reused = [...batches(ds, { batchSize: 4 })];
    assert.equal(reused[0]!.images, reused[1]!.images);
    const fresh = [...batches(ds, { batchSize: 4, reuseBuffers: false })];
    assert.notEqual(fresh[0]!.images, fresh[1]!.images);
    assert.deepEqual(visited(fresh, 6), iota(8));
  });

  it('rejects a bad batch size when called, naming the dataset', () => {
    const ds = indexedDataset(4);
    assert.throws(() => batches(ds, { batchSize: 0 }), /batches\('indexed'\): batchSize must be a positive integer, got 0/);
    assert.throws(() => batches(ds, { batchSize: -2 }), /got -2/);
    assert.throws(() => batches(ds, { batchSize: 2.5 }), /got 2.5/);
    assert.throws(() => batches(ds, { batchSize: 2, seed: 0.5 }), /seed must be a safe integer/);
    assert.throws(() => new BatchIterator(ds, { batchSize: 0 }), /batchSize must be a positive integer/);
  });
});

describe('BatchIterator', () => {
  it('repeats an epoch and gives every epoch its own permutation', () => {
    const it = new BatchIterator(indexedDataset(23), { batchSize: 6, shuffle: true, seed: 3, dropLast: true });
    assert.equal(it.batchesPerEpoch, 3);
    // Buffers are reused, so read each batch before asking for the next.
    const read = (epoch: number): number[] => {
      const out: number[] = [];
      for (const b of it.epoch(epoch)) out.push(...visited([b], 6));
      return out;
    };
    const e0 = read(0);
    const e0again = read(0);
    assert.deepEqual(e0, e0again);
    assert.deepEqual(e0, [...it.order(0)].slice(0, 18));
    assert.deepEqual(sorted([...it.order(1)]), iota(23));
    assert.notDeepEqual([...it.order(1)], [...it.order(0)]);
  });
});
