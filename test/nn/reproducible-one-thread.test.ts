/**
 * "The same seed gives bit-identical weights after an epoch on one thread." Thread count
 * is per process and node's test runner gives each file its own process, so this file
 * pins one thread before anything computes.
 */
import { setThreads, threadCount } from '../../src/kernels/index.js';
setThreads(1);

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bitDifferences, trainLenet } from './train-lenet.js';

describe('reproducibility on one thread', () => {
  it('lenet5, one epoch on 2000 MNIST images: seed 0 twice gives bit-identical weights; seed 1 differs', async () => {
    assert.equal(threadCount(), 1);
    const a = await trainLenet(0);
    const b = await trainLenet(0);
    const c = await trainLenet(1);
    assert.deepEqual(bitDifferences(a, b), [], 'same seed, different bits');
    assert.equal(a.testAccuracy, b.testAccuracy);
    // Training must have done something, or equal weights would prove nothing.
    assert.ok(a.testAccuracy > 0.5, `test accuracy ${a.testAccuracy} after one epoch`);
    const differing = bitDifferences(a, c);
    assert.equal(differing.length, a.bits.size, `seed 1 matched seed 0 in some tensors: only ${differing.join('; ')} differ`);
  });
});
