/**
 * The core engine's accuracy acceptance runs (issue: seed 0, SGD momentum 0.9, lr 0.01,
 * batch 64, 5 epochs): LeNet-5 and the Keras MNIST CNN on MNIST, LeNet-5 on
 * Fashion-MNIST. Each run is `prunequant train` itself; results go to
 * runs/accept-core.json. Long: about an hour on 2 cores, most of it the CNN.
 *
 *   node --import tsx scripts/accept-core.ts [lenet5-mnist|mnist-cnn-mnist|lenet5-fashion-mnist ...]
 */
import { readFileSync } from 'node:fs';
import { main } from '../src/cli/main.js';
import { writeFileAtomic } from '../src/nn/index.js';

const RUNS = [
  { id: 'lenet5-mnist', model: 'lenet5', dataset: 'mnist', target: 0.988 },
  { id: 'mnist-cnn-mnist', model: 'mnist-cnn', dataset: 'mnist', target: 0.99 },
  { id: 'lenet5-fashion-mnist', model: 'lenet5', dataset: 'fashion-mnist', target: 0.89 },
];

const wanted = process.argv.slice(2);
const results: Record<string, unknown>[] = [];
for (const run of RUNS.filter((r) => wanted.length === 0 || wanted.includes(r.id))) {
  const out = `runs/accept-${run.id}`;
  const code = await main(['train', '--model', run.model, '--dataset', run.dataset, '--epochs', '5', '--lr', '0.01',
    '--batch-size', '64', '--momentum', '0.9', '--seed', '0', '--out', out, '--resume']);
  if (code !== 0) throw new Error(`accept-core: ${run.id} failed with exit code ${code}`);
  const r = JSON.parse(readFileSync(`${out}/train.json`, 'utf8')) as { testAccuracy: number; epochs: { imagesPerSecond: number }[] };
  const row = { ...run, testAccuracy: r.testAccuracy, meetsTarget: r.testAccuracy >= run.target, imagesPerSecond: r.epochs.map((e) => Math.round(e.imagesPerSecond)) };
  console.log(JSON.stringify(row));
  results.push(row);
}
writeFileAtomic('runs/accept-core.json', JSON.stringify(results, null, 2));
