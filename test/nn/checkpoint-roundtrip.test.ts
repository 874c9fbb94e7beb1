/**
 * A checkpoint round trip preserves everything training depends on: params, buffers (BN
 * running statistics), pruning masks and optimizer state. The oracle for the optimizer
 * state is uninterrupted training: one more step after a save and load must give the
 * same bits as one more step without them.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Activation, Adam, BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool, INPUT, Linear, Mask, Model, Sgd, loadCheckpoint, saveCheckpoint,
  type Optimizer,
} from '../../src/nn/index.js';
import { Tensor, backward, createRng, scope, softmaxCrossEntropy } from '../../src/tensor/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pq-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function smallNet(): Model {
  return new Model('ckpt-net', [2, 6, 6], [
    { name: 'conv', layer: new Conv2d({ inChannels: 2, outChannels: 4, kernel: 3, padding: 1, seed: 1 }), inputs: [INPUT] },
    { name: 'bn', layer: new BatchNorm2d({ channels: 4, momentum: 0.2 }), inputs: ['conv'] },
    { name: 'relu', layer: new Activation('LeakyReLU', 0.1), inputs: ['bn'] },
    { name: 'dw', layer: new Conv2d({ inChannels: 4, outChannels: 4, kernel: 3, padding: 1, groups: 4, bias: false, seed: 2 }), inputs: ['relu'] },
    { name: 'gap', layer: new GlobalAvgPool(), inputs: ['dw'] },
    { name: 'flat', layer: new Flatten(), inputs: ['gap'] },
    { name: 'drop', layer: new Dropout(0.2), inputs: ['flat'] },
    { name: 'fc', layer: new Linear({ inFeatures: 4, outFeatures: 3, seed: 3 }), inputs: ['drop'] },
  ]);
}

/** Batch `i` of a fixed synthetic stream, so both copies of a model see the same data. */
function batchAt(i: number): { x: Float32Array; labels: Int32Array } {
  const rng = createRng(100 + i);
  return { x: Float32Array.from({ length: 5 * 2 * 6 * 6 }, () => rng.normal(0, 1)), labels: Int32Array.from({ length: 5 }, () => rng.int(3)) };
}

function trainStep(model: Model, opt: Optimizer, i: number): void {
  const { x, labels } = batchAt(i);
  scope(() => {
    const logits = model.forward(Tensor.from(x, [5, 2, 6, 6]), { training: true, rng: createRng(200 + i) });
    backward(softmaxCrossEntropy(logits, labels));
    opt.step(0.05);
    model.zeroGrad();
  });
}

/** Every param, buffer and mask, by name, as raw bits. */
function snapshot(model: Model): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, p] of model.namedParams()) {
    out.set(`param:${name}`, [...new Uint32Array(p.value.toArray().buffer)]);
    if (p.mask) out.set(`mask:${name}`, [...p.mask.view()]);
  }
  for (const [name, b] of model.namedBuffers()) out.set(`buffer:${name}`, [...new Uint32Array(b.toArray().buffer)]);
  return out;
}

const optimizers: [string, (m: Model) => Optimizer][] = [
  ['SGD with Nesterov momentum and weight decay', (m) => new Sgd(m.params(), { momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
  ['Adam', (m) => new Adam(m.params())],
  ['AdamW', (m) => new Adam(m.params(), { decoupled: true, weightDecay: 0.05 })],
];

describe('checkpoint round trip', () => {
  for (const [label, makeOpt] of optimizers) {
    it(`${label}: params, buffers, masks and optimizer state survive; training continues bit for bit`, () => {
      const model = smallNet();
      const named = Object.fromEntries(model.namedParams());
      // Prune every third conv weight: the mask must survive and keep those weights at 0.
      const convW = named['conv.weight']!;
      convW.setMask(new Mask(convW.size, Array.from({ length: convW.size }, (_, i) => (i % 3 === 0 ? 0 : 1))));
      const opt = makeOpt(model);
      for (let i = 0; i < 3; i++) trainStep(model, opt, i);
      const path = join(dir, `${label.split(' ')[0]}.pqck`);
      saveCheckpoint(path, model, { optimizer: opt, meta: { epoch: 3, note: label } });

      const loaded = loadCheckpoint(path);
      assert.deepEqual(loaded.meta, { epoch: 3, note: label });
      assert.deepEqual(loaded.model.config(), model.config());
      const before = snapshot(model);
      assert.deepEqual(snapshot(loaded.model), before, 'params, buffers or masks changed in the round trip');
      // The BN running statistics moved off their initial values, so the buffer check had teeth.
      assert.ok(before.get('buffer:bn.runningMean')!.some((b) => b !== 0));
      assert.ok(before.has('mask:conv.weight'));

      const restored = makeOpt(loaded.model);
      loaded.restoreOptimizer(restored);
      assert.deepEqual(restored.state(), opt.state(), 'optimizer state differs after restore');

      // One more step each: the uninterrupted run and the resumed one must agree exactly.
      trainStep(model, opt, 3);
      trainStep(loaded.model, restored, 3);
      const next = snapshot(model);
      assert.deepEqual(snapshot(loaded.model), next, 'resumed training diverged from uninterrupted training');
      assert.notDeepEqual(next.get('param:fc.weight'), before.get('param:fc.weight'), 'the extra step changed nothing');
      const w = named['conv.weight']!.value.toArray();
      for (let i = 0; i < w.length; i += 3) assert.equal(w[i], 0, `pruned conv.weight[${i}] is ${w[i]}`);

      for (const o of [opt, restored]) o.dispose();
      model.dispose();
      loaded.model.dispose();
    });
  }

  it('a checkpoint saved without optimizer state says so when asked to restore one', () => {
    const model = smallNet();
    const path = join(dir, 'no-opt.pqck');
    saveCheckpoint(path, model);
    const loaded = loadCheckpoint(path);
    assert.throws(() => loaded.restoreOptimizer(new Sgd(loaded.model.params())), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: holds no optimizer state`));
    model.dispose();
    loaded.model.dispose();
  });
});
