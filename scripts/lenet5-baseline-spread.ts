/**
 * The spread of the reference protocol's LeNet-5 baseline (SGD momentum 0.9, constant lr 0.01,
 * batch 64, 5 epochs; PyTorch's init; mean 0.1307, std 0.3081) over seeds, trained by the same
 * loop the study trains with (trainMasked, no masks): on the study's training split (60,000
 * images minus 5,000 validation images carved with --split-seed), or with --all-train on all
 * 60,000, as the PyTorch run trained. Prints test (and validation) accuracy after each epoch.
 * docs/pytorch-protocol.md quotes its output.
 *
 * Usage: node --import tsx scripts/lenet5-baseline-spread.ts [--seeds 0,1,2] [--split-seed 0] [--all-train]
 */
import { trainMasked } from '../src/compress/index.js';
import { batchSource, loadDataset } from '../src/data/index.js';
import { createModel, evaluate, type BatchSource } from '../src/nn/index.js';
import { loadStudyData, studySources } from '../src/study/index.js';

const args = process.argv.slice(2);
const value = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const seeds = value('--seeds', '0').split(',').map(Number);
const splitSeed = Number(value('--split-seed', '0'));
const allTrain = args.includes('--all-train');

const data = loadStudyData({ dataset: 'mnist', validation: 5000, splitSeed, trainLimit: null, testLimit: null, normalization: 'dataset' });
const test = batchSource(data.test, { normalization: data.normalization });
let train: BatchSource, val: BatchSource | null;
if (allTrain) {
  train = batchSource(loadDataset('mnist').train, { normalization: data.normalization });
  val = null;
} else {
  ({ train, val } = studySources(data));
}
const pct = (x: number) => (100 * x).toFixed(2);

for (const seed of seeds) {
  const model = createModel('lenet5', { inputShape: [1, 28, 28], classes: 10, seed });
  const epochs: string[] = [];
  await trainMasked(model, train, { epochs: 5, lr: 0.01, batchSize: 64, optimizer: 'sgd', momentum: 0.9, seed, schedule: { kind: 'constant' } }, {
    onEpochEnd: (r) => { epochs.push(`${pct(evaluate(model, test).accuracy)}${val === null ? '' : ` (val ${pct(evaluate(model, val).accuracy)})`}`); },
  });
  model.dispose();
  process.stdout.write(`${allTrain ? 'all 60,000' : `55,000 (split seed ${splitSeed})`}, seed ${seed}: test after epochs 1-5: ${epochs.join(', ')}\n`);
}
