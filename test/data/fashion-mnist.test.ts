import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadFashionMnist,
  labelHistogram,
  FASHION_MNIST_CLASS_NAMES,
  type DatasetSplit,
} from '../../src/data/index.js';

describe('loadFashionMnist', () => {
  let first: DatasetSplit;
  before(() => {
    first = loadFashionMnist();
  });

  it('builds a 60000 / 10000 split with 6000 / 1000 images per class', () => {
    assert.equal(first.train.count, 60000);
    assert.equal(first.test.count, 10000);
    assert.deepEqual(first.train.shape, [1, 28, 28]);
    assert.equal(first.train.images.length, 60000 * 784);
    assert.deepEqual(labelHistogram(first.train), new Array(10).fill(6000));
    assert.deepEqual(labelHistogram(first.test), new Array(10).fill(1000));
    assert.deepEqual(first.train.classNames, [...FASHION_MNIST_CLASS_NAMES]);
  });

  it('interleaves classes round-robin, so any prefix is balanced', () => {
    for (let i = 0; i < 100; i++) assert.equal(first.train.labels[i], i % 10);
    const small = loadFashionMnist({ limit: 30 });
    assert.deepEqual(labelHistogram(small.train), new Array(10).fill(3));
    assert.deepEqual(small.train.images, first.train.images.subarray(0, 30 * 784));
    assert.deepEqual(small.test.images, first.test.images.subarray(0, 30 * 784));
  });

  it('gives the same split on a second load', () => {
    const second = loadFashionMnist();
    assert.deepEqual(second.train.labels, first.train.labels);
    assert.deepEqual(second.test.labels, first.test.labels);
    assert.ok(Buffer.from(second.train.images.buffer).equals(Buffer.from(first.train.images.buffer)));
    assert.ok(Buffer.from(second.test.images.buffer).equals(Buffer.from(first.test.images.buffer)));
  });

  it('reads pixel bytes exactly', () => {
    // The official first training image (an ankle boot) is image 899 of the package's
    // 9.json, so train sample 899 * 10 + 9; its row 3 holds "1, 0, 0, 13, 73" from column 12.
    const base = (899 * 10 + 9) * 784 + 3 * 28 + 12;
    const row = Array.from(first.train.images.subarray(base, base + 5), (v) => Math.round(v * 255));
    assert.deepEqual(row, [1, 0, 0, 13, 73]);
    assert.equal(first.train.labels[899 * 10 + 9], 9);
  });

  it('keeps pixels in [0, 1]', () => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of first.test.images) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    assert.deepEqual([lo, hi], [0, 1]);
  });

  it('rejects bad limits by name', () => {
    assert.throws(() => loadFashionMnist({ limit: -1 }), /loadFashionMnist: limit must be a positive integer, got -1/);
    assert.throws(() => loadFashionMnist({ trainLimit: 60001 }), /trainLimit 60001 exceeds the 60000 samples/);
  });
});
