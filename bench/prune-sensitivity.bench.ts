/**
 * Sensitivity-guided allocation vs uniform per-layer pruning vs global magnitude pruning,
 * at the same global sparsity, before any fine-tuning. Trains LeNet-5 on MNIST for one
 * epoch (seed 0) as the model to prune, then prints one line per target sparsity.
 * Accuracy on the 10k test split. Prints; never asserts.
 *
 *   npm run bench:prune
 */
import { batchSource, loadDataset } from '../src/data/index.js';
import { Sgd, createModel, evaluate, fit } from '../src/nn/index.js';
import { allocateSparsity, captureState, layerSensitivity, pruneModel, pruneWithAllocation, restoreState, uniformAllocation } from '../src/compress/index.js';

const normalization = { mean: 0.1307, std: 0.3081 };
const { train, test } = loadDataset('mnist');
const trainSource = batchSource(train, { normalization });
const testSource = batchSource(test, { normalization });
const model = createModel('lenet5', { seed: 0 });
await fit(model, trainSource, new Sgd(model.params(), { momentum: 0.9 }), { epochs: 1, batchSize: 64, lr: 0.01, seed: 0 });
const s = layerSensitivity(model, testSource, { levels: [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99] });
console.log(`lenet5 (1 epoch) baseline test accuracy ${(100 * s.baseline).toFixed(2)}%`);
for (const c of s.curves) {
  console.log(`  sensitivity ${c.layer.padEnd(12)} ${String(c.size).padStart(6)} weights: ${c.points.map((p) => `${(100 * p.sparsity).toFixed(0)}%→${(100 * p.accuracy).toFixed(1)}`).join('  ')}`);
}
const saved = captureState(model);
const accuracyAfter = (prune: () => unknown): number => {
  restoreState(model, saved);
  prune();
  return evaluate(model, testSource).accuracy;
};
for (const target of [0.8, 0.9, 0.95]) {
  const guided = accuracyAfter(() => pruneWithAllocation(model, allocateSparsity(s.curves, target).perLayer));
  const uniform = accuracyAfter(() => pruneWithAllocation(model, uniformAllocation(s.curves, target).perLayer));
  const global = accuracyAfter(() => pruneModel(model, { sparsity: target, scope: 'global' }));
  console.log(`prune lenet5 sparsity=${target} before fine-tuning: guided ${(100 * guided).toFixed(2)}%  uniform per-layer ${(100 * uniform).toFixed(2)}%  ` +
    `global magnitude ${(100 * global).toFixed(2)}%  guided-uniform ${(100 * (guided - uniform)).toFixed(2)} pp`);
}
restoreState(model, saved);
