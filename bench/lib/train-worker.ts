// One training-throughput measurement of prunequant, in its own process because the kernel
// thread count is fixed per process. Usage:
//   PRUNEQUANT_THREADS=2 node --import tsx bench/lib/train-worker.ts <model> [seconds] [batch] [trainSamples]
// Trains with the real loop (`fit`: forward, softmax cross-entropy, backward, SGD momentum
// 0.9 at lr 0.01) on real MNIST, and prints one JSON line: images/s over the timed steps and
// the process's peak RSS. Measures only; asserts nothing (STYLE.md §11).
import { performance } from 'node:perf_hooks';
import { loadDataset, batchSource, MNIST_MEAN, MNIST_STD } from '../../src/data/index.js';
import { threadCount } from '../../src/kernels/index.js';
import { Sgd, createModel, fit, type Batch, type BatchSource } from '../../src/nn/index.js';
import { median, peakRssBytes } from './measure.js';

const WARMUP_STEPS = 3;
// By default a tenth of MNIST's training split: plenty of distinct batches, while the
// float32 copy of the whole split (188 MB) would otherwise dominate the peak-RSS figure,
// which is meant to show what training itself costs. Pass 60000 to see the full set's.
const [modelName = 'lenet5', secondsArg = '6', batchArg = '64', samplesArg = '6400'] = process.argv.slice(2);
const seconds = Number(secondsArg), batchSize = Number(batchArg), trainSamples = Number(samplesArg);

const rssBeforeData = peakRssBytes();
const { train } = loadDataset('mnist', { trainLimit: trainSamples, testLimit: 1 });
// Standardised per batch, as `prunequant train` does, so that cost is in the figure too.
const source = batchSource(train, { normalization: { mean: MNIST_MEAN, std: MNIST_STD } });
const rssAfterData = peakRssBytes();

const model = createModel(modelName, { seed: 0 });
const optimizer = new Sgd(model.params(), { momentum: 0.9 });

// Repeats epochs of the real source until the timed budget is spent; `fit` sees one long
// epoch. Timing runs from the end of the last warm-up step to the end of the last step.
let stepsDone = 0, timedStart = 0, timedEnd = 0, timedSteps = 0, lastEnd = 0;
const stepMs: number[] = [];
const looping: BatchSource = {
  count: Number.MAX_SAFE_INTEGER,
  *batches(size: number): Iterable<Batch> {
    for (let epoch = 0; ; epoch++) {
      for (const b of source.batches(size, epoch)) {
        if (b.labels.length !== size) continue; // keep every step at the full batch
        if (stepsDone > WARMUP_STEPS && performance.now() - timedStart >= seconds * 1000) return;
        yield b;
      }
    }
  },
};

await fit(model, looping, optimizer, {
  epochs: 1, batchSize, lr: 0.01, seed: 0,
  callbacks: {
    onBatchEnd() {
      stepsDone++;
      const now = performance.now();
      if (stepsDone === WARMUP_STEPS) timedStart = now;
      else if (stepsDone > WARMUP_STEPS) { timedEnd = now; timedSteps++; stepMs.push(now - lastEnd); }
      lastEnd = now;
    },
  },
});

const elapsed = (timedEnd - timedStart) / 1000;
process.stdout.write(`${JSON.stringify({
  runtime: 'prunequant', model: modelName, threads: threadCount(), batch: batchSize, trainSamples,
  steps: timedSteps, seconds: elapsed, imagesPerSecond: (timedSteps * batchSize) / elapsed,
  medianStepMs: median(stepMs), peakRssBytes: peakRssBytes(), rssBeforeDataBytes: rssBeforeData, rssAfterDataBytes: rssAfterData,
})}\n`);
process.exit(0); // the kernel thread pool keeps the event loop alive
