/**
 * "With threads, the same seed gives the same test accuracy." This file runs with two
 * kernel threads (its own process, so the setting does not leak into other files). The
 * pool splits work statically, one contiguous slice per thread, and sums per-thread
 * partials in thread order, so the weights are expected to be bit-identical too.
 */
import { setThreads, threadCount } from '../../src/kernels/index.js';
setThreads(2);

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bitDifferences, trainLenet } from './train-lenet.js';

describe('reproducibility with two threads', () => {
  it('lenet5, one epoch on 2000 MNIST images: the same seed gives the same test accuracy and the same bits', async () => {
    assert.equal(threadCount(), 2);
    const a = await trainLenet(0);
    const b = await trainLenet(0);
    assert.ok(a.testAccuracy > 0.5, `test accuracy ${a.testAccuracy} after one epoch`);
    assert.equal(a.testAccuracy, b.testAccuracy);
    assert.equal(a.trainLoss, b.trainLoss);
    assert.deepEqual(bitDifferences(a, b), [], 'same seed on two threads, different bits');
  });
});
