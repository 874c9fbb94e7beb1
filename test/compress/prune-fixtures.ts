/**
 * Small models and data for the pruning tests: a tiny CNN with a BatchNorm (whose params
 * must never be pruned) on a learnable synthetic task, and a LeNet-5 trained in-process
 * on a few thousand MNIST samples (tests never read runs/).
 */
import { batchSource, loadDataset, makeDataset, normalize, sliceDataset } from '../../src/data/index.js';
import { Activation, BatchNorm2d, Conv2d, Flatten, INPUT, Linear, Model, Sgd, createModel, fit, type BatchSource } from '../../src/nn/index.js';
import { createRng } from '../../src/tensor/index.js';

/** conv(1→6, 3x3) - bn - relu - flatten - fc(216→3): 54 + 648 prunable weights. */
export function tinyCnn(seed = 1): Model {
  return new Model('tiny-cnn', [1, 8, 8], [
    { name: 'conv', layer: new Conv2d({ inChannels: 1, outChannels: 6, kernel: 3, seed }), inputs: [INPUT] },
    { name: 'bn', layer: new BatchNorm2d({ channels: 6 }), inputs: ['conv'] },
    { name: 'relu', layer: new Activation('ReLU'), inputs: ['bn'] },
    { name: 'flat', layer: new Flatten(), inputs: ['relu'] },
    { name: 'fc', layer: new Linear({ inFeatures: 216, outFeatures: 3, seed: seed + 1 }), inputs: ['flat'] },
  ]);
}

/** Images whose label decides which third of the rows is bright, plus noise: learnable in a few steps. */
export function syntheticSource(count: number, seed: number): BatchSource {
  const rng = createRng(seed);
  const images = new Float32Array(count * 64), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = rng.int(3);
    labels[i] = y;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = rng.normal(0, 0.5) + (Math.floor(Math.floor(p / 8) / 3) === y ? 1 : 0);
  }
  return batchSource(makeDataset({ name: 'synthetic', images, labels, count, shape: [1, 8, 8], classes: 3 }));
}

const NORM = { mean: 0.1307, std: 0.3081 };
let mnist: ReturnType<typeof loadDataset> | undefined;

/** MNIST sources limited to the first `train` / `test` samples (loaded once per process). */
export function smallMnist(train = 3000, test = 1000): { train: BatchSource; test: BatchSource } {
  mnist ??= loadDataset('mnist', { trainLimit: 3000, testLimit: 1000 });
  return {
    train: batchSource(normalize(sliceDataset(mnist.train, 0, Math.min(train, 3000)), NORM)),
    test: batchSource(normalize(sliceDataset(mnist.test, 0, Math.min(test, 1000)), NORM)),
  };
}

/** LeNet-5 trained for `epochs` on the first 3000 MNIST images (about 95% on the test slice). */
export async function trainedLenet(epochs = 2, seed = 0): Promise<{ model: Model; train: BatchSource; test: BatchSource }> {
  const { train, test } = smallMnist();
  const model = createModel('lenet5', { seed });
  const opt = new Sgd(model.params(), { momentum: 0.9 });
  await fit(model, train, opt, { epochs, batchSize: 32, lr: 0.03, seed });
  opt.dispose();
  return { model, train, test };
}
