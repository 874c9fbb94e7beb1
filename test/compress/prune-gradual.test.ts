/**
 * Gradual pruning: the Zhu & Gupta cubic schedule against hand-computed values, and the
 * pruner hooked into `fit` through `afterStep`: it prunes exactly at t0 + jΔt to exactly
 * floor(s_t·N) weights, masks only ever gain zeros, masked weights stay 0 between
 * pruning steps, and `finish` reaches s_f when training ends early.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GradualPruner, cubicSparsity, isPruningStep, maskStats } from '../../src/compress/index.js';
import { Sgd, fit } from '../../src/nn/index.js';
import { syntheticSource, tinyCnn } from './prune-fixtures.js';

const N = 54 + 648; // prunable weights of tinyCnn

describe('cubicSparsity', () => {
  const s = { initialSparsity: 0, finalSparsity: 0.9, startStep: 0, pruningSteps: 4, frequency: 10 };
  it('follows s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))^3', () => {
    // by hand: 0.9 − 0.9·(3/4)^3 = 0.5203125, 0.9 − 0.9·(1/2)^3 = 0.7875, 0.9 − 0.9·(1/4)^3 = 0.8859375
    const expected = [0, 0.5203125, 0.7875, 0.8859375, 0.9];
    [0, 10, 20, 30, 40].forEach((t, i) => assert.ok(Math.abs(cubicSparsity(t, s) - expected[i]!) < 1e-12, `t=${t}`));
    assert.equal(cubicSparsity(1000, s), 0.9);
    const shifted = { ...s, initialSparsity: 0.5, startStep: 100 };
    assert.equal(cubicSparsity(50, shifted), 0.5);
    assert.ok(Math.abs(cubicSparsity(120, shifted) - (0.9 - 0.4 * 0.125)) < 1e-12);
  });
  it('prunes at t0, t0 + Δt, …, t0 + nΔt only', () => {
    const steps = Array.from({ length: 60 }, (_, t) => t).filter((t) => isPruningStep(t, { ...s, startStep: 5 }));
    assert.deepEqual(steps, [5, 15, 25, 35, 45]);
  });
  it('rejects bad schedules', () => {
    assert.throws(() => new GradualPruner(tinyCnn(), { schedule: { ...s, finalSparsity: 1 } }), /finalSparsity.*\[0, 1\)/);
    assert.throws(() => new GradualPruner(tinyCnn(), { schedule: { ...s, frequency: 0 } }), /frequency must be an integer >= 1/);
  });
});

describe('GradualPruner in fit', () => {
  it('prunes on schedule, exactly, monotonically, and holds the masks between prunings', async () => {
    const model = tinyCnn(2);
    const schedule = { initialSparsity: 0.1, finalSparsity: 0.85, startStep: 4, pruningSteps: 4, frequency: 8 };
    const pruner = new GradualPruner(model, { schedule, scope: 'global' });
    const snapshots: { step: number; masks: Uint8Array[]; violations: number }[] = [];
    const opt = new Sgd(model.params(), { momentum: 0.9 });
    pruner.begin(); // t0 = 4: nothing at step 0
    assert.equal(pruner.history.length, 0);
    await fit(model, syntheticSource(128, 3), opt, {
      epochs: 3, batchSize: 8, lr: 0.05, seed: 0, // 48 steps
      afterStep: () => {
        pruner.afterStep();
        const masks = model.params().filter((p) => p.mask).map((p) => p.mask!.view().slice());
        snapshots.push({ step: pruner.step, masks, violations: maskStats(model).violations });
      },
    });
    assert.deepEqual(pruner.history.map((h) => h.step), [4, 12, 20, 28, 36]);
    for (const h of pruner.history) {
      const expected = 0.85 + (0.1 - 0.85) * (1 - (h.step - 4) / 32) ** 3;
      assert.ok(Math.abs(h.target - expected) < 1e-12);
      assert.equal(Math.round(h.sparsity * N), Math.floor(expected * N + 1e-9), `step ${h.step}`);
    }
    assert.ok(snapshots.every((s) => s.violations === 0), 'masked weights are 0 after every step');
    for (let i = 1; i < snapshots.length; i++) {
      const a = snapshots[i - 1]!, b = snapshots[i]!;
      a.masks.forEach((m, l) => m.forEach((bit, j) => assert.ok(bit === 1 || b.masks[l]![j] === 0, `step ${b.step}: weight ${l}/${j} revived`)));
    }
    assert.equal(pruner.finish().pruned, Math.floor(0.85 * N));
    opt.dispose();
    model.dispose();
  });
  it('finish() reaches the final level when training stops before the schedule ends', async () => {
    const model = tinyCnn(4);
    const pruner = new GradualPruner(model, { schedule: { initialSparsity: 0, finalSparsity: 0.9, startStep: 0, pruningSteps: 10, frequency: 100 }, scope: 'layer' });
    const opt = new Sgd(model.params(), { momentum: 0.9 });
    pruner.begin();
    await fit(model, syntheticSource(64, 5), opt, { epochs: 1, batchSize: 8, lr: 0.05, seed: 0, afterStep: pruner.afterStep });
    assert.deepEqual(pruner.history.map((h) => h.step), [0]);
    const r = pruner.finish();
    assert.deepEqual(r.layers.map((l) => l.pruned), [Math.floor(0.9 * 54), Math.floor(0.9 * 648)]);
    opt.dispose();
    model.dispose();
  });
});
