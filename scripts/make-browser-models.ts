/**
 * The browser demo's two models: LeNet-5 trained briefly on MNIST with a seed (dense.pqm,
 * float32), then pruned to 90% (global), fine-tuned for an epoch, and quantized to 4-bit
 * weights with uint8 activations (compressed.pqm). Seconds on 2 cores; the files are not
 * committed. Usage:
 *   node --import tsx scripts/make-browser-models.ts [--out examples/browser/models] [--epochs 2] [--seed 0] [--force]
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchSource, createModel, DATASET_NORMALIZATION, evaluate, fit, loadDataset, postTrainingQuantize, pruneModel, savePqm, Sgd } from '../src/index.js';

export interface DemoModels {
  dense: string;
  compressed: string;
  /** Test accuracy of each on the first `evalImages` MNIST test images. */
  accuracy: { dense: number; compressed: number };
}

export async function makeBrowserModels(outDir: string, opts: { epochs?: number; trainImages?: number; evalImages?: number; seed?: number; force?: boolean } = {}): Promise<DemoModels> {
  const dense = join(outDir, 'dense.pqm'), compressed = join(outDir, 'compressed.pqm');
  for (const f of [dense, compressed]) if (existsSync(f) && !opts.force) throw new Error(`${f} exists; pass --force to replace it`);
  mkdirSync(outDir, { recursive: true });
  const { train, test } = loadDataset('mnist', opts.trainImages !== undefined ? { limit: opts.trainImages } : {});
  const norm = { normalization: DATASET_NORMALIZATION.mnist };
  const evalSet = batchSource(test, norm);
  const model = createModel('lenet5', { seed: opts.seed ?? 0 });
  const recipe = { epochs: opts.epochs ?? 2, batchSize: 64, lr: 0.01, seed: opts.seed ?? 0 };
  await fit(model, batchSource(train, norm), new Sgd(model.params(), { momentum: 0.9 }), recipe);
  const accDense = evaluate(model, evalSet).accuracy;
  savePqm(dense, model, norm);
  pruneModel(model, { sparsity: 0.9, scope: 'global' });
  await fit(model, batchSource(train, norm), new Sgd(model.params(), { momentum: 0.9 }), { ...recipe, epochs: 1, lr: 0.005 });
  const q = postTrainingQuantize(model, { weights: { bits: 4 }, activations: { dtype: 'uint8', source: batchSource(train, norm), batches: 20 } });
  const accCompressed = evaluate(q.model, evalSet).accuracy;
  savePqm(compressed, q.model, { ...norm, quantized: q });
  model.dispose();
  return { dense, compressed, accuracy: { dense: accDense, compressed: accCompressed } };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const out = resolve(opt('--out') ?? 'examples/browser/models');
  const epochs = Number(opt('--epochs') ?? 2), seed = Number(opt('--seed') ?? 0);
  if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(seed)) {
    console.error('make-browser-models: --epochs expects a positive integer and --seed an integer');
    process.exit(2);
  }
  try {
    const r = await makeBrowserModels(out, { epochs, seed, force: args.includes('--force') });
    for (const k of ['dense', 'compressed'] as const) {
      console.log(`${r[k]}: ${statSync(r[k]).size} bytes, MNIST test accuracy ${(100 * r.accuracy[k]).toFixed(2)}%`);
    }
  } catch (e) {
    console.error(`make-browser-models: ${(e as Error).message}`);
    process.exit(1);
  }
}
