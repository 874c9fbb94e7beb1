/**
 * "Memory is released deterministically, with no leak over an epoch": the heap's live
 * blocks and bytes after every epoch equal those after the first. The first epoch is the
 * baseline because it creates what lives on by design: optimizer state and the per-thread
 * scratch that grows to the largest kernel's need.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wasm } from '../../src/kernels/index.js';
import { batchSource, loadDataset, makeDataset, normalize } from '../../src/data/index.js';
import {
  Activation, Adam, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool, INPUT, Linear, Model, Sgd, createModel, fit,
  type BatchSource, type Optimizer,
} from '../../src/nn/index.js';
import { createRng } from '../../src/tensor/index.js';

const live = () => ({ blocks: wasm().heap.liveBlocks, bytes: wasm().heap.liveBytes });

/** Trains for `epochs` and returns the heap after each epoch (after its test evaluation). */
async function heapPerEpoch(model: Model, optimizer: Optimizer, train: BatchSource, test: BatchSource, epochs: number, batchSize: number) {
  const perEpoch: { blocks: number; bytes: number }[] = [];
  await fit(model, train, optimizer, {
    epochs, batchSize, lr: 0.01, seed: 3, test,
    callbacks: { onEpochEnd: () => void perEpoch.push(live()) },
  });
  return perEpoch;
}

/** A graph with every stateful or branching layer: BN (running stats), dropout, concat, add, depthwise conv. */
function branchyNet(): Model {
  const conv = (cin: number, cout: number, groups = 1, seed = 0) => new Conv2d({ inChannels: cin, outChannels: cout, kernel: 3, padding: 1, groups, seed });
  return new Model('branchy', [2, 8, 8], [
    { name: 'stem', layer: conv(2, 4, 1, 1), inputs: [INPUT] },
    { name: 'bn', layer: new BatchNorm2d({ channels: 4 }), inputs: ['stem'] },
    { name: 'relu', layer: new Activation('ReLU'), inputs: ['bn'] },
    { name: 'dw', layer: conv(4, 4, 4, 2), inputs: ['relu'] },
    { name: 'add', layer: new Add(), inputs: ['dw', 'relu'] },
    { name: 'cat', layer: new Concat(1), inputs: ['add', 'stem'] },
    { name: 'drop', layer: new Dropout(0.3), inputs: ['cat'] },
    { name: 'gap', layer: new GlobalAvgPool(), inputs: ['drop'] },
    { name: 'flat', layer: new Flatten(), inputs: ['gap'] },
    { name: 'fc', layer: new Linear({ inFeatures: 8, outFeatures: 3, seed: 3 }), inputs: ['flat'] },
  ]);
}

function syntheticSource(count: number, seed: number): BatchSource {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: count * 2 * 8 * 8 }, () => rng.normal(0, 1));
  const labels = Int32Array.from({ length: count }, () => rng.int(3));
  return batchSource(makeDataset({ name: 'synthetic', images, labels, count, shape: [2, 8, 8], classes: 3 }));
}

describe('no leak over an epoch', () => {
  it('lenet5 on real MNIST with SGD momentum: live blocks and bytes equal after epochs 1, 2 and 3', async () => {
    const mnist = loadDataset('mnist', { trainLimit: 400, testLimit: 200 });
    const norm = { mean: 0.1307, std: 0.3081 };
    const model = createModel('lenet5', { seed: 0 });
    const optimizer = new Sgd(model.params(), { momentum: 0.9 });
    // Batch 48 leaves a last batch of 16: both batch shapes occur in every epoch.
    const heap = await heapPerEpoch(model, optimizer, batchSource(normalize(mnist.train, norm)), batchSource(normalize(mnist.test, norm)), 3, 48);
    assert.equal(heap.length, 3);
    assert.deepEqual(heap[1], heap[0], 'epoch 2 left the heap different from epoch 1');
    assert.deepEqual(heap[2], heap[0], 'epoch 3 left the heap different from epoch 1');
    optimizer.dispose();
    model.dispose();
  });

  it('a graph with BN, dropout, concat, add and depthwise conv, with Adam', async () => {
    const model = branchyNet();
    const optimizer = new Adam(model.params(), { decoupled: true, weightDecay: 0.01 });
    const heap = await heapPerEpoch(model, optimizer, syntheticSource(90, 1), syntheticSource(40, 2), 2, 16);
    assert.deepEqual(heap[1], heap[0]);
    optimizer.dispose();
    model.dispose();
  });

  it('disposing the model and optimizer returns every block the run took', async () => {
    // Run the whole cycle twice: the first may create process-wide caches (thread scratch,
    // the shape descriptor); the second must end exactly where the first did.
    const cycle = async () => {
      const model = branchyNet();
      const optimizer = new Sgd(model.params(), { momentum: 0.5, nesterov: true });
      await heapPerEpoch(model, optimizer, syntheticSource(50, 3), syntheticSource(20, 4), 1, 16);
      optimizer.dispose();
      model.dispose();
    };
    const start = live();
    await cycle();
    const afterFirst = live();
    await cycle();
    assert.deepEqual(live(), afterFirst);
    // What the first cycle left behind is no more than the process-wide caches: one scratch
    // block per thread and one descriptor block.
    assert.ok(afterFirst.blocks - start.blocks <= wasm().pool.threads + 1, `${afterFirst.blocks - start.blocks} blocks left after dispose`);
  });
});
