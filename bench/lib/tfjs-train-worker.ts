// TF.js (CPU backend, pure JS) training throughput, the anchor for `npm run bench:train`.
// Usage: node --import tsx bench/lib/tfjs-train-worker.ts <model> [budgetSeconds] [batch] [warmupSteps]
// Builds the same two architectures with tfjs-layers, channels-last (TF.js's native layout;
// the arithmetic is the same), trains with SGD momentum 0.9 at lr 0.01 on random data
// (throughput does not depend on pixel values) and prints one JSON line.
// TF.js CPU takes tens of seconds per step on the CNN, so steps are timed one by one and
// the run stops once the budget is spent, after at least one timed step.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { peakRssBytes } from './measure.js';

function lenet5(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 120, activation: 'relu' }),
      tfl.layers.dense({ units: 84, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

function mnistCnn(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.dropout({ rate: 0.25 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: 'relu' }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

const MODELS: Record<string, () => tfl.Sequential> = { lenet5, 'mnist-cnn': mnistCnn };

const [modelName = 'lenet5', budgetArg = '20', batchArg = '64', warmupArg = '1'] = process.argv.slice(2);
const budgetSeconds = Number(budgetArg), batch = Number(batchArg), warmupSteps = Number(warmupArg);
const make = MODELS[modelName];
if (make === undefined) throw new Error(`tfjs-train-worker: unknown model '${modelName}'; known: ${Object.keys(MODELS).join(', ')}`);

await tf.setBackend('cpu');
const model = make();
model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', 1);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2), 10);

for (let i = 0; i < warmupSteps; i++) await model.trainOnBatch(x, y);
const stepSeconds: number[] = [];
const started = performance.now();
do {
  const t0 = performance.now();
  await model.trainOnBatch(x, y); // awaits the loss value, so the step is finished
  stepSeconds.push((performance.now() - t0) / 1000);
} while (performance.now() - started < budgetSeconds * 1000);

const seconds = stepSeconds.reduce((a, b) => a + b, 0);
process.stdout.write(`${JSON.stringify({
  runtime: 'tfjs-cpu', version: tf.version_core, model: modelName, threads: 1, batch,
  warmupSteps, steps: stepSeconds.length, seconds, imagesPerSecond: (stepSeconds.length * batch) / seconds,
  peakRssBytes: peakRssBytes(),
})}\n`);
