/**
 * Masks hold: after many fine-tuning steps with every optimizer setting (SGD with
 * momentum, Nesterov, weight decay; Adam, Adam with L2, AdamW), every masked weight is
 * exactly +0.0 and so is its optimizer state, although the gradient there is not zero
 * (checked, so the test cannot pass vacuously). Masks and zeros survive a checkpoint
 * save and load, and training on after the load.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskStats, pruneModel } from '../../src/compress/index.js';
import { Adam, Sgd, fit, loadCheckpoint, saveCheckpoint, type Model, type Optimizer } from '../../src/nn/index.js';
import { Tensor, backward, scope, softmaxCrossEntropy } from '../../src/tensor/index.js';
import { syntheticSource, tinyCnn } from './prune-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-prune-masks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const train = syntheticSource(128, 7);

/** Masked positions whose value (or optimizer state) is not +0.0, over all weights. */
function badZeros(model: Model, opt?: Optimizer): string[] {
  const bad: string[] = [];
  const state = opt?.state().tensors ?? {};
  model.params().forEach((p, index) => {
    if (!p.mask) return;
    const m = p.mask.view().slice(), v = p.value.toArray();
    for (let i = 0; i < m.length; i++) {
      if (m[i] !== 0) continue;
      if (!Object.is(v[i], 0)) bad.push(`param ${index}[${i}] = ${v[i]}`);
      for (const [key, slot] of Object.entries(state)) {
        if (key.startsWith(`${index}.`) && !Object.is(slot[i], 0)) bad.push(`state ${key}[${i}] = ${slot[i]}`);
      }
    }
  });
  return bad;
}

/** How many masked positions get a non-zero gradient on one batch: the masks must be doing work. */
function maskedGradients(model: Model): number {
  const batch = [...train.batches(32)][0];
  let n = 0;
  scope(() => {
    const logits = model.forward(Tensor.from(batch!.images, batch!.shape), { training: true });
    backward(softmaxCrossEntropy(logits, batch!.labels));
    for (const p of model.params()) {
      if (!p.mask || !p.value.grad) continue;
      const m = p.mask.view().slice(), g = p.value.grad.toArray();
      for (let i = 0; i < m.length; i++) if (m[i] === 0 && g[i] !== 0) n++;
    }
    model.zeroGrad();
  });
  return n;
}

const OPTIMIZERS: [string, (m: Model) => Optimizer, number][] = [
  ['SGD momentum 0.9', (m) => new Sgd(m.params(), { momentum: 0.9 }), 0.05],
  ['SGD Nesterov', (m) => new Sgd(m.params(), { momentum: 0.9, nesterov: true }), 0.05],
  ['SGD momentum + weight decay', (m) => new Sgd(m.params(), { momentum: 0.9, weightDecay: 0.01 }), 0.05],
  ['Adam', (m) => new Adam(m.params()), 0.005],
  ['Adam + L2 weight decay', (m) => new Adam(m.params(), { weightDecay: 0.01 }), 0.005],
  ['AdamW', (m) => new Adam(m.params(), { decoupled: true, weightDecay: 0.05 }), 0.005],
];

describe('masked weights stay exactly 0 through fine-tuning', () => {
  for (const [name, make, lr] of OPTIMIZERS) {
    it(name, async () => {
      const model = tinyCnn(3);
      const r = pruneModel(model, { sparsity: 0.7, scope: 'layer' });
      assert.equal(r.pruned, Math.floor(0.7 * 54) + Math.floor(0.7 * 648));
      assert.ok(maskedGradients(model) > 100, 'the loss pulls on masked weights');
      const kept = model.params().map((p) => p.value.toArray());
      const opt = make(model);
      const history = await fit(model, train, opt, { epochs: 4, batchSize: 8, lr, seed: 1 }); // 64 steps
      assert.deepEqual(badZeros(model, opt), []);
      assert.ok(Object.keys(opt.state().tensors).length > 0, 'the optimizer keeps state to check');
      // training did happen: live weights moved and the loss fell
      const moved = model.params().some((p, i) => p.value.toArray().some((v, j) => v !== kept[i]![j]));
      assert.ok(moved);
      assert.ok(history[3]!.trainLoss < history[0]!.trainLoss, `loss ${history[0]!.trainLoss} → ${history[3]!.trainLoss}`);
      assert.equal(maskStats(model).pruned, r.pruned, 'masks unchanged');
      opt.dispose();
      model.dispose();
    });
  }
});

describe('masks survive save and load', () => {
  it('restores the masks bit for bit, keeps zeros, and keeps holding them while training on', async () => {
    const model = tinyCnn(5);
    pruneModel(model, { sparsity: 0.8, scope: 'global' });
    const opt = new Sgd(model.params(), { momentum: 0.9, weightDecay: 1e-3 });
    await fit(model, train, opt, { epochs: 2, batchSize: 16, lr: 0.05, seed: 2 });
    const path = join(dir, 'pruned.pqck');
    saveCheckpoint(path, model, { optimizer: opt });
    const loaded = loadCheckpoint(path);
    const back = loaded.model;
    for (const [[name, a], [, b]] of model.namedParams().map((x, i) => [x, back.namedParams()[i]!] as const)) {
      assert.deepEqual(b.mask?.view().slice() ?? null, a.mask?.view().slice() ?? null, `${name} mask`);
      assert.deepEqual(new Uint32Array(b.value.toArray().buffer), new Uint32Array(a.value.toArray().buffer), `${name} bits`);
    }
    assert.equal(maskStats(back).pruned, Math.floor(0.8 * (54 + 648)));
    const opt2 = new Sgd(back.params(), { momentum: 0.9, weightDecay: 1e-3 });
    loaded.restoreOptimizer(opt2);
    assert.deepEqual(badZeros(back, opt2), [], 'the saved optimizer state is masked too');
    await fit(back, train, opt2, { epochs: 2, batchSize: 8, lr: 0.05, seed: 3 });
    assert.deepEqual(badZeros(back, opt2), []);
    // and a fresh Adam after loading
    const adam = new Adam(back.params(), { decoupled: true, weightDecay: 0.01 });
    await fit(back, train, adam, { epochs: 1, batchSize: 8, lr: 0.003, seed: 4 });
    assert.deepEqual(badZeros(back, adam), []);
    for (const o of [opt, opt2, adam]) o.dispose();
    model.dispose();
    back.dispose();
  });
});
