/**
 * "Results do not depend on the thread count": the same seed gives the same bits on 1, 2
 * and 3 threads. Threads split work at points that do not change any sum's order: the GEMM
 * computes a ragged tile in the order of a full one, and the conv weight gradient is summed
 * in fixed runs of images (tensor/ops/conv2d.ts), not per thread.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setThreads } from '../../src/kernels/index.js';
import { batchSource } from '../../src/data/index.js';
import { Sgd, createModel, fit, type Model } from '../../src/nn/index.js';
import { bitDifferences, trainLenet, type RunResult } from './train-lenet.js';
import { randomDataset } from '../data/synthetic.js';

const THREADS = [1, 2, 3];

function bitsOf(model: Model): RunResult['bits'] {
  const bits = new Map<string, Uint32Array>();
  for (const [name, p] of model.namedParams()) bits.set(name, new Uint32Array(p.value.toArray().buffer));
  for (const [name, b] of model.namedBuffers()) bits.set(name, new Uint32Array(b.toArray().buffer));
  return bits;
}

/** Two steps of SGD at batch 8 on random 28x28 images: BN, residual adds, depthwise convs. */
async function trainZoo(name: string): Promise<RunResult> {
  const model = createModel(name, { seed: 3, inputShape: [1, 28, 28] });
  const opt = new Sgd(model.params(), { momentum: 0.9 });
  const history = await fit(model, batchSource(randomDataset(16, [1, 28, 28], 5)), opt, { epochs: 1, batchSize: 8, lr: 0.01, seed: 1 });
  const result = { bits: bitsOf(model), testAccuracy: 0, trainLoss: history[0]!.trainLoss };
  opt.dispose();
  model.dispose();
  return result;
}

describe('reproducibility across thread counts', () => {
  it('lenet5, one epoch on 512 MNIST images: bit-identical weights on 1, 2 and 3 threads', async () => {
    const runs: RunResult[] = [];
    for (const t of THREADS) {
      setThreads(t);
      runs.push(await trainLenet(0, { train: 512, test: 256 }));
    }
    // Better than chance (0.1): training moved the weights, so equal bits mean something.
    assert.ok(runs[0]!.testAccuracy > 0.15, `test accuracy ${runs[0]!.testAccuracy}: training did nothing`);
    for (let i = 1; i < runs.length; i++) {
      assert.deepEqual(bitDifferences(runs[0]!, runs[i]!), [], `1 thread against ${THREADS[i]} threads`);
      assert.equal(runs[i]!.testAccuracy, runs[0]!.testAccuracy);
    }
  });

  for (const name of ['resnet20', 'mobilenetv2-small']) {
    it(`${name}, two steps: bit-identical weights and BN statistics on 1, 2 and 3 threads`, async () => {
      const runs: RunResult[] = [];
      for (const t of THREADS) {
        setThreads(t);
        runs.push(await trainZoo(name));
      }
      for (let i = 1; i < runs.length; i++) assert.deepEqual(bitDifferences(runs[0]!, runs[i]!), [], `1 thread against ${THREADS[i]} threads`);
    });
  }
});
